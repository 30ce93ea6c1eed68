"""Outgoing email and SMS. A message is written to the outbox table in the same
transaction as the change that causes it, then sent by send_pending(): by
`flask outbox send` in production, right after the request in development.
A message that fails waits and is tried again later (backoff), so nothing is
lost while the mail server is down.

One sender per channel. Email: FileSender writes .eml files to
instance/outbox/mail/ (for a person or a test to read), SmtpSender speaks
SMTP. SMS: SmsFileSender writes a text file to instance/outbox/sms/ (the
number on the first line, then the message), HttpSmsSender posts to a
provider. A message marked sensitive (it carries a one-time code) has its
text erased once sent.

A failure is kept as its class and the server's code only (failure()): an
SMTP server's text often repeats the address it refused, an HTTP reason
phrase may hold the number, and neither belongs in the database.
"""
import json
import urllib.error
import urllib.request
import logging
from contextlib import contextmanager
import os
import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr

from flask import current_app, g, render_template
from flask_babel import force_locale

from domain import sms
from domain.clock import utcnow
from models import OutboxMessage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
CLAIM_SECONDS = 300


@contextmanager
def rendering_for(locale, site=None):
    """Templates render in `locale` and, given a site, for its market (time
    zone, brand), whatever page the request is on (an agent's reply is sent
    from the back office), and with no request at all (the outbox worker)."""
    previous = g.get("site")
    if site is not None:
        g.site = site
    try:
        with force_locale(locale):
            yield
    finally:
        g.site = previous


def enqueue_mail(recipient, template, locale, subject, sensitive=False, **context):
    """Render email `template` (templates/email/<name>.txt and .html) in
    `locale` (for context["site"], when given) and queue it. `subject` is a
    lazy_gettext string, translated here. Call inside the transaction of
    the change."""
    site = context.get("site")
    with rendering_for(locale, site):
        message = OutboxMessage.create(
            recipient=recipient,
            sender_name=site.market.brand if site is not None else "",
            subject=str(subject),
            body_text=render_template(f"email/{template}.txt", **context),
            body_html=render_template(f"email/{template}.html", **context),
            sensitive=sensitive,
        )
    return message


def enqueue_sms(phone, template, locale, sensitive=True, **context):
    """Render templates/sms/<name>.txt in `locale` and queue it for `phone`
    (E.164). Call inside the transaction of the change."""
    with force_locale(locale):
        text = sms.for_gsm(render_template(f"sms/{template}.txt", **context).strip())
    return OutboxMessage.create(channel="sms", recipient=phone, subject="",
                                body_text=text, sensitive=sensitive)


def backoff(attempts):
    """Minutes to wait after the n-th failure: 1, 2, 4 ... at most 4 hours."""
    return timedelta(minutes=min(2 ** (attempts - 1), 240))


def send_pending(senders=None, limit=100):
    """Send what is due; returns (sent, failed). Safe to run in several
    processes at once: each message is claimed by one UPDATE first.
    `senders` maps a channel ("mail", "sms") to its sender."""
    senders = senders or make_senders(current_app.config)
    now = utcnow()
    due = (OutboxMessage.select(OutboxMessage.id)
           .where(OutboxMessage.sent_at.is_null(),
                  OutboxMessage.next_attempt_at <= now,
                  OutboxMessage.attempts < MAX_ATTEMPTS)
           .order_by(OutboxMessage.id).limit(limit))
    sent = failed = 0
    for (message_id,) in due.tuples():
        claimed = (OutboxMessage
                   .update(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
                   .where(OutboxMessage.id == message_id,
                          OutboxMessage.sent_at.is_null(),
                          (OutboxMessage.claimed_until.is_null()) | (OutboxMessage.claimed_until < now))
                   .execute())
        if not claimed:
            continue
        message = OutboxMessage.get_by_id(message_id)
        try:
            senders[message.channel].send(message)
        except Exception as error:  # any failure of the transport: try again later
            attempts = message.attempts + 1
            (OutboxMessage
             .update(attempts=attempts, claimed_until=None,
                     next_attempt_at=utcnow() + backoff(attempts),
                     last_error=failure(error))
             .where(OutboxMessage.id == message_id).execute())
            log.warning("outbox message %s failed (attempt %s): %s",
                        message_id, attempts, type(error).__name__)
            failed += 1
        else:
            done = dict(sent_at=utcnow(), claimed_until=None, attempts=message.attempts + 1)
            if message.sensitive:
                done.update(body_text="", body_html="")
            OutboxMessage.update(**done).where(OutboxMessage.id == message_id).execute()
            sent += 1
    return sent, failed


class SmsProviderRefused(OSError):
    """The SMS provider answered, but not with 2xx."""

    def __init__(self, status):
        super().__init__(f"SMS provider answered {status}")
        self.status = status


def failure(error):
    """What the outbox keeps of a failure: the exception's class and the
    code the server answered (SMTP reply code, HTTP status), or the
    system's error number; never the server's text, which can hold the
    recipient's address, nor anything of the message.
    "SMTPRecipientsRefused (SMTP 550)", "HTTPError (HTTP 503)"."""
    name = type(error).__name__
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _text in error.recipients.values()})
        return f"{name} (SMTP {', '.join(map(str, codes))})" if codes else name
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{name} (SMTP {error.smtp_code})"
    if isinstance(error, urllib.error.HTTPError):
        return f"{name} (HTTP {error.code})"
    if isinstance(error, SmsProviderRefused):
        return f"{name} (HTTP {error.status})"
    if isinstance(error, urllib.error.URLError) and isinstance(error.reason, BaseException):
        return f"{name}: {failure(error.reason)}"
    if isinstance(error, OSError) and isinstance(error.errno, int):
        return f"{name} (errno {error.errno})"
    return name


