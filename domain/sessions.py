"""Server-side login sessions. The cookie holds a random key; the database
holds its hash, when it was last used and whether it has ended."""
from datetime import timedelta

from domain.clock import utcnow
from domain import db
from domain.db import database
from domain.tokens import digest, new_secret
from models import Customer, LoginSession

# Writing last_seen_at on every request would make every page a write.
TOUCH_EVERY = timedelta(seconds=60)


def start(customer):
    key = new_secret()
    LoginSession.create(customer=customer, key_hash=digest(key))
    return key


# Asked on every signed-in request, so written out once rather than built by
# peewee each time (building a join of two wide tables cost more than
# running it). With the session comes the customer's page version
# (domain.page_cache): it says whether the customer row kept below is
# still the one in the database, and the page cache needs it too.
LOAD_SQL = (
    "SELECT s.id, s.customer_id, s.last_seen_at, s.device_ok, s.authenticated_at, v.number "
    "FROM login_session s LEFT JOIN page_version v ON v.scope = 'c' || s.customer_id "
    "WHERE s.key_hash = {p} AND s.ended_at IS NULL AND s.last_seen_at > {p} AND s.created_at > {p}")

# Customer rows by (database, id, page version): triggers raise the version
# with every change to the row, so a kept row is never stale. Each request
# gets its own Customer object (session_key and the like are per session).
_customer_rows = {}
CUSTOMER_ROWS_KEPT = 5000


def load(key, idle_seconds, absolute_seconds):
    """The customer signed in with `key`, or None when the session has ended,
    been idle too long, or lasted longer than allowed."""
    now = utcnow()
    row = database.execute_sql(LOAD_SQL.format(p=database.param), (
        digest(key), now - timedelta(seconds=idle_seconds),
        now - timedelta(seconds=absolute_seconds))).fetchone()
    if row is None:
        return None
    session_id, customer_id, last_seen_at, device_ok, authenticated_at, version = row
    if now - LoginSession.last_seen_at.python_value(last_seen_at) > TOUCH_EVERY:
        LoginSession.update(last_seen_at=now).where(LoginSession.id == session_id).execute()
    customer = _customer(customer_id, version or 0)
    if customer is None:
        return None
    customer.session_key = key
    customer.page_version = version or 0
    customer.device_ok = LoginSession.device_ok.python_value(device_ok)
    customer.authenticated_at = LoginSession.authenticated_at.python_value(authenticated_at)
    return customer


def _customer(customer_id, version):
    cache_key = (db.generation(), customer_id, version)
    data = _customer_rows.get(cache_key)
    if data is None:
        found = Customer.get_or_none(Customer.id == customer_id)
        if found is None:
            return None
        if len(_customer_rows) >= CUSTOMER_ROWS_KEPT:
            _customer_rows.clear()
        data = _customer_rows[cache_key] = dict(found.__data__)
    customer = Customer(**data)
    customer._dirty.clear()         # as loaded: save() writes only what changes
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
