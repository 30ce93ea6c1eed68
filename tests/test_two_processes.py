"""Two app server processes on loopback, as two machines behind a load
balancer would run them: two gunicorns of one worker each, each with its own
port and instance directory and outboxes, the same SECRET_KEY, and nothing
shared but the database (SQLite here, PostgreSQL when TEST_DATABASE_URL is
set). CSRF is on, as in production: every form is posted with the token of
its page.

What one process changes, the other acts on at its next request: a text a
marketer publishes (and reverts), a customer's wrong passwords in a row
(the lockout), a staff member's wrong codes in one session, and any change
to a page each keeps rendered."""
import copy
import html
import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from domain import messages, passwords, texts, totp_keys
from domain.accounts import MAX_FAILED_LOGINS, email_key
from domain.clock import utcnow
from domain.db import database
from domain.staff import MAX_WRONG_CODES, current_step
from models import Customer, Message, TextChange, Thread
from support.apps import make_app
from support.customers import PASSWORD
from support.outboxes import Outbox
from support.servers import Browser, NoRedirect, ROOT, free_port, stop_process
from support.staff import fresh_code, staff_member

FORGOT = "Forgot your password?"
FORGOT_KEY = texts.message_key(FORGOT)
COMPILED_FR = "Mot de passe oublié?"       # fr_CA's own catalogue (Quebec: no space before ?)
START_SECONDS = 60        # a busy machine (a whole suite in parallel) starts them slowly


class Server:
    """One gunicorn process with one worker; `url` is its base URL."""

    def __init__(self, name, tmp_path, database_url):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.home = tmp_path / f"server_{name}"
        self.home.mkdir()
        self.mail = self.home / "mail"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KEYFOB_", "FLASK_"))}
        env.update({
            "DATABASE_URL": database_url,
            "KEYFOB_SECRET_KEY": "two processes test secret",
            # Like SECRET_KEY, the same on every machine (docs/DEPLOY.md): this
            # process's, which encrypted the TOTP secrets of the staff made here.
            "KEYFOB_TOTP_KEY": ",".join(totp_keys.keys_now()),
            "KEYFOB_PASSWORD_HASH_TIME_COST": "1",
            "KEYFOB_PASSWORD_HASH_MEMORY_COST": "8192",
            "KEYFOB_MAIL_OUTBOX_DIR": str(self.mail),
            "KEYFOB_SMS_OUTBOX_DIR": str(self.home / "sms"),
            "KEYFOB_ATTACHMENTS_DIR": str(self.home / "attachments"),
            "KEYFOB_DOCUMENTS_DIR": str(self.home / "documents"),
            "KEYFOB_RATE_LIMIT_LOGIN_PER_CLIENT": "[10000, 900]",
        })
        self.log_path = self.home / "gunicorn.log"
        self.log = open(self.log_path, "wb")
        instance = str(self.home / "instance")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "--workers", "1",
             "--bind", f"127.0.0.1:{self.port}", f"app:create_app(instance_path={instance!r})"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_until_up(self, deadline):
        while True:
            assert self.process.poll() is None, f"server {self.name} ended:\n{self.log_text()}"
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            assert time.monotonic() < deadline, \
                f"server {self.name} did not answer /healthz:\n{self.log_text()}"
            time.sleep(0.1)

    def log_text(self):
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self):
        stop_process(self.process, timeout=10)
        self.log.close()


@pytest.fixture
def fresh_db(tmp_path):
    """A fresh, migrated database (support.apps), the models bound to it in
    this process; its URL. Rows made here are there before the servers start."""
    app = make_app(tmp_path)
    yield app.config["DATABASE_URL"]
    if not database.is_closed():
        database.close()


@pytest.fixture
def servers(tmp_path, fresh_db):
    """start() -> (A, B): two servers on the database of `fresh_db`."""
    started = []

    def start():
        database.close()       # nothing of this process's holds a lock
        started.extend(Server(name, tmp_path, fresh_db) for name in ("a", "b"))
        deadline = time.monotonic() + START_SECONDS
        for server in started:
            server.wait_until_up(deadline)
        return started

    try:
        yield start
    finally:
        for server in started:
            server.stop()