def build_email(message, sender_address):
    """The email of an outbox row; From is MAIL_FROM's address under the
    name of the brand the recipient knows, where the row names one."""
    email = EmailMessage()
    if message.sender_name:
        sender_address = formataddr((message.sender_name, parseaddr(sender_address)[1]))
    email["From"] = sender_address
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain=sender_address.rsplit("@", 1)[-1].strip(">"))
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


class FileSender:
    def __init__(self, directory, sender_address):
        self.directory = directory
        self.sender_address = sender_address

    def send(self, message):
        os.makedirs(self.directory, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S}-{message.id:08d}.eml"
        path = os.path.join(self.directory, name)
        with open(path + ".part", "wb") as f:
            f.write(bytes(build_email(message, self.sender_address)))
        os.replace(path + ".part", path)   # readers never see half a file


class SmtpSender:
    def __init__(self, host, port, sender_address, security="starttls",
                 username=None, password=None, timeout=10):
        self.host, self.port = host, port
        self.sender_address = sender_address
        self.security = security          # "starttls", "ssl" or "none" (loopback only)
        self.username, self.password = username, password
        self.timeout = timeout

    def send(self, message):
        email = build_email(message, self.sender_address)
        context = ssl.create_default_context()
        if self.security == "ssl":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.security == "starttls":
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(email)


class SmsFileSender:
    """Development: instance/outbox/sms/<time>-<id>.txt, the number on the
    first line, then the message."""

    def __init__(self, directory):
        self.directory = directory

    def send(self, message):
        os.makedirs(self.directory, exist_ok=True)
        path = os.path.join(self.directory, f"{utcnow():%Y%m%dT%H%M%S}-{message.id:08d}.txt")
        with open(path + ".part", "w", encoding="utf-8") as f:
            f.write(f"{message.recipient}\n{message.body_text}\n")
        os.replace(path + ".part", path)


class HttpSmsSender:
    """Production: POST {"to": "+33612345678", "text": "..."} as JSON to the
    provider's URL, with its token as a Bearer credential. Any answer but
    2xx raises, and the outbox tries again later."""

    def __init__(self, url, token=None, sender_id=None, timeout=10):
        self.url, self.token, self.sender_id, self.timeout = url, token, sender_id, timeout

    def send(self, message):
        payload = {"to": message.recipient, "text": message.body_text}
        if self.sender_id:
            payload["from"] = self.sender_id
        request = urllib.request.Request(self.url, data=json.dumps(payload).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            if not 200 <= response.status < 300:
                raise SmsProviderRefused(response.status)


def make_senders(config):
    if config["MAIL_BACKEND"] == "smtp":
        mail = SmtpSender(config["SMTP_HOST"], config["SMTP_PORT"], config["MAIL_FROM"],
                          security=config["SMTP_SECURITY"], username=config["SMTP_USERNAME"],
                          password=config["SMTP_PASSWORD"])
    else:
        mail = FileSender(config["MAIL_OUTBOX_DIR"], config["MAIL_FROM"])
    if config["SMS_BACKEND"] == "http":
        sms = HttpSmsSender(config["SMS_HTTP_URL"], config["SMS_HTTP_TOKEN"], config["SMS_SENDER_ID"])
    else:
        sms = SmsFileSender(config["SMS_OUTBOX_DIR"])
    return {"mail": mail, "sms": sms}
