"""A real SMTP server on loopback for the outbox's tests (aiosmtpd; the
`smtp_server` fixture starts one): what it received, and the app's
settings to send to it."""
from aiosmtpd.handlers import Message


class Collect(Message):
    """Keeps every message the server receives, in `received`."""

    def __init__(self):
        super().__init__()
        self.received = []

    def handle_message(self, message):
        self.received.append(message)


def smtp_config(app, port):
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port,
                      SMTP_SECURITY="none", OUTBOX_SEND_AFTER_REQUEST=False)
