"""Fixtures: an app on a fresh database per test (a temporary SQLite file,
or the PostgreSQL of TEST_DATABASE_URL with a clean schema), a client, a
CLI runner, and the outbox of e-mails as files."""
import email
import email.policy
import glob
import os
import html as html_module
import re
import shutil
import socket
import subprocess
import time

import pytest
from playhouse.db_url import connect

from app import create_app
from domain.db import database, upgrade

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def fresh_database_url(tmp_path):
    if not TEST_DATABASE_URL:
        return f"sqlite:///{tmp_path}/keyfob.sqlite3"
    db = connect(TEST_DATABASE_URL)
    db.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    db.close()
    return TEST_DATABASE_URL


def make_app(tmp_path, migrate=True, **overrides):
    """An app on a fresh database; migrate=False leaves the schema to the
    test (tests of a migration)."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test secret key",
        "DATABASE_URL": fresh_database_url(tmp_path),
        "MAIL_OUTBOX_DIR": str(tmp_path / "mail"),
        "SMS_OUTBOX_DIR": str(tmp_path / "sms"),
        "WTF_CSRF_ENABLED": False,
        # A cheap hash: the policy, not argon2's cost, is under test.
        "PASSWORD_HASH_TIME_COST": 1,
        "PASSWORD_HASH_MEMORY_COST": 8192,
        # The scanning tests (tests/test_virus_scan.py) turn it on, with
        # the clamd of the `clamd` fixture.
        "VIRUS_SCAN": "off",
    }
    config.update(overrides)
    app = create_app(config, instance_path=str(tmp_path / "instance"))
    if migrate:
        upgrade()
    return app


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    yield app
    if not database.is_closed():
        database.close()


@pytest.fixture
def custom_app(tmp_path):
    """custom_app(**config): an app of its own settings for one test (a
    small limit, a short time); the database is closed after."""
    made = []

    def build(**config):
        made.append(make_app(tmp_path, **config))
        return made[-1]

    yield build
    if not database.is_closed():
        database.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    """For tests that use the models directly: peewee connects on the first
    query (requests close the connection when they end)."""
    yield database


class Outbox:
    """The e-mails the app wrote to MAIL_OUTBOX_DIR, oldest first."""

    def __init__(self, directory):
        self.directory = directory

    def messages(self, to=None):
        found = []
        for path in sorted(glob.glob(os.path.join(self.directory, "*.eml"))):
            with open(path, "rb") as f:
                message = email.message_from_bytes(f.read(), policy=email.policy.default)
            if to is None or message["To"].lower() == to.lower():
                found.append(message)
        return found

    def last(self, to=None):
        messages = self.messages(to)
        assert messages, f"no e-mail to {to}"
        return messages[-1]

    @staticmethod
    def text(message):
        return message.get_body(("plain",)).get_content()

    @staticmethod
    def html(message):
        return message.get_body(("html",)).get_content()

    def link(self, message, path_part):
        match = re.search(r"https?://[^/\s]+(/\S*" + re.escape(path_part) + r"\S*)", self.text(message))
        assert match, f"no link with {path_part} in:\n{self.text(message)}"
        return match.group(1)


@pytest.fixture
def outbox(app):
    return Outbox(app.config["MAIL_OUTBOX_DIR"])


class SmsOutbox:
    """The text messages the app wrote to SMS_OUTBOX_DIR, oldest first:
    (number, text) pairs."""

    def __init__(self, directory):
        self.directory = directory

    def messages(self, to=None):
        found = []
        for path in sorted(glob.glob(os.path.join(self.directory, "*.txt"))):
            with open(path, encoding="utf-8") as f:
                number, _, text = f.read().partition("\n")
            if to is None or number == to:
                found.append((number, text.strip()))
        return found

    def last_code(self, to=None):
        messages = self.messages(to)
        assert messages, f"no SMS to {to}"
        return re.search(r"\b(\d{6})\b", messages[-1][1]).group(1)


@pytest.fixture
def sms(app):
    return SmsOutbox(app.config["SMS_OUTBOX_DIR"])


CLAMD = shutil.which("clamd") or shutil.which("clamd", path="/usr/sbin:/usr/local/sbin")
SIGNATURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "clamav")


@pytest.fixture(scope="session")
def clamd(tmp_path_factory):
    """ClamAV's daemon for the session, with the test signatures of
    tests/clamav only (freshclam's database is neither needed nor reached):
    the path of its unix socket. Without Debian's clamav-daemon the
    scanning tests skip, except in CI (CI set), where they fail."""
    if CLAMD is None:
        reason = "clamd is not installed (apt-get install clamav-daemon)"
        if os.environ.get("CI"):
            pytest.fail(reason + "; CI must run the scanning tests")
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("clamd")
    sock = str(folder / "clamd.sock")
    lines = [f"DatabaseDirectory {SIGNATURES}", f"LocalSocket {sock}", "Foreground yes",
             f"TemporaryDirectory {folder}", f"PidFile {folder / 'clamd.pid'}",
             # Above the largest upload (a 20 MB document).
             "StreamMaxLength 32M"]
    if os.geteuid() == 0:
        # Otherwise clamd drops to the clamav user, who cannot use our folder.
        lines.append("User root")
    conf = folder / "clamd.conf"
    conf.write_text("\n".join(lines) + "\n")
    log_path = folder / "clamd.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([CLAMD, "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not _clamd_answers(sock):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"clamd did not start:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.1)
        yield sock
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _clamd_answers(sock):
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(2)
            conn.connect(sock)
            conn.sendall(b"zPING\0")
            return conn.recv(16).startswith(b"PONG")
    except OSError:
        return False


@pytest.fixture
def clock():
    """Move the app's clock: clock.set_now(moment); let it run again after."""
    from domain import clock as app_clock
    yield app_clock
    app_clock.set_now(None)


PASSWORD = "tulip river lantern 7"


def register(client, lang="en-ca", email="ana.silva@example.com", password=PASSWORD,
             first_name="Ana", last_name="Silva", title="ms"):
    """Go through the registration wizard; returns the last response."""
    client.post(f"/{lang}/register", data={"title": title, "first_name": first_name,
                                           "last_name": last_name})
    client.post(f"/{lang}/register/email", data={"email": email})
    client.post(f"/{lang}/register/password", data={"password": password})
    return client.post(f"/{lang}/register/check", data={"accept_terms": "y"})


def activate(client, outbox, email="ana.silva@example.com"):
    return client.get(outbox.link(outbox.last(email), "/activate/"))


def registered(client, outbox, lang="en-ca", email="ana.silva@example.com", **kwargs):
    """A new, active account."""
    register(client, lang=lang, email=email, **kwargs)
    response = activate(client, outbox, email)
    assert response.status_code == 200
    return email


def open_link(client, link):
    """Open an e-mail's link with a token: it answers 303 to the page
    without the token in its address (kept in the session); that page's URL."""
    response = client.get(link)
    assert response.status_code == 303, response.status_code
    assert response.headers["Referrer-Policy"] == "no-referrer"
    return response.location


def login(client, lang="en-ca", email="ana.silva@example.com", password=PASSWORD):
    return client.post(f"/{lang}/login", data={"email": email, "password": password})


def errors(response):
    """The field errors shown on a page, as text."""
    html = response.get_data(as_text=True)
    # Without the hidden "Error:" prefix (in the page's language) and markup.
    return [html_module.unescape(re.sub(r'<span class="vh">.*?</span>|<[^>]+>', "", e)).strip()
            for e in re.findall(r'<p class="error"[^>]*>(.*?)</p>', html)]


def page_without_csrf(response_or_html):
    """A page's HTML without its CSRF token values: a token is signed with
    the second it was made, so two answers compared as pages must leave
    them out (a busy machine puts two requests in different seconds)."""
    html = response_or_html if isinstance(response_or_html, str) else response_or_html.get_data(as_text=True)
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', html)


def heading(response):
    match = re.search(r"<h1[^>]*>(.*?)</h1>", response.get_data(as_text=True), re.S)
    return match.group(1).strip() if match else None
