"""Fixtures, and only fixtures: an app on a database of the test's own (a
copy of a migrated SQLite file, or the PostgreSQL of TEST_DATABASE_URL
emptied: tests/support/apps.py), a client, a CLI runner, the outboxes of
emails and text messages, a real SMTP server on loopback, the clock, and a
clamd for the scanning tests.
What tests call themselves is in tests/support/."""
import itertools
import os
import shutil
import socket
import subprocess
import time

import pytest
from aiosmtpd.controller import Controller
from itsdangerous.timed import TimestampSigner

from domain.db import database
from support.apps import make_app, reuse
from support.outboxes import Outbox, SmsOutbox
from support.servers import free_port, stop_process
from support.smtp import Collect


@pytest.fixture(scope="session")
def made_app(tmp_path_factory):
    """The app of `app`, made once per process (per xdist worker)."""
    return make_app(tmp_path_factory.mktemp("app"))


@pytest.fixture
def app(made_app, tmp_path):
    """The app on a database and folders of the test's own (support.apps)."""
    app = reuse(made_app, tmp_path)
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


@pytest.fixture
def outbox(app):
    return Outbox(app.config["MAIL_OUTBOX_DIR"])


@pytest.fixture
def sms(app):
    return SmsOutbox(app.config["SMS_OUTBOX_DIR"])


CLAMD = shutil.which("clamd") or shutil.which("clamd", path="/usr/sbin:/usr/local/sbin")
SIGNATURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "clamav")


@pytest.fixture
def smtp_server():
    """(controller, handler) of an SMTP server on loopback; what it received
    is in handler.received (support.smtp)."""
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


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
        stop_process(process, timeout=10)


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
def tokens_a_second_apart(monkeypatch):
    """Every signed token (the CSRF token, the session cookie) a second
    later than the one before, as on a busy machine where two requests fall
    in different seconds: a test comparing two pages whole must leave the
    tokens out (support.reading.page_without_csrf)."""
    seconds = itertools.count(int(time.time()))
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: next(seconds))


@pytest.fixture
def clock():
    """Move the app's clock: clock.set_now(moment); let it run again after."""
    from domain import clock as app_clock
    yield app_clock
    app_clock.set_now(None)
