"""The outbox: email queued with the change, sent to files or over SMTP,
kept and retried while the mail server is down, and what a failure leaves in
the database. SMTP is tested against a real SMTP server (aiosmtpd) on
loopback, the SMS provider against a real HTTP server."""
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from domain import outbox
from domain.clock import utcnow
from models import OutboxMessage
from support.customers import register
from support.servers import free_port
from support.smtp import Collect, smtp_config


def test_email_is_queued_with_the_change_and_written_as_eml(client, outbox, db):
    register(client)
    message = OutboxMessage.get()
    assert message.sent_at is not None and message.attempts == 1
    eml = outbox.last()
    assert eml["From"] == "MINI Financial Services <no-reply@keyfob.example>"   # the brand, not Keyfob
    assert eml.get_body(("plain",)) is not None and eml.get_body(("html",)) is not None


def test_smtp_sends_both_parts(app, client, db, smtp_server):
    controller, handler = smtp_server
    smtp_config(app, controller.port)
    register(client)
    assert OutboxMessage.get().sent_at is None       # queued, not sent yet
    with app.app_context():
        assert outbox.send_pending() == (1, 0)
    [received] = handler.received
    assert received["To"] == "ana.silva@example.com"
    assert received["Subject"] == "Activate your MINI Financial Services account"
    types = [part.get_content_type() for part in received.walk()]
    assert "text/plain" in types and "text/html" in types
    assert OutboxMessage.get().sent_at is not None


def test_nothing_is_lost_while_the_mail_server_is_down(app, client, db, runner):
    dead_port = free_port()
    smtp_config(app, dead_port)
    register(client)
    with app.app_context():
        assert outbox.send_pending() == (0, 1)
    message = OutboxMessage.get()
    assert message.sent_at is None and message.attempts == 1
    assert message.next_attempt_at > utcnow() + timedelta(seconds=30)
    assert "ConnectionRefusedError" in message.last_error
    # Not due yet: a second round does not hammer the server.
    with app.app_context():
        assert outbox.send_pending() == (0, 0)
    # The server comes back; once due, the message goes out.
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=dead_port)
    controller.start()
    try:
        OutboxMessage.update(next_attempt_at=utcnow()).execute()
        result = runner.invoke(args=["outbox", "send"])
        assert "sent 1, failed 0" in result.output
    finally:
        controller.stop()
    assert len(handler.received) == 1
    assert OutboxMessage.get().attempts == 2


def test_backoff_grows_and_is_capped():
    assert [outbox.backoff(n).total_seconds() / 60 for n in (1, 2, 3, 10, 30)] == [1, 2, 4, 240, 240]


def test_a_claimed_message_is_not_sent_twice(app, client, db, smtp_server):
    controller, handler = smtp_server
    smtp_config(app, controller.port)
    register(client)
    # Another process has claimed it a moment ago.
    OutboxMessage.update(claimed_until=utcnow() + timedelta(minutes=5)).execute()
    with app.app_context():
        assert outbox.send_pending() == (0, 0)
    assert handler.received == []


class RefuseRecipients(Collect):
    """A server that refuses every recipient, repeating the address, as
    Postfix does."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown in mailbox"


def test_a_refusal_keeps_its_class_and_code_not_the_address(app, client, db):
    handler = RefuseRecipients()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        smtp_config(app, controller.port)
        register(client)
        with app.app_context():
            assert outbox.send_pending() == (0, 1)
    finally:
        controller.stop()
    message = OutboxMessage.get()
    assert message.sent_at is None and message.attempts == 1
    assert message.last_error == "SMTPRecipientsRefused (SMTP 550)"
    assert "ana.silva" not in message.last_error and "@" not in message.last_error


def test_an_sms_provider_refusal_keeps_the_status_not_its_words(custom_app):
    """The reason phrase of the provider's answer may repeat the number."""
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(403, "Forbidden for +33612345642")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        app = custom_app(SMS_BACKEND="http", OUTBOX_SEND_AFTER_REQUEST=False,
                         SMS_HTTP_URL=f"http://127.0.0.1:{server.server_address[1]}/sms")
        with app.test_request_context():
            outbox.enqueue_sms("+33612345642", "code", "fr_FR", code="123456", minutes=10)
            assert outbox.send_pending() == (0, 1)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    message = OutboxMessage.get()
    assert message.last_error == "HTTPError (HTTP 403)"


def test_what_a_failure_leaves_names_no_one():
    import smtplib
    import urllib.error
    assert outbox.failure(smtplib.SMTPSenderRefused(553, b"<no-reply@x> refused", "no-reply@x")) == \
        "SMTPSenderRefused (SMTP 553)"
    assert outbox.failure(smtplib.SMTPDataError(554, b"spam from ana@example.com")) == \
        "SMTPDataError (SMTP 554)"
    assert outbox.failure(ConnectionRefusedError(111, "Connection refused")) == \
        "ConnectionRefusedError (errno 111)"
    assert outbox.failure(urllib.error.URLError(ConnectionRefusedError(111, "refused"))) == \
        "URLError: ConnectionRefusedError (errno 111)"
    assert outbox.failure(outbox.SmsProviderRefused(302)) == "SmsProviderRefused (HTTP 302)"
    assert outbox.failure(ValueError("ana@example.com")) == "ValueError"