def on(url, jar):
    """A Browser for `url` keeping its cookies in `jar`: give two the same
    jar and they are one visitor, sent to either process as a load balancer
    would."""
    browser = Browser(url)
    browser.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar),
                                                 NoRedirect())
    return browser


def copied(jar):
    """A new jar with the cookies `jar` holds now."""
    copy_of = http.cookiejar.CookieJar()
    for cookie in jar:
        copy_of.set_cookie(copy.copy(cookie))
    return copy_of


def page_text(body):
    return html.unescape(body)


def post_form(browser, path, data, form_page=None):
    """POST `data` with the CSRF token of `form_page` (by default the page itself)."""
    return browser.request(path, dict(data, csrf_token=browser.token(form_page or path)))


def staff_sign_in(browser, staff, password, totp):
    status, headers, _ = post_form(browser, "/staff/login",
                                   {"email": staff.email, "password": password})
    assert status == 303 and headers["Location"].endswith("/staff/second-factor"), status
    if totp is None:
        return
    status, headers, _ = post_form(browser, "/staff/second-factor",
                                   {"code": fresh_code(staff, totp)})
    database.close()
    assert status == 303 and headers["Location"].endswith("/staff"), \
        (status, headers.get("Location"))


def login_page(browser):
    status, _, body = browser.request("/fr-ca/login")
    assert status == 200
    return page_text(body)


def publish(browser, text):
    path = f"/staff/texts/fr_CA/{FORGOT_KEY}"
    status, headers, body = post_form(browser, path, {"action": "publish", "form_0": text})
    assert status == 303 and headers["Location"].endswith(path), (status, body[-2000:])


def test_a_text_published_through_one_process_is_served_by_the_other_at_its_next_request(
        servers):
    marketer, password, totp = staff_member("marketer", name="Morgan Marketer")
    a, b = servers()

    visitor = Browser(b.url)            # a customer, only ever on B
    for _ in range(2):                  # B built its catalogues and serves from them
        page = login_page(visitor)
        assert COMPILED_FR in page and FORGOT not in page

    marketer_cookies = http.cookiejar.CookieJar()
    staff_a = on(a.url, marketer_cookies)
    staff_sign_in(staff_a, marketer, password, totp)
    publish(staff_a, "Mot de passe égaré\u00a0?")
    page = login_page(visitor)
    assert "Mot de passe égaré\u00a0?" in page and COMPILED_FR not in page

    # The revert, from the history page, through A: B shows the compiled text at once.
    _, _, history = staff_a.request("/staff/texts/history?variant=fr_CA")
    change_id = int(re.search(r'action="/staff/texts/history/(\d+)/revert"', history).group(1))
    assert change_id == TextChange.select().order_by(TextChange.id.desc()).get().id
    database.close()
    status, _, _ = post_form(staff_a, f"/staff/texts/history/{change_id}/revert",
                             {"scope": "one"}, form_page="/staff/texts/history")
    assert status == 303
    page = login_page(visitor)
    assert COMPILED_FR in page and "égaré" not in page

    # And the other way: the same marketer's session, sent to B; A serves it.
    staff_b = on(b.url, marketer_cookies)
    publish(staff_b, "Mot de passe perdu\u00a0?")
    assert "Mot de passe perdu\u00a0?" in login_page(Browser(a.url))
    assert "Mot de passe perdu\u00a0?" in login_page(visitor)


REFUSED = "The email address or password is not right."


def sign_in_customer(browser, address, password):
    return post_form(browser, "/en-ca/login", {"email": address, "password": password})


