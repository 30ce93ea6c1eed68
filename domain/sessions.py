"""Server-side login sessions. The cookie holds a random key; the database
holds its hash, when it was last used and whether it has ended."""
from datetime import timedelta

from domain.clock import utcnow
from domain.db import database
from domain.tokens import digest, new_secret
from models import Customer, LoginSession

# Writing last_seen_at on every request would make every page a write.
TOUCH_EVERY = timedelta(seconds=60)


def start(customer):
    key = new_secret()
    LoginSession.create(customer=customer, key_hash=digest(key))
    return key


# Asked on every signed-in request: written out once, not built by peewee
# each time (building this join of two wide tables cost more than running it).
LOAD_SQL = (
    "SELECT c.*, s.id AS session_id, s.last_seen_at AS session_last_seen_at, "
    "s.device_ok AS session_device_ok, s.authenticated_at AS session_authenticated_at "
    "FROM customer c JOIN login_session s ON s.customer_id = c.id "
    "WHERE s.key_hash = {p} AND s.ended_at IS NULL AND s.last_seen_at > {p} AND s.created_at > {p}")


def load(key, idle_seconds, absolute_seconds):
    """The customer signed in with `key`, or None when the session has ended,
    been idle too long, or lasted longer than allowed."""
    now = utcnow()
    sql = LOAD_SQL.format(p=database.param)
    customer = next(iter(Customer.raw(sql, digest(key), now - timedelta(seconds=idle_seconds),
                                      now - timedelta(seconds=absolute_seconds))), None)
    if customer is None:
        return None
    # Raw rows convert the customer's columns only.
    last_seen_at = LoginSession.last_seen_at.python_value(customer.session_last_seen_at)
    if now - last_seen_at > TOUCH_EVERY:
        LoginSession.update(last_seen_at=now).where(LoginSession.id == customer.session_id).execute()
    customer.session_key = key
    customer.device_ok = LoginSession.device_ok.python_value(customer.session_device_ok)
    customer.authenticated_at = LoginSession.authenticated_at.python_value(
        customer.session_authenticated_at)
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
