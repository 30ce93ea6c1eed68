"""Server-side login sessions. The cookie holds a random key; the database
holds its hash, when it was last used and whether it has ended."""
from datetime import timedelta

from domain.clock import utcnow
from domain.tokens import digest, new_secret
from models import Customer, LoginSession

# Writing last_seen_at on every request would make every page a write.
TOUCH_EVERY = timedelta(seconds=60)


def start(customer):
    key = new_secret()
    LoginSession.create(customer=customer, key_hash=digest(key))
    return key


def load(key, idle_seconds, absolute_seconds):
    """The customer signed in with `key`, or None when the session has ended,
    been idle too long, or lasted longer than allowed."""
    now = utcnow()
    row = (LoginSession.select(LoginSession, Customer).join(Customer)
           .where(LoginSession.key_hash == digest(key),
                  LoginSession.ended_at.is_null(),
                  LoginSession.last_seen_at > now - timedelta(seconds=idle_seconds),
                  LoginSession.created_at > now - timedelta(seconds=absolute_seconds))
           .first())
    if row is None:
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        LoginSession.update(last_seen_at=now).where(LoginSession.id == row.id).execute()
    customer = row.customer
    customer.session_key = key
    customer.device_ok = row.device_ok
    customer.authenticated_at = row.authenticated_at
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
