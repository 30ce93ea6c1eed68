"""Staff members for tests, and signing them in through the real pages.

    staff, password, totp = staff_member("admin")      # made in the database
    staff = staff_signed_in(client, role="agent")       # a client signed in as a new agent
    sign_in(client, staff, password, totp)              # the same for a member you have

`totp` is a pyotp.TOTP; `fresh_code(staff, totp)` is a code the app accepts
now (the app's clock, which the `clock` fixture moves). A code works once
per member: sign the same member in twice and fresh_code() takes the next
step's code, which the app also accepts.

staff_member() uses only the models and the TOTP keys, so the browser
tests' server helper can call it with the models bound to the server's
database and the keys set to the server's."""
import re
import uuid

import pyotp

from domain import passwords, staff as staff_accounts, totp_keys
from domain.clock import utcnow
from models import Staff

STAFF_PASSWORD = "harbour violet compass 9"
# The agents' queue, where the back office starts.
QUEUE = "/staff/queue"


def staff_member(role="agent", email=None, password=STAFF_PASSWORD, name="Sam Staff",
                 enrolled=True):
    """(staff, password, totp): an active member with this role and, when
    `enrolled`, an authenticator app set up (totp is None otherwise)."""
    secret = pyotp.random_base32() if enrolled else ""
    staff = Staff.create(email=(email or f"staff-{uuid.uuid4().hex[:10]}@keyfob.example").lower(),
                         name=name, role=role, password_hash=passwords.hash_password(password),
                         totp_secret_sealed=totp_keys.seal(secret) if secret else "",
                         totp_confirmed_at=utcnow() if enrolled else None)
    return staff, password, pyotp.TOTP(secret) if enrolled else None


def fresh_code(staff, totp):
    """A code of `totp` the app takes now: the current step's, or the next
    one's when this member used the current one already."""
    last_used = Staff.get_by_id(staff.id).last_totp_step
    step = staff_accounts.current_step()
    for candidate in (step, step + 1):
        if candidate > last_used:
            return totp.generate_otp(candidate)
    raise AssertionError("this member used the codes of now and the next 30 s already")


def post(client, url, data):
    """POST a form, with the CSRF token of its page when the app asks for one."""
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]*)"', page)
    return client.post(url, data=dict(data, csrf_token=token.group(1)) if token else data)


def sign_in(client, staff, password, totp):
    """Password, then a TOTP code, through /staff/login; the last response
    (a 303 to /staff when all went well)."""
    response = post(client, "/staff/login", {"email": staff.email, "password": password})
    assert response.status_code == 303, response.status_code
    assert response.location.endswith("/staff/second-factor"), response.location
    return post(client, "/staff/second-factor", {"code": fresh_code(staff, totp)})


def staff_signed_in(client, role="agent", email=None, name="Sam Staff"):
    """A new member with this role, signed in on `client`; returns the member."""
    staff, password, totp = staff_member(role, email=email, name=name)
    response = sign_in(client, staff, password, totp)
    assert response.status_code == 303 and response.location.endswith("/staff"), response.location
    return staff
