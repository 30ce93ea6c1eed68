"""Browser tests: the real app in a subprocess (its own SQLite file and
outbox directory), driven by Debian's Chromium through Playwright.

One server and one browser per test session; a fresh browser context (so
fresh cookies) per test. The app runs out of process because the unit tests
re-bind the global database proxy in this process."""
import email
import email.policy
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
# How long one Playwright action or expectation may wait.
TIMEOUT_MS = 10_000
MAIL_WAIT_SECONDS = 5.0


def pytest_addoption(parser):
    parser.addoption("--screenshots", metavar="DIR", default=None,
                     help="the crawl also saves each page at phone and desktop width into DIR")


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


class Server:
    def __init__(self, base_url, tmp, log_path):
        self.base_url = base_url
        self.outbox_dir = tmp / "mail"
        self.sms_dir = tmp / "sms"
        self.database_path = tmp / "keyfob.sqlite3"
        self.log_path = log_path

    def make_agreement(self, market, **values):
        """An agreement in the server's database (see tests/support/agreements.py):
        the models are bound to its SQLite file for the moment."""
        from peewee import SqliteDatabase

        from domain.db import SQLITE_PRAGMAS
        from models import Agreement, Payment
        from support.agreements import make_agreement
        db = SqliteDatabase(str(self.database_path), pragmas=SQLITE_PRAGMAS)
        with db.bind_ctx([Agreement, Payment]), db.connection_context():
            return make_agreement(market, **values)

    def add_document(self, agreement, title, content):
        """A PDF for `agreement`, as `flask documents import` would add it."""
        from datetime import date

        from peewee import SqliteDatabase

        from domain.db import SQLITE_PRAGMAS
        from models import Document
        folder = self.database_path.parent / "documents"
        folder.mkdir(exist_ok=True)
        stored_name = secrets.token_hex(16) + ".pdf"
        (folder / stored_name).write_bytes(content)
        db = SqliteDatabase(str(self.database_path), pragmas=SQLITE_PRAGMAS)
        with db.bind_ctx([Document]), db.connection_context():
            return Document.create(agreement=agreement.id, kind="statement", title=title,
                                   issued_on=date(2026, 10, 31), stored_name=stored_name,
                                   original_name=stored_name, size=len(content))

    def make_staff(self, role="admin", enrolled=True):
        """A staff member in the server's database (tests/support/staff.py):
        (email, password, TOTP secret, "" when their app is not set up)."""
        from peewee import SqliteDatabase

        from domain import totp_keys
        from domain.db import SQLITE_PRAGMAS
        from models import Staff
        from support.staff import staff_member
        totp_keys.configure(self.env["KEYFOB_TOTP_KEY"], None)
        db = SqliteDatabase(str(self.database_path), pragmas=SQLITE_PRAGMAS)
        with db.bind_ctx([Staff]), db.connection_context():
            staff, password, totp = staff_member(role, enrolled=enrolled)
        return staff.email, password, totp.secret if totp else ""

    def make_thread(self, market="at", body="Hello, when is my next payment taken?",
                    topic="payments", password="tulip river lantern 7"):
        """A customer (active, signs in with `password`) with a linked
        agreement, who wrote to customer care, in the server's database:
        (customer's e-mail, thread id, agreement). Made with the models, as
        domain.messages.open_thread would."""
        import uuid

        from peewee import SqliteDatabase

        from domain import passwords
        from domain.clock import utcnow
        from domain.db import SQLITE_PRAGMAS
        from models import Agreement, Customer, Message, Payment, Thread
        from support.agreements import make_agreement
        locale = {"ca": "en_CA", "us": "en_US", "at": "de_AT", "fr": "fr_FR"}[market]
        address = f"writer-{uuid.uuid4().hex[:10]}@example.com"
        db = SqliteDatabase(str(self.database_path), pragmas=SQLITE_PRAGMAS)
        with db.bind_ctx([Customer, Agreement, Payment, Thread, Message]), db.connection_context():
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
        """A help article of `market` in the server's database (see
        tests/support/help_articles.py); its key. It runs in a process of its own,
        with an app, since saving fills the search index through the
        global database."""
        result = subprocess.run([sys.executable, "-c", MAKE_HELP_ARTICLE, market], cwd=ROOT,
                                env=self.env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def flask(self, *args):
        """Run `flask ARGS` (an operator's command) on the server's database
        and settings; the CompletedProcess, output as text."""
        return subprocess.run([_flask(), "--app", "app:create_app", *args], cwd=ROOT,
                              env=self.env, capture_output=True, text=True, timeout=60)

    def staff_reply(self, thread_id, text):
        """An agent's answer to a thread, as the staff pages give it
        (domain.messages.staff_reply): the thread turns unread for the
        customer and the e-mail is written to the outbox at once. It runs in
        a process of its own, on the server's database and settings, since
        it needs an app (links, templates) and the global database."""
        result = subprocess.run([sys.executable, "-c", STAFF_REPLY, str(thread_id), text,
                                 self.base_url], cwd=ROOT, env=self.env, capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0, result.stderr

    def url(self, path):
        return self.base_url + path

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")[-5000:]
        except OSError:
            return ""

    def mailbox(self, address):
        return Mailbox(self, address)


MAKE_HELP_ARTICLE = """
import sys
sys.path.insert(0, "tests")
from app import create_app
from support.help_articles import make_help_article
app = create_app()
with app.app_context():
    print(make_help_article(sys.argv[1]).key)
"""


STAFF_REPLY = """
import sys
from app import create_app
from domain import messages, outbox
from models import Staff, Thread
thread_id, text, base_url = int(sys.argv[1]), sys.argv[2], sys.argv[3]
app = create_app()
with app.test_request_context(base_url=base_url):
    agent = (Staff.get_or_none(Staff.email == "care.agent@example.com")
             or Staff.create(email="care.agent@example.com", name="Care Agent", role="agent",
                             password_hash="x"))
    messages.staff_reply(agent, Thread.get_by_id(thread_id), text)
    outbox.send_pending()
"""


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("keyfob-browser")
    port = _free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("KEYFOB_", "FLASK_"))}
    env.update({
        # Always a fresh SQLite file, even when DATABASE_URL points elsewhere.
        "DATABASE_URL": f"sqlite:///{tmp}/keyfob.sqlite3",
        "KEYFOB_MAIL_OUTBOX_DIR": str(tmp / "mail"),
        "KEYFOB_SMS_OUTBOX_DIR": str(tmp / "sms"),
        "KEYFOB_DOCUMENTS_DIR": str(tmp / "documents"),
        "KEYFOB_ATTACHMENTS_DIR": str(tmp / "attachments"),
        "KEYFOB_SECRET_KEY": secrets.token_hex(32),
        # Links in e-mails lead to this server (domain.links).
        "KEYFOB_PUBLIC_URL": f"http://127.0.0.1:{port}",
        # The pages, not the scanner (tests/test_virus_scan.py has a real clamd).
        "KEYFOB_VIRUS_SCAN": "off",
        # Known here too: make_staff() encrypts its members' TOTP secrets.
        "KEYFOB_TOTP_KEY": Fernet.generate_key().decode(),
        "KEYFOB_PASSWORD_HASH_TIME_COST": "1",
        "KEYFOB_PASSWORD_HASH_MEMORY_COST": "8192",
        # Every test comes from 127.0.0.1: the per-client limits (30 logins,
        # 20 e-mails) would count the whole session as one visitor.
        "KEYFOB_RATE_LIMIT_LOGIN_PER_CLIENT": "[10000, 900]",
        "KEYFOB_RATE_LIMIT_EMAIL_PER_CLIENT": "[10000, 3600]",
        "KEYFOB_LINK_ATTEMPTS_PER_CLIENT": "[10000, 3600]",
        "KEYFOB_CODE_SENDS_PER_CLIENT": "[10000, 3600]",
        "PYTHONUNBUFFERED": "1",
    })
    app = ["--app", "app:create_app"]
    upgrade = subprocess.run([_flask(), *app, "db", "upgrade"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=60)
    assert upgrade.returncode == 0, f"flask db upgrade failed:\n{upgrade.stdout}\n{upgrade.stderr}"

    log_path = tmp / "server.log"
    log = open(log_path, "wb")
    process = subprocess.Popen([_flask(), *app, "run", "--host", "127.0.0.1", "--port", str(port)],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", tmp, log_path)
    server.env = env
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                pytest.fail(f"the app exited with {process.returncode}:\n{server.log()}")
            try:
                with urllib.request.urlopen(server.url("/healthz"), timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the app did not answer /healthz:\n{server.log()}")
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


# --- e-mail -------------------------------------------------------------------

class Mailbox:
    """The e-mails of one recipient in the outbox directory, read in order."""

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
        """The oldest e-mail to this address not returned before; waits for it."""
        deadline = time.monotonic() + timeout
        while True:
            unseen = self._unseen()
            if unseen:
                path, message = unseen[0]
                self.seen.add(path)
                return message
            if time.monotonic() > deadline:
                pytest.fail(f"no new e-mail to {self.address} within {timeout} s")
            time.sleep(0.05)

    def latest(self):
        """The newest e-mail to this address. (The app writes an e-mail
        before it answers the request that caused it.)"""
        self.others.clear()
        mine = [message for _path, message in self._unseen()]
        assert mine, f"no e-mail to {self.address}"
        return mine[-1]

    def assert_empty(self):
        unseen = self._unseen()
        assert not unseen, f"unexpected e-mail to {self.address}: {[m['Subject'] for _, m in unseen]}"

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
