"""Browser tests: the real app in a subprocess (its own SQLite file and
outbox directory), driven by Debian's Chromium through Playwright.

One server and one browser per test session, so per pytest-xdist worker;
a fresh browser context (so fresh cookies) per test, except for the crawl's
visits, which share a kept page per worker whose cookies are cleared before
each (KeptPage). The app runs out of process because the unit tests re-bind
the global database proxy in this process."""
import ctypes
import email
import email.policy
import http.cookiejar
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pyotp
import pytest
from cryptography.fernet import Fernet

from domain import passwords, totp_keys
from support.servers import stop_process

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
PR_SET_PDEATHSIG = 1       # prctl(2)
# Playwright's own default, for a context kept from test to test.
DEFAULT_VIEWPORT = {"width": 1280, "height": 720}
# How long one Playwright action or expectation may wait.
TIMEOUT_MS = 10_000
MAIL_WAIT_SECONDS = 5.0


def pytest_addoption(parser):
    parser.addoption("--screenshots", metavar="DIR", default=None,
                     help="the crawl also saves each page at phone and desktop width into DIR")
    parser.addoption("--slow-3g-table", metavar="FILE", default=None,
                     help="test_slow_network.py writes its measurements into FILE (make slow-3g)")


@pytest.fixture
def screenshots_dir(request):
    directory = request.config.getoption("--screenshots")
    return Path(directory) if directory else None


# --- the server ---------------------------------------------------------------

def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _flask():
    return str(Path(sys.executable).with_name("flask"))


