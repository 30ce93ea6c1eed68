"""Peewee models. No request code here; migrations/ holds the schema history.

Times are naive UTC (domain.clock.utcnow) on every database.
"""
from decimal import Decimal

from peewee import (
    AutoField, BigIntegerField, BooleanField, CharField, DateField, DateTimeField,
    ForeignKeyField, IntegerField, Model, TextField,
)

from domain.clock import utcnow
from domain.db import database


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class FixedDecimalField(BigIntegerField):
    """An exact decimal kept as a whole number of its smallest unit (cents
    for places=2), because SQLite stores DECIMAL as a float. Sums in SQL stay
    exact; Python always sees a Decimal with `places` digits."""

    def __init__(self, places=2, **kwargs):
        self.places = places
        super().__init__(**kwargs)

    def db_value(self, value):
        if value is None:
            return None
        scaled = Decimal(value).scaleb(self.places)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {self.places} decimal places")
        return int(scaled)

    def python_value(self, value):
        return None if value is None else Decimal(int(value)).scaleb(-self.places)


class Customer(BaseModel):
    id = AutoField()
    market = CharField(max_length=8)
    # The address as typed (trimmed) for emails, and its lower-case form,
    # unique per market, for every lookup: "A@x.com " and "a@x.com" are one account.
    email = CharField(max_length=254)
    email_key = CharField(max_length=254)
    title = CharField(max_length=8, default="")
    first_name = CharField(max_length=100)
    last_name = CharField(max_length=100)
    password_hash = CharField(max_length=255)
    locale = CharField(max_length=16)
    status = CharField(max_length=16, default="pending")   # pending | active | closed
    failed_logins = IntegerField(default=0)
    locked_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    activated_at = DateTimeField(null=True)
    last_login_at = DateTimeField(null=True)
    # Contact details the customer keeps up to date (the profile). The phone
    # is set only once a code sent to it was typed back.
    phone = CharField(max_length=20, default="")        # E.164
    street = CharField(max_length=200, default="")
    postal_code = CharField(max_length=16, default="")
    city = CharField(max_length=100, default="")
    region = CharField(max_length=8, default="")      # a state or province code, where the market lists them
    # When the customer closed their online account (domain.account_closing):
    # the row is kept, emptied of personal data, only while the market's
    # retention period keeps the messages that point to it.
    closed_at = DateTimeField(null=True)

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
    """A single-use secret sent by email; only its SHA-256 is kept."""
    id = AutoField()
    customer = ForeignKeyField(Customer, backref="tokens", on_delete="CASCADE")
    purpose = CharField(max_length=16)        # activate | reset | email
    token_hash = CharField(max_length=64, unique=True)
    payload = CharField(max_length=254, default="")   # "email": the new address
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)


class ResetRequest(BaseModel):
    """A password reset asked for an address, answered by the outbox worker
    (domain.accounts.answer_reset_requests): the page does the same work
    whether or not the address has an account, so its timing tells nothing.
    Deleted once answered: an address typed by a stranger is not kept."""
    id = AutoField()
    market = CharField(max_length=8)
    email_key = CharField(max_length=254)
    created_at = DateTimeField(default=utcnow)


class LoginSession(BaseModel):
    """The server side of a signed-in browser: logout and timeouts end it here,
    so a copy of the cookie taken before is worth nothing."""
    id = AutoField()
    customer = ForeignKeyField(Customer, backref="sessions", on_delete="CASCADE")
    key_hash = CharField(max_length=64, unique=True)
    created_at = DateTimeField(default=utcnow)
    last_seen_at = DateTimeField(default=utcnow)
    ended_at = DateTimeField(null=True)
    # When the password was last typed in this session (sign-in, or again
    # before a change to the profile).
    authenticated_at = DateTimeField(default=utcnow)
    # This browser proved, by a code or a remembered-device cookie, that it
    # may show agreement data (markets with device authorization).
    device_ok = BooleanField(default=False)


