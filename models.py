"""Peewee models. No request code here; migrations/ holds the schema history.

Times are naive UTC (domain.clock.utcnow) on every database.
"""
from peewee import (
    AutoField, CharField, DateTimeField, ForeignKeyField,
    IntegerField, Model, TextField,
)

from domain.clock import utcnow
from domain.db import database


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class Customer(BaseModel):
    id = AutoField()
    market = CharField(max_length=8)
    # The address as typed (trimmed) for e-mails, and its lower-case form,
    # unique per market, for every lookup: "A@x.com " and "a@x.com" are one account.
    email = CharField(max_length=254)
    email_key = CharField(max_length=254)
    title = CharField(max_length=8, default="")
    first_name = CharField(max_length=100)
    last_name = CharField(max_length=100)
    password_hash = CharField(max_length=255)
    locale = CharField(max_length=16)
    status = CharField(max_length=16, default="pending")   # pending | active
    failed_logins = IntegerField(default=0)
    locked_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    activated_at = DateTimeField(null=True)
    last_login_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("market", "email_key"), True),)

    # What flask-login asks of a user. get_id() is the key of the login
    # session (domain.sessions), not the customer id, so that ending the
    # session on the server ends it for every copy of the cookie.
    session_key = None
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self):
        return self.status == "active"

    def get_id(self):
        return self.session_key


class Token(BaseModel):
    """A single-use secret sent by e-mail; only its SHA-256 is kept."""
    id = AutoField()
    customer = ForeignKeyField(Customer, backref="tokens", on_delete="CASCADE")
    purpose = CharField(max_length=16)        # activate | reset
    token_hash = CharField(max_length=64, unique=True)
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)


class LoginSession(BaseModel):
    """The server side of a signed-in browser: logout and timeouts end it here,
    so a copy of the cookie taken before is worth nothing."""
    id = AutoField()
    customer = ForeignKeyField(Customer, backref="sessions", on_delete="CASCADE")
    key_hash = CharField(max_length=64, unique=True)
    created_at = DateTimeField(default=utcnow)
    last_seen_at = DateTimeField(default=utcnow)
    ended_at = DateTimeField(null=True)


class RegistrationDraft(BaseModel):
    """Answers of the registration wizard, keyed from the session cookie,
    which only holds a random key. Kept after the last step so that the
    thank-you page can send the e-mail again."""
    id = AutoField()
    key_hash = CharField(max_length=64, unique=True)
    market = CharField(max_length=8)
    data = TextField(default="{}")            # JSON of the answers; never the password itself
    created_at = DateTimeField(default=utcnow)
    completed_at = DateTimeField(null=True)
    last_sent_at = DateTimeField(null=True)


class OutboxMessage(BaseModel):
    """An e-mail waiting to be sent, written in the same transaction as the
    change that causes it; sent and retried by domain.outbox."""
    id = AutoField()
    channel = CharField(max_length=8, default="mail")
    recipient = CharField(max_length=254)
    subject = CharField(max_length=255)
    body_text = TextField()
    body_html = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow)
    claimed_until = DateTimeField(null=True)
    sent_at = DateTimeField(null=True)
    last_error = TextField(default="")

    class Meta:
        indexes = ((("sent_at", "next_attempt_at"), False),)


class RateCounter(BaseModel):
    """Fixed-window counters shared by every server process.
    The key is a hash, so no address is stored here."""
    key = CharField(max_length=64, primary_key=True)
    window_start = DateTimeField()
    count = IntegerField(default=0)


class SecurityEvent(BaseModel):
    id = AutoField()
    kind = CharField(max_length=32)
    customer = ForeignKeyField(Customer, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow, index=True)
    detail = CharField(max_length=255, default="")


ALL_MODELS = [Customer, Token, LoginSession, RegistrationDraft, OutboxMessage,
              RateCounter, SecurityEvent]
