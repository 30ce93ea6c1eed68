"""Server-side login sessions. The cookie holds a random key; the database
holds its hash, when it was last used and whether it has ended."""
from datetime import timedelta

from peewee import fn

from domain import texts
from domain.clock import utcnow
from domain.db import KeptQuery
from domain.tokens import digest, new_secret
from models import Customer, LoginSession, TextRevision, Thread

# Writing last_seen_at on every request would make every page a write.
TOUCH_EVERY = timedelta(seconds=60)


def start(customer):
    key = new_secret()
    LoginSession.create(customer=customer, key_hash=digest(key))
    return key


# Asked on every signed-in request: the session, its customer, the count
# of threads with an unread answer (the header shows it on every page) and
# the texts' revision (domain.texts: whether marketers published a change),
# in one query whose SQL text is built once (domain.db.KeptQuery).
UNREAD = Thread.alias()
LOAD = KeptQuery(lambda key_hash, idle_after, started_after: (
    LoginSession.select(
        LoginSession, Customer,
        UNREAD.select(fn.COUNT(UNREAD.id)).where(
            UNREAD.customer == LoginSession.customer, UNREAD.customer_unread).alias("unread"),
        TextRevision.select(TextRevision.number).where(TextRevision.id == 1).alias("texts"))
    .join(Customer)
    .where(LoginSession.key_hash == key_hash, LoginSession.ended_at.is_null(),
           LoginSession.last_seen_at > idle_after, LoginSession.created_at > started_after)))


def load(key, idle_seconds, absolute_seconds):
    """The customer signed in with `key`, or None when the session has ended,
    been idle too long, or lasted longer than allowed."""
    now = utcnow()
    found = LOAD(key_hash=digest(key), idle_after=now - timedelta(seconds=idle_seconds),
                 started_after=now - timedelta(seconds=absolute_seconds))
    if not found:
        return None
    row = found[0]
    if now - row.last_seen_at > TOUCH_EVERY:
        LoginSession.update(last_seen_at=now).where(LoginSession.id == row.id).execute()
    texts.revision_known(row.texts or 0)
    customer = row.customer
    customer.session_key = key
    customer.device_ok = row.device_ok
    customer.authenticated_at = row.authenticated_at
    customer.unread_threads = row.unread
    return customer


def mark_authenticated(key):
    """The password was just typed again in this session (before a change
    to the profile)."""
    LoginSession.update(authenticated_at=utcnow()).where(
        LoginSession.key_hash == digest(key), LoginSession.ended_at.is_null()).execute()


def mark_device_ok(key):
    """This browser may show agreement data for the rest of the session."""
    LoginSession.update(device_ok=True).where(LoginSession.key_hash == digest(key)).execute()


def end(key):
    LoginSession.update(ended_at=utcnow()).where(
        LoginSession.key_hash == digest(key), LoginSession.ended_at.is_null()).execute()


def end_all(customer_id):
    return LoginSession.update(ended_at=utcnow()).where(
        LoginSession.customer == customer_id, LoginSession.ended_at.is_null()).execute()