def _end_with_parent():
    """Run in the server's process before it starts: on Linux, it gets
    SIGTERM when the test process ends, even killed (pytest runs no
    teardown on SIGTERM), so that no server outlives its run."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


class Server:
    """The app in its process, and the test's way into its data: factories
    that write the server's SQLite file directly (the page cache keys on
    page versions that the database's triggers raise, so the server sees
    every such write on its next request), and an agent who answers
    through the staff pages."""

    def __init__(self, base_url, tmp, log_path, env):
        self.base_url = base_url
        self.env = env
        self.outbox_dir = tmp / "mail"
        self.sms_dir = tmp / "sms"
        self.database_path = tmp / "keyfob.sqlite3"
        self.log_path = log_path
        self._agent = None

    @contextmanager
    def database(self):
        """The process's database (domain.db.database, which every model and
        domain function uses) on the server's SQLite file for the moment,
        then back on whatever it was (the unit tests bind it to theirs).
        The TOTP keys are the server's, so that secrets sealed here open there."""
        from peewee import SqliteDatabase

        from domain.db import SQLITE_PRAGMAS, database
        previous = database.obj
        db = SqliteDatabase(str(self.database_path), pragmas=SQLITE_PRAGMAS)
        totp_keys.configure(self.env["KEYFOB_TOTP_KEY"], None)
        database.initialize(db)
        try:
            with db.connection_context():
                yield
        finally:
            database.initialize(previous)

    def make_agreement(self, market, **values):
        """An agreement in the server's database (see tests/support/agreements.py)."""
        from support.agreements import make_agreement
        with self.database():
            return make_agreement(market, **values)

    def make_customer(self, lang, linked=False):
        """An active customer of the variant `lang` (tests/pages.py), and
        with `linked` an agreement linked to them: (customer, agreement or None)."""
        from pages import make_customer
        with self.database():
            return make_customer(lang, linked=linked)

    def authorize_device(self, customer_id):
        """The customer's open sessions count as on an authorized device."""
        from pages import authorize_device
        with self.database():
            authorize_device(customer_id)

    def make_ready_export(self, customer_id):
        """A data export the worker made ready (tests/pages.py); its link's token."""
        from pages import make_ready_export
        with self.database():
            return make_ready_export(customer_id, str(self.database_path.parent / "exports"))

    def add_document(self, agreement, title, content):
        """A PDF for `agreement`, as `flask documents import` would add it."""
        from models import Document
        folder = self.database_path.parent / "documents"
        folder.mkdir(exist_ok=True)
        stored_name = secrets.token_hex(16) + ".pdf"
        (folder / stored_name).write_bytes(content)
        with self.database():
            return Document.create(agreement=agreement.id, kind="statement", title=title,
                                   issued_on=date(2026, 10, 31), stored_name=stored_name,
                                   original_name=stored_name, size=len(content))

    def make_staff(self, role="admin", enrolled=True):
        """A staff member in the server's database (tests/support/staff.py):
        (email, password, TOTP secret, "" when their app is not set up)."""
        from support.staff import staff_member
        with self.database():
            staff, password, totp = staff_member(role, enrolled=enrolled)
        return staff.email, password, totp.secret if totp else ""

    def make_thread(self, market="at", body="Hello, when is my next payment taken?",
                    topic="payments", password="tulip river lantern 7"):
        """A customer (active, signs in with `password`) with a linked
        agreement, who wrote to customer care, in the server's database:
        (customer's email, thread id, agreement). Made with the models, as
        domain.messages.open_thread would."""
        from domain.clock import utcnow
        from support.agreements import make_agreement
        from models import Customer, Message, Thread
        locale = {"ca": "en_CA", "us": "en_US", "at": "de_AT", "fr": "fr_FR"}[market]
        address = f"writer-{uuid.uuid4().hex[:10]}@example.com"
        with self.database():
            now = utcnow()
            customer = Customer.create(market=market, email=address, email_key=address,
                                       first_name="Nora", last_name="Writer", locale=locale,
                                       password_hash=passwords.hash_password(password),
                                       status="active", activated_at=now)
            agreement = make_agreement(market, customer=customer.id, linked_at=now)
            thread = Thread.create(customer=customer.id, market=market, agreement=agreement.id,
                                   topic=topic, created_at=now, updated_at=now, waiting_since=now)
            Message.create(thread=thread.id, author="customer", body=body, created_at=now)
        return address, thread.id, agreement

    def make_help_article(self, market):
        """A new help article of `market` in the server's database (see
        tests/support/help_articles.py: saved through domain.help, which fills the
        search index); its key."""
        from support.help_articles import make_help_article
        with self.database():
            return make_help_article(market).key

    def flask(self, *args):
        """Run `flask ARGS` (an operator's command) on the server's database
        and settings; the CompletedProcess, output as text."""
        return subprocess.run([_flask(), "--app", "app:create_app", *args], cwd=ROOT,
                              env=self.env, capture_output=True, text=True, timeout=60)

    def staff_reply(self, thread_id, text):
        """An agent's answer to a thread, through the staff pages: the
        thread's page in the queue and its reply form (domain.queue.reply),
        as an agent's browser sends them. The thread turns unread for the
        customer, and the server writes the email before it answers.
        One agent per server signs in (password and code) the first time,
        and again should their session have ended."""
        path = f"/staff/queue/{thread_id}"
        for attempt in range(2):
            if self._agent is None:
                self._agent = self._signed_in_agent()
            answer = self._agent.submit(path, path + "/reply", {"body": text})
            if answer.url != self.url("/staff/login"):
                break
            self._agent = None          # the session ended: sign in again
        assert answer.status == 200 and answer.url == self.url(path), (answer.status, answer.url)

    def _signed_in_agent(self):
        email, password, secret = self.make_staff("agent")
        agent = HttpVisitor(self.base_url)
        answer = agent.submit("/staff/login", "/staff/login",
                              {"email": email, "password": password})
        assert answer.url == self.url("/staff/second-factor"), answer.url
        answer = agent.submit("/staff/second-factor", "/staff/second-factor",
                              {"code": pyotp.TOTP(secret).now()})
        assert answer.url == self.url("/staff"), answer.url
        return agent

    def url(self, path):
        return self.base_url + path

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")[-5000:]
        except OSError:
            return ""

    def mailbox(self, address):
        return Mailbox(self, address)


