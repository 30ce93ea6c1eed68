"""The app as it runs in production: several gunicorn worker processes that
share nothing but the database (SQLite here, PostgreSQL when
TEST_DATABASE_URL is set). Customers write 200 messages at the same time,
over HTTP, through every worker: every one of them is stored."""
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from domain import passwords
from domain.accounts import email_key
from domain.clock import utcnow
from domain.db import database
from models import Customer, Message, Thread
from support.apps import make_app
from support.customers import PASSWORD
from support.servers import Browser, ROOT, free_port

WORKERS = 3
CUSTOMERS = 5
WRITERS_PER_CUSTOMER = 2
MESSAGES_PER_WRITER = 20      # 5 × 2 × 20 = 200


@pytest.fixture
def gunicorn(tmp_path):
    """A gunicorn with WORKERS processes on a fresh database; its URL."""
    app = make_app(tmp_path)
    url = app.config["DATABASE_URL"]
    database.close()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KEYFOB_", "FLASK_"))}
    env.update({
        "DATABASE_URL": url,
        "KEYFOB_SECRET_KEY": "processes test secret",
        "KEYFOB_PASSWORD_HASH_TIME_COST": "1",
        "KEYFOB_PASSWORD_HASH_MEMORY_COST": "8192",
        "KEYFOB_MAIL_OUTBOX_DIR": str(tmp_path / "mail"),
        "KEYFOB_SMS_OUTBOX_DIR": str(tmp_path / "sms"),
        "KEYFOB_ATTACHMENTS_DIR": str(tmp_path / "attachments"),
        "KEYFOB_RATE_LIMIT_LOGIN_PER_CLIENT": "[10000, 900]",
        # Each customer writes 40 messages here, more than an hour allows.
        "KEYFOB_MESSAGES_PER_CUSTOMER": "[10000, 3600]",
    })
    log = open(tmp_path / "gunicorn.log", "wb")
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-w", str(WORKERS), "-b",
         f"127.0.0.1:{port}", "app:create_app()"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60      # slow on a busy machine
        while True:
            assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
            try:
                with urllib.request.urlopen(base_url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not answer /healthz"
            time.sleep(0.2)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def test_200_messages_written_at_once_through_several_processes_are_all_stored(gunicorn):
    password_hash = passwords.hash_password(PASSWORD)
    for n in range(CUSTOMERS):
        address = f"writer{n}@example.at"
        Customer.create(market="at", locale="de_AT", email=address, email_key=email_key(address),
                        first_name="Ana", last_name=f"Writer {n}", password_hash=password_hash,
                        status="active", activated_at=utcnow())
    database.close()

    writers = []
    for n in range(CUSTOMERS):
        browser = Browser(gunicorn)
        status, headers, _ = browser.request("/de-at/login", {
            "csrf_token": browser.token("/de-at/login"), "email": f"writer{n}@example.at",
            "password": PASSWORD})
        assert status == 303 and headers["Location"].endswith("/de-at/account")
        token = browser.token("/de-at/messages/new")
        writers += [(browser, token, f"customer {n} writer {w}") for w in range(WRITERS_PER_CUSTOMER)]

    barrier = threading.Barrier(len(writers))
    failures = []

    def write(browser, token, name):
        try:
            barrier.wait(timeout=30)
            thread_path = None
            for i in range(MESSAGES_PER_WRITER):
                body = f"{name} message {i}"
                if thread_path is None:
                    status, headers, _ = browser.request("/de-at/messages/new", {
                        "csrf_token": token, "topic": "payments", "body": body})
                    assert status == 303, status
                    thread_path = urllib.parse.urlparse(headers["Location"]).path[:-len("/sent")]
                else:
                    status, _, _ = browser.request(thread_path + "/reply", {
                        "csrf_token": token, "body": body})
                    assert status == 303, status
        except Exception as error:     # shown by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=write, args=writer) for writer in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert failures == []
    bodies = sorted(body for (body,) in Message.select(Message.body).tuples())
    expected = sorted(f"{name} message {i}" for _b, _t, name in writers
                      for i in range(MESSAGES_PER_WRITER))
    assert len(bodies) == 200
    assert bodies == expected
    assert Thread.select().count() == len(writers)