def test_wrong_passwords_through_both_processes_count_together_and_lock(servers):
    address = "lou.lockout@example.ca"
    Customer.create(market="ca", locale="en_CA", email=address, email_key=email_key(address),
                    first_name="Lou", last_name="Lockout",
                    password_hash=passwords.hash_password(PASSWORD),
                    status="active", activated_at=utcnow())
    a, b = servers()
    assert MAX_FAILED_LOGINS == 3

    # One visitor, its requests spread over both processes: 2 wrong through A, 1 through B.
    cookies = http.cookiejar.CookieJar()
    through_a, through_b = on(a.url, cookies), on(b.url, cookies)
    for browser in (through_a, through_a, through_b):
        status, _, body = sign_in_customer(browser, address, "not the password 1")
        assert status == 422 and REFUSED in page_text(body)

    customer = Customer.get(Customer.email_key == email_key(address))
    assert customer.failed_logins == 3 and customer.locked_at is not None
    database.close()

    # The right password through A, which saw only 2 of the 3: refused, locked.
    for browser in (through_a, Browser(a.url), Browser(b.url)):
        status, headers, body = sign_in_customer(browser, address, PASSWORD)
        assert status == 422 and "Location" not in headers and REFUSED in page_text(body)
    assert Customer.get(Customer.email_key == email_key(address)).last_login_at is None
    database.close()

    # The lock's email went out once, by the process whose request locked the account.
    assert [m["Subject"] for m in Outbox(str(a.mail)).messages(address)] == []
    (locked,) = Outbox(str(b.mail)).messages(address)
    assert "locked" in locked["Subject"]


def wrong_code(totp):
    """A 6-digit code the app refuses now (not the code of the step before,
    now or after)."""
    step = current_step()
    valid = {totp.generate_otp(s) for s in range(step - 2, step + 3)}
    return next(code for code in (f"{n:06d}" for n in range(0, 1000000, 7919))
                if code not in valid)


def test_wrong_codes_in_one_staff_session_through_both_processes_count_together(servers):
    agent, password, totp = staff_member("agent")
    a, b = servers()
    assert MAX_WRONG_CODES == 5

    cookies = http.cookiejar.CookieJar()
    through_a, through_b = on(a.url, cookies), on(b.url, cookies)
    staff_sign_in(through_a, agent, password, None)       # the password only, through A
    for browser in (through_a, through_a, through_b, through_b):
        status, _, body = post_form(browser, "/staff/second-factor", {"code": wrong_code(totp)})
        assert status == 422 and "This code is not right" in page_text(body)

    # The cookie as it is now, kept (as a second tab, or a thief, would).
    kept = on(b.url, copied(cookies))
    kept_token = kept.token("/staff/second-factor")

    # The fifth wrong code through A, which saw only 2 of them: the session ends.
    status, headers, _ = post_form(through_a, "/staff/second-factor", {"code": wrong_code(totp)})
    assert status == 303 and headers["Location"].endswith("/staff/login")

    # B knows at once: with the kept cookie, the right code is not taken,
    # the password is asked for again.
    status, headers, _ = kept.request("/staff/second-factor", {
        "csrf_token": kept_token, "code": fresh_code(agent, totp)})
    database.close()
    assert status == 303 and headers["Location"].endswith("/staff/login")
    status, headers, _ = kept.request("/staff")
    assert status == 303 and headers["Location"].endswith("/staff/login")


def test_pages_kept_by_both_processes_show_a_change_made_elsewhere_at_once(servers):
    """Each process keeps rendered pages (domain.page_cache); a change made
    by anyone else (here: this test, as an agent's answer would be written)
    shows on the next request to either."""
    address = "kim.kept@example.at"
    customer = Customer.create(market="at", locale="de_AT", email=address,
                               email_key=email_key(address), first_name="Kim", last_name="Kept",
                               password_hash=passwords.hash_password(PASSWORD),
                               status="active", activated_at=utcnow())
    thread = messages.open_thread(customer, None, "statement", "Where is my statement?")
    a, b = servers()

    cookies = http.cookiejar.CookieJar()
    through_a, through_b = on(a.url, cookies), on(b.url, cookies)
    status, _, _ = post_form(through_a, "/de-at/login", {"email": address, "password": PASSWORD})
    assert status == 303
    for browser in (through_a, through_b, through_a, through_b):      # both keep the page
        status, _, body = browser.request("/de-at/messages")
        assert status == 200 and "Where is my statement?" in page_text(body)

    Message.create(thread=thread, author="staff", body="Your statement is attached.",
                   created_at=utcnow())
    Thread.update(customer_unread=True).where(Thread.id == thread.id).execute()
    database.close()
    for browser in (through_a, through_b):
        status, _, body = browser.request("/de-at/messages")
        assert status == 200 and "Your statement is attached." in page_text(body)