class HttpVisitor:
    """A visitor without a browser: plain HTTP that keeps its cookies and
    follows redirects, for what someone other than the test's browser does
    (an agent answering)."""

    class Answer:
        def __init__(self, url, status, text):
            self.url, self.status, self.text = url, status, text

    def __init__(self, base_url):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def _open(self, path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base_url + path, data=body, timeout=30) as response:
                return self.Answer(response.url, response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return self.Answer(error.url, error.code, error.read().decode(errors="replace"))

    def get(self, path):
        return self._open(path)

    def submit(self, page, action, data):
        """Open `page`, then post `data` with its CSRF token to `action`;
        the answer after redirects (a `page` that redirected elsewhere is
        that answer, nothing is posted)."""
        shown = self.get(page)
        if shown.url != self.base_url + page:
            return shown
        token = re.search(r'name="csrf_token" value="([^"]*)"', shown.text)
        return self._open(action, dict(data, csrf_token=token.group(1) if token else ""))


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The app on a port of its own, with its own SQLite file, outbox and
    upload folders under this session's temporary directory: one per
    pytest-xdist worker (each has a temporary directory of its own)."""
    tmp = tmp_path_factory.mktemp("keyfob-browser")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("KEYFOB_", "FLASK_"))}
    env.update({
        # Always a fresh SQLite file, even when DATABASE_URL points elsewhere.
        "DATABASE_URL": f"sqlite:///{tmp}/keyfob.sqlite3",
        "KEYFOB_MAIL_OUTBOX_DIR": str(tmp / "mail"),
        "KEYFOB_SMS_OUTBOX_DIR": str(tmp / "sms"),
        "KEYFOB_DOCUMENTS_DIR": str(tmp / "documents"),
        "KEYFOB_ATTACHMENTS_DIR": str(tmp / "attachments"),
        "KEYFOB_EXPORTS_DIR": str(tmp / "exports"),
        "KEYFOB_SECRET_KEY": secrets.token_hex(32),
        # The pages, not the scanner (tests/test_virus_scan.py has a real clamd).
        "KEYFOB_VIRUS_SCAN": "off",
        # Known here too: make_staff() encrypts its members' TOTP secrets.
        "KEYFOB_TOTP_KEY": Fernet.generate_key().decode(),
        "KEYFOB_PASSWORD_HASH_TIME_COST": "1",
        "KEYFOB_PASSWORD_HASH_MEMORY_COST": "8192",
        # Every test comes from 127.0.0.1: the per-client limits (30 logins,
        # 20 emails) would count the whole session as one visitor.
        "KEYFOB_RATE_LIMIT_LOGIN_PER_CLIENT": "[10000, 900]",
        "KEYFOB_RATE_LIMIT_EMAIL_PER_CLIENT": "[10000, 3600]",
        "KEYFOB_LINK_ATTEMPTS_PER_CLIENT": "[10000, 3600]",
        "KEYFOB_CODE_SENDS_PER_CLIENT": "[10000, 3600]",
        "PYTHONUNBUFFERED": "1",
    })
    # The factories hash passwords here as cheaply as the server does.
    passwords.configure(1, 8192)
    app = ["--app", "app:create_app"]
    upgrade = subprocess.run([_flask(), *app, "db", "upgrade"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=60)
    assert upgrade.returncode == 0, f"flask db upgrade failed:\n{upgrade.stdout}\n{upgrade.stderr}"

    log_path = tmp / "server.log"
    log = open(log_path, "wb")
    # A free port may be taken by another process (another worker's server)
    # before ours binds it: then ours exits, and another port is tried.
    process = None
    try:
        for attempt in range(5):
            port = _free_port()
            # Links in emails lead to this server (domain.links).
            env["KEYFOB_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
            server = Server(f"http://127.0.0.1:{port}", tmp, log_path, env)
            process = subprocess.Popen([_flask(), *app, "run", "--host", "127.0.0.1",
                                        "--port", str(port)],
                                       cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                       preexec_fn=_end_with_parent)
            if _listening(process, server):
                break
        else:
            pytest.fail(f"the app found no free port:\n{server.log()}")
        yield server
    finally:
        if process is not None:
            stop_process(process, timeout=5)
        log.close()


def _listening(process, server):
    """True once `process` says it listens on the server's port and answers
    /healthz; False when it exited (its port was taken)."""
    running = f"Running on {server.base_url}"
    deadline = time.monotonic() + 20
    while True:
        if process.poll() is not None:
            if "Address already in use" in server.log():
                return False
            pytest.fail(f"the app exited with {process.returncode}:\n{server.log()}")
        # Werkzeug says so once the port is bound: /healthz is then ours,
        # not another server's that took the port first.
        if running in server.log():
            try:
                with urllib.request.urlopen(server.url("/healthz"), timeout=2) as response:
                    if response.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                pass
        if time.monotonic() > deadline:
            pytest.fail(f"the app did not answer /healthz:\n{server.log()}")
        time.sleep(0.05)


# --- email -------------------------------------------------------------------

class Mailbox:
    """The emails of one recipient in the outbox directory, read in order."""

    def __init__(self, server, address):
        self.server = server
        self.address = address.lower()
        self.seen = set()
        self.others = set()     # files to other recipients, not read again

    def _files(self):
        # Names are <UTC time>-<outbox id>.eml: sorted is oldest first. The
        # app writes <name>.part and renames it, so a .eml file is complete.
        directory = self.server.outbox_dir
        if not directory.exists():
            return []
        return sorted(directory.glob("*.eml"))

    def _unseen(self):
        found = []
        for path in self._files():
            if path in self.seen or path in self.others:
                continue
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if str(message["To"]).strip().lower() == self.address:
                found.append((path, message))
            else:
                self.others.add(path)
        return found

    def next(self, timeout=MAIL_WAIT_SECONDS):
        """The oldest email to this address not returned before; waits for it."""
        deadline = time.monotonic() + timeout
        while True:
            unseen = self._unseen()
            if unseen:
                path, message = unseen[0]
                self.seen.add(path)
                return message
            if time.monotonic() > deadline:
                pytest.fail(f"no new email to {self.address} within {timeout} s")
            time.sleep(0.05)

    def latest(self):
        """The newest email to this address. (The app writes an email
        before it answers the request that caused it.)"""
        self.others.clear()
        mine = [message for _path, message in self._unseen()]
        assert mine, f"no email to {self.address}"
        return mine[-1]

    def assert_empty(self):
        unseen = self._unseen()
        assert not unseen, f"unexpected email to {self.address}: {[m['Subject'] for _, m in unseen]}"

    @staticmethod
    def text(message):
        return message.get_body(("plain",)).get_content()

    def link(self, message, path_pattern):
        """The absolute link of the text part whose path matches the regex
        `path_pattern` (anchored at the start of the path); returns the URL."""
        text = self.text(message)
        base = re.escape(self.server.base_url)
        match = re.search(base + r"(" + path_pattern + r")(?=\s|$)", text)
        assert match, f"no link {self.server.base_url}{path_pattern} in:\n{text}"
        return match.group(0)


# --- the browser --------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, server):
    """new_page(js=True, **context_options): a page in a new browser context."""
    contexts = []

    def make(js=True, **options):
        context = browser.new_context(java_script_enabled=js, base_url=server.base_url,
                                      **options)
        context.add_init_script(HTMX_WATCH)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def unique_email():
    return f"kf-{secrets.token_hex(6)}@example.com"


# --- htmx ---------------------------------------------------------------------

# htmx runs as a module (templates/_chrome_head.html), so it defines no
# window.htmx: a page says it is ready by its `htmx:load` on the body,
# which this init script (run before the page's own) writes down.
HTMX_SCRIPT = re.compile(r"/static/vendor/htmx-[0-9.]+\.min\.js$")
HTMX_WATCH = """
document.addEventListener('htmx:load', function () { window.__keyfobHtmxLoaded = true; });
"""


# --- Content-Security-Policy --------------------------------------------------

CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  window.__keyfobCspViolation(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')
                              + ' at ' + e.sourceFile + ':' + e.lineNumber);
});
"""


class CspWatch:
    """Content-Security-Policy violations seen by a page: console errors
    that mention the policy (Chromium logs them with or without JavaScript)
    and, with JavaScript, `securitypolicyviolation` events, reported by an
    init script (Playwright injects it outside the page's CSP)."""

    def __init__(self, page, events=True):
        self.violations = []
        self.console_errors = []
        if events:
            page.expose_function("__keyfobCspViolation", self._violation)
            page.add_init_script(CSP_LISTENER)
        page.on("console", self._console)

    def _violation(self, description):
        self.violations.append(description)

    def _console(self, message):
        if message.type == "error":
            self.console_errors.append(message.text)
            if "Content Security Policy" in message.text:
                self.violations.append("console: " + message.text)


@pytest.fixture
def csp_watch():
    return CspWatch


# --- a page kept from visit to visit (the crawl) -------------------------------

class KeptPage:
    """A page of a browser context kept for many visits: the crawl makes
    hundreds, and a new context a visit cost Chromium a new renderer
    process and Playwright's set-up of it (the crawl took about twice the
    CPU time with one), where a kept page costs a navigation. Each visit
    starts as in a new context, without cookies (so with no session, no
    language remembered), with its own list of CSP violations; the HTTP
    cache stays, as for a visitor coming back."""

    def __init__(self, browser, server, js, viewport, without_htmx=False):
        self.js = js
        self.context = browser.new_context(java_script_enabled=js, base_url=server.base_url,
                                           viewport=viewport)
        self.context.add_init_script(HTMX_WATCH)
        # The requests for htmx, each failed on the way (a network error).
        self.htmx_requests = []
        if without_htmx:
            self.context.route(HTMX_SCRIPT, self._fail)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.set_default_navigation_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.csp = CspWatch(self.page, events=js)
        self.viewport = viewport

    def _fail(self, route):
        self.htmx_requests.append(route.request)
        route.abort()

    def fresh(self):
        """The page for a new visit: no cookies, no violations seen yet."""
        self.context.clear_cookies()
        self.htmx_requests.clear()
        self.csp.violations.clear()
        self.csp.console_errors.clear()
        if self.page.viewport_size != self.viewport:      # `make screenshots` widens it
            self.page.set_viewport_size(self.viewport)
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture(scope="session")
def _kept_pages():
    kept = {}
    yield kept
    for page in kept.values():
        page.close()


@pytest.fixture
def kept_page(request, browser, server, _kept_pages):
    """kept_page(js=True, viewport=..., without_htmx=False): a KeptPage of
    this worker (with `without_htmx`, every request for htmx fails), fresh
    for this test. After a failed test it is closed, so that nothing it left
    (a dialog, a navigation under way) reaches the next."""
    failures = request.session.testsfailed
    used = []

    def get(js=True, viewport=DEFAULT_VIEWPORT, without_htmx=False):
        key = (js, viewport["width"], viewport["height"], without_htmx)
        if key not in _kept_pages:
            _kept_pages[key] = KeptPage(browser, server, js, viewport, without_htmx)
        used.append(key)
        kept = _kept_pages[key]
        kept.fresh()
        return kept

    yield get
    if request.session.testsfailed > failures:
        for key in used:
            if key in _kept_pages:
                _kept_pages.pop(key).close()