class RegistrationDraft(BaseModel):
    """Answers of the registration wizard, keyed from the session cookie,
    which only holds a random key. Kept after the last step so that the
    thank-you page can send the email again."""
    id = AutoField()
    key_hash = CharField(max_length=64, unique=True)
    market = CharField(max_length=8)
    data = TextField(default="{}")            # JSON of the answers; never the password itself
    created_at = DateTimeField(default=utcnow)
    completed_at = DateTimeField(null=True)
    last_sent_at = DateTimeField(null=True)


class OutboxMessage(BaseModel):
    """An email waiting to be sent, written in the same transaction as the
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
    # Carries a one-time code: its text is erased once sent.
    sensitive = BooleanField(default=False)
    # The From's display name: the brand as the recipient's variant names it
    # ("" for MAIL_FROM's own name).
    sender_name = CharField(max_length=100, default="")

    class Meta:
        indexes = ((("sent_at", "next_attempt_at"), False),)


class RateCounter(BaseModel):
    """Fixed-window counters shared by every server process.
    The key is a hash, so no address is stored here."""
    key = CharField(max_length=64, primary_key=True)
    window_start = DateTimeField()
    count = IntegerField(default=0)


class Agreement(BaseModel):
    """A lease or loan as the lender's system knows it (loaded by `flask
    agreements import`), and the account it is linked to, if any."""
    id = AutoField()
    market = CharField(max_length=8)
    contract_number = CharField(max_length=32)
    kind = CharField(max_length=8)                 # lease | loan
    business = BooleanField(default=False)
    vehicle_model = CharField(max_length=100)
    vin = CharField(max_length=17)
    # The holder as the lender knows them: what linking is checked against.
    holder_title = CharField(max_length=8, default="")
    holder_first_name = CharField(max_length=100)
    holder_last_name = CharField(max_length=100)
    holder_birth_date = DateField()
    customer_number = CharField(max_length=32)     # the customer ID on the owner's card
    phone = CharField(max_length=20, default="")   # E.164
    email = CharField(max_length=254, default="")
    start_date = DateField()
    term_months = IntegerField()
    rate = FixedDecimalField(places=4)             # yearly, in percent
    monthly_payment = FixedDecimalField()
    residual_value = FixedDecimalField(null=True)  # leases only
    balance = FixedDecimalField()
    customer = ForeignKeyField(Customer, null=True, backref="agreements", on_delete="SET NULL")
    linked_at = DateTimeField(null=True)
    # Set when the codes of a linking attempt ran out: only support can lift it.
    link_blocked_at = DateTimeField(null=True)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("market", "contract_number"), True),
                   (("market", "vin"), False),
                   (("market", "customer_number"), False))


class Payment(BaseModel):
    id = AutoField()
    agreement = ForeignKeyField(Agreement, backref="payments", on_delete="CASCADE")
    reference = CharField(max_length=40)           # the lender's, so a second import changes nothing
    paid_on = DateField()
    amount = FixedDecimalField()

    class Meta:
        indexes = ((("agreement", "reference"), True),
                   (("agreement", "paid_on"), False))


class OneTimeCode(BaseModel):
    """A 6-digit code sent by SMS or email (domain.codes). Only an HMAC of
    the code is kept; sending it again replaces the code but keeps the count
    of tries, so a new code never buys more guesses."""
    id = AutoField()
    purpose = CharField(max_length=16)             # link | device
    customer = ForeignKeyField(Customer, on_delete="CASCADE")
    agreement = ForeignKeyField(Agreement, null=True, on_delete="CASCADE")
    channel = CharField(max_length=8)              # sms | mail
    destination = CharField(max_length=254)
    code_hash = CharField(max_length=64)
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    last_sent_at = DateTimeField(default=utcnow)
    sends = IntegerField(default=1)
    attempts = IntegerField(default=0)
    used_at = DateTimeField(null=True)


class RememberedDevice(BaseModel):
    """A browser whose owner chose "remember this device": its cookie holds a
    random key, this row its hash. It spares the code, never the password."""
    id = AutoField()
    customer = ForeignKeyField(Customer, backref="devices", on_delete="CASCADE")
    key_hash = CharField(max_length=64, unique=True)
    label = CharField(max_length=120, default="")
    created_at = DateTimeField(default=utcnow)
    last_used_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    revoked_at = DateTimeField(null=True)


class Document(BaseModel):
    """A statement or letter of an agreement (`flask documents import`). The
    file is kept outside static/ under a random name."""
    id = AutoField()
    agreement = ForeignKeyField(Agreement, backref="documents", on_delete="CASCADE")
    kind = CharField(max_length=16)                # statement | letter
    title = CharField(max_length=200)
    issued_on = DateField()
    stored_name = CharField(max_length=64, unique=True)
    original_name = CharField(max_length=255)      # the lender's, for idempotent imports
    size = IntegerField()
    created_at = DateTimeField(default=utcnow)
    opened_at = DateTimeField(null=True)           # new until the customer opens it

    class Meta:
        indexes = ((("agreement", "issued_on"), False),
                   (("agreement", "original_name"), True))


class PayoffQuote(BaseModel):
    """A payoff quote as given to the customer: numbered, kept, valid until
    its date. Lines are JSON [[what, "amount"], ...], amounts as strings."""
    id = AutoField()
    number = CharField(max_length=24, unique=True)
    agreement = ForeignKeyField(Agreement, on_delete="CASCADE")
    customer = ForeignKeyField(Customer, on_delete="CASCADE")
    payoff_date = DateField()
    currency = CharField(max_length=3)
    lines = TextField()
    total = FixedDecimalField()
    remaining_payments = IntegerField(default=0)
    interest_days = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)


class Staff(BaseModel):
    """A customer-care agent, marketer or admin: accounts apart from
    customers', signed in with a password and a TOTP code."""
    id = AutoField()
    email = CharField(max_length=254, unique=True)    # lower case
    name = CharField(max_length=100)
    role = CharField(max_length=16)                    # agent | marketer | admin
    password_hash = CharField(max_length=255)
    # Fernet token of the TOTP secret (domain.totp_keys), never the secret.
    totp_secret_sealed = CharField(max_length=255, default="")
    totp_confirmed_at = DateTimeField(null=True)       # set once the app showed a right code
    last_totp_step = BigIntegerField(default=0)        # a code works once
    active = BooleanField(default=True)
    failed_logins = IntegerField(default=0)
    locked_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    last_login_at = DateTimeField(null=True)


class RecoveryCode(BaseModel):
    """One of the codes a staff member keeps for a lost phone; only a hash."""
    id = AutoField()
    staff = ForeignKeyField(Staff, backref="recovery_codes", on_delete="CASCADE")
    code_hash = CharField(max_length=64)
    used_at = DateTimeField(null=True)


class StaffSession(BaseModel):
    """The server side of a signed-in staff browser. Second factor passed
    when second_factor_at is set; deactivating a member ends them all."""
    id = AutoField()
    staff = ForeignKeyField(Staff, backref="sessions", on_delete="CASCADE")
    key_hash = CharField(max_length=64, unique=True)
    created_at = DateTimeField(default=utcnow)
    last_seen_at = DateTimeField(default=utcnow)
    second_factor_at = DateTimeField(null=True)
    ended_at = DateTimeField(null=True)


class Thread(BaseModel):
    """A conversation with customer care: a message the customer wrote, or a
    service request (kind "service", its topic the request type)."""
    id = AutoField()
    customer = ForeignKeyField(Customer, backref="threads", on_delete="CASCADE")
    market = CharField(max_length=8)
    agreement = ForeignKeyField(Agreement, null=True, on_delete="SET NULL")
    kind = CharField(max_length=16, default="message")   # message | service
    topic = CharField(max_length=32)
    status = CharField(max_length=16, default="open")    # open | closed
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)       # the last message
    customer_unread = BooleanField(default=False)
    assignee = ForeignKeyField(Staff, null=True, on_delete="SET NULL")
    # Since when the customer waits for an answer (None once answered): the
    # agents' queue shows the longest waiting first.
    waiting_since = DateTimeField(null=True)

    class Meta:
        # The queue reads two streams by keyset (domain.queue): waiting
        # threads by waiting_since, the others by updated_at, each with or
        # without a market.
        indexes = ((("customer", "updated_at"), False),
                   (("market", "status", "updated_at"), False),
                   (("status", "waiting_since"), False),
                   (("status", "updated_at"), False),
                   (("market", "status", "waiting_since"), False))


class Message(BaseModel):
    id = AutoField()
    thread = ForeignKeyField(Thread, backref="messages", on_delete="CASCADE")
    author = CharField(max_length=8)               # customer | staff
    staff = ForeignKeyField(Staff, null=True, on_delete="SET NULL")
    body = TextField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("thread", "created_at"), False),)


class Attachment(BaseModel):
    """A file sent with a message: PDF, JPEG or PNG by its content, kept
    outside static/ under a random name."""
    id = AutoField()
    message = ForeignKeyField(Message, backref="attachments", on_delete="CASCADE")
    stored_name = CharField(max_length=64, unique=True)
    original_name = CharField(max_length=255)      # made safe for a file name
    content_type = CharField(max_length=32)
    size = IntegerField()
    created_at = DateTimeField(default=utcnow)


class SecurityEvent(BaseModel):
    id = AutoField()
    kind = CharField(max_length=32)
    # Their lookups use the indexes below, which start with them.
    customer = ForeignKeyField(Customer, null=True, on_delete="SET NULL", index=False)
    staff = ForeignKeyField(Staff, null=True, on_delete="SET NULL", index=False)
    created_at = DateTimeField(default=utcnow, index=True)
    detail = CharField(max_length=255, default="")

    class Meta:
        # The admins' log pages by (created_at, id), filtered by one of
        # these (domain.admin.log_page; migrations/0011).
        indexes = ((("kind", "created_at", "id"), False),
                   (("customer", "created_at", "id"), False),
                   (("staff", "created_at", "id"), False))


class DataExport(BaseModel):
    """A customer's "Download my data" too big to build during the request
    (domain.data_export): queued, built by the outbox worker into a file
    under EXPORTS_DIR, then downloaded once through a link sent by email
    (only the SHA-256 of its token is kept), by the same customer signed in."""
    id = AutoField()
    customer = ForeignKeyField(Customer, backref="data_exports", on_delete="CASCADE")
    locale = CharField(max_length=16)              # the summary's language: the site it was asked on
    stored_name = CharField(max_length=64, unique=True)
    requested_at = DateTimeField(default=utcnow)
    claimed_until = DateTimeField(null=True)       # a worker is building it
    token_hash = CharField(max_length=64, null=True, unique=True)
    ready_at = DateTimeField(null=True)
    expires_at = DateTimeField(null=True)
    downloaded_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("ready_at", "requested_at"), False),)


class HelpCategory(BaseModel):
    id = AutoField()
    market = CharField(max_length=8)
    key = CharField(max_length=64)
    position = IntegerField(default=0)

    class Meta:
        indexes = ((("market", "key"), True),)


class HelpArticle(BaseModel):
    """A help-center article of one market; its text lives in one
    HelpArticleVersion per language (domain.help picks the one to show)."""
    id = AutoField()
    market = CharField(max_length=8)
    category = ForeignKeyField(HelpCategory, backref="articles", on_delete="CASCADE")
    key = CharField(max_length=100)                # the slug in URLs
    position = IntegerField(default=0)
    views = IntegerField(default=0)
    helpful_yes = IntegerField(default=0)
    helpful_no = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("market", "key"), True),)


class HelpArticleVersion(BaseModel):
    """An article in one locale ("fr_CA", "fr", "de"...). Save it through
    domain.help.save_version, which keeps the search index in step."""
    id = AutoField()
    article = ForeignKeyField(HelpArticle, backref="versions", on_delete="CASCADE")
    locale = CharField(max_length=16)
    title = CharField(max_length=200)
    body = TextField()                             # a safe Markdown subset
    published = BooleanField(default=False)
    updated_at = DateTimeField(default=utcnow)
    # A marketer's edit not published yet (None when there is none): the
    # customers keep reading title and body until it is published.
    draft_title = CharField(max_length=200, null=True)
    draft_body = TextField(null=True)
    updated_by = ForeignKeyField(Staff, null=True, on_delete="SET NULL")

    class Meta:
        indexes = ((("article", "locale"), True),)


class HelpQuestion(BaseModel):
    """A question typed in the help center's question box, for marketers:
    what customers ask, how many articles answered it and whether the
    answer helped. The text is kept without email addresses and numbers
    (domain.help.without_personal_data); nothing says who asked."""
    id = AutoField()
    market = CharField(max_length=8)
    locale = CharField(max_length=16)
    text = CharField(max_length=200)
    found = IntegerField()                         # articles in the answer
    helpful = BooleanField(null=True)              # None until the reader says
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("market", "found", "created_at"), False),)


class TextEntry(BaseModel):
    """A marketer's wording of one interface or email text in one variant
    ("fr_CA", "fr", "en"...): a layer over the compiled catalogues
    (domain.texts). `published` is what everyone reads (None: the variant
    inherits again), `draft` what its author previews; both are JSON lists
    of the forms (one, or one per plural form)."""
    id = AutoField()
    locale = CharField(max_length=16)
    key = CharField(max_length=64)                 # domain.texts.message_key()
    msgid = TextField()
    msgid_plural = TextField(null=True)
    published = TextField(null=True)
    published_by = ForeignKeyField(Staff, null=True, on_delete="SET NULL")
    published_at = DateTimeField(null=True)
    draft = TextField(null=True)
    draft_by = ForeignKeyField(Staff, null=True, on_delete="SET NULL")
    draft_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("locale", "key"), True),)


class TextChange(BaseModel):
    """One published change of a text, kept for the history and to revert
    it: the forms before and after (JSON; None: inherited)."""
    id = AutoField()
    locale = CharField(max_length=16)
    key = CharField(max_length=64)
    msgid = TextField()
    msgid_plural = TextField(null=True)
    before = TextField(null=True)
    after = TextField(null=True)
    staff = ForeignKeyField(Staff, null=True, on_delete="SET NULL")
    note = CharField(max_length=32, default="")    # published | reverted | imported
    created_at = DateTimeField(default=utcnow, index=True)


class TextRevision(BaseModel):
    """One row: its number goes up with every published change, so that
    each server process sees by one cheap query that its texts are stale."""
    id = AutoField()
    number = BigIntegerField(default=0)


class PageVersion(BaseModel):
    """A number per customer ("c42") and for the help center ("help"),
    raised by triggers (migrations/0009) whenever a row their pages show
    changes: the rendered pages kept by domain.page_cache are valid while
    it stays the same."""
    scope = CharField(max_length=40, primary_key=True)
    number = IntegerField()


ALL_MODELS = [Customer, Token, ResetRequest, LoginSession, RegistrationDraft, OutboxMessage,
              RateCounter, SecurityEvent, Agreement, Payment, OneTimeCode, RememberedDevice,
              Document, PayoffQuote, Thread, Message, Staff, RecoveryCode, StaffSession,
              Attachment, HelpCategory, HelpArticle, HelpArticleVersion,
              HelpQuestion, TextEntry, TextChange, TextRevision, PageVersion, DataExport]
