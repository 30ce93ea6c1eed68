"""Staff accounts (customer-care agents, marketers, admins) and their
sign-in: a password, then a TOTP code (RFC 6238) from an authenticator app,
or else one of ten single-use recovery codes. Apart from customers' accounts
in every way: their own table, sessions and lockout.

- An operator creates a member (`flask staff create`); the initial password
  is random and shown once.
- Five wrong passwords in a row lock the account, counted in UPDATEs like
  customers' (domain.accounts), so parallel attempts are all counted.
- The TOTP secret is kept encrypted (domain.totp_keys: Fernet, the keys
  outside the database); `flask staff rotate-totp-key` re-encrypts every
  one with a new key (rotate_totp_key).
- A TOTP code is accepted in its 30-second step and the steps either side,
  and only once: the member's last step used is kept and only a later one
  passes (one UPDATE ... WHERE last_totp_step < step).
- Recovery codes are kept as SHA-256 hashes (domain.tokens.digest); using
  one is one UPDATE ... WHERE used_at IS NULL.
- Five wrong codes end the session: the password must be typed again.
- Sessions live in the database like customers' (domain.sessions), with the
  same idle and absolute limits; deactivating a member ends them all.
- An admin adding a member in the back office (domain.admin) creates it
  with no password yet (PASSWORD_NOT_ISSUED): a random one is made and shown
  when the admin first opens the next page, so it is never kept anywhere in
  clear, not even in the session cookie.
"""
import hmac
import re
import secrets
from datetime import timedelta, timezone

import pyotp
from email_validator import EmailNotValidError
from peewee import IntegrityError

from domain import lockout, passwords, ratelimit, roles, totp_keys
from domain.accounts import normalized_email
from domain.clock import utcnow
from domain.db import KeptQuery, database
from domain.security_log import log_event
from domain.tokens import digest, new_secret
from models import RecoveryCode, Staff, StaffSession

MAX_FAILED_LOGINS = 5
MAX_WRONG_CODES = 5                 # in one session; the last one ends it
ISSUER = "Keyfob"                   # the name the authenticator app shows
STEP_SECONDS = 30
RECOVERY_CODE_COUNT = 10
# 16 characters of 31 (no 0/o, 1/l/i to misread): about 79 bits, so a
# plain SHA-256 of a code is as safe to keep as a token's.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 16
NAME_MAX = 100
IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)
# Writing last_seen_at on every request would make every page a write.
TOUCH_EVERY = timedelta(seconds=60)
# No argon2 hash: no password verifies against it (see issue_password).
PASSWORD_NOT_ISSUED = "!not-issued"


class StaffError(ValueError):
    """A member cannot be created as asked; the message (for an operator,
    in English) says why."""


class AddressTaken(StaffError):
    """The address has a staff account already."""


def find(email):
    return Staff.get_or_none(Staff.email == (email or "").strip().lower())


def members():
    return list(Staff.select().order_by(Staff.email))


# --- accounts ----------------------------------------------------------------

def create(email, name, role, password=None, issue_later=False):
    """(staff, password): a new active member without a second factor yet
    (set up at the first sign-in). Without `password`, a random one; with
    `issue_later`, none yet (password None): issue_password() makes it."""
    if role not in roles.ROLES:
        raise StaffError(f"unknown role {role!r}: choose {roles.names()}")
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX or not name.isprintable():
        raise StaffError(f"the name must be 1 to {NAME_MAX} printable characters")
    try:
        address = normalized_email(email or "").lower()
    except EmailNotValidError:
        raise StaffError(f"{email!r} is not a valid email address") from None
    if issue_later:
        password = None
    elif password is None:
        password = _random_password()
    else:
        problem = passwords.problem(password, (name, address, address.split("@")[0]))
        if problem:
            raise StaffError(f"the password is refused ({problem.replace('_', ' ')})")
    if find(address) is not None:
        raise AddressTaken(f"{address} has a staff account already")
    password_hash = PASSWORD_NOT_ISSUED if issue_later else passwords.hash_password(password)
    try:
        with database.atomic():     # a savepoint: a caller's transaction goes on
            staff = Staff.create(email=address, name=name, role=role, password_hash=password_hash)
    except IntegrityError:      # created by a parallel command meanwhile
        raise AddressTaken(f"{address} has a staff account already") from None
    return staff, password


def _random_password():
    return secrets.token_urlsafe(15)        # 20 characters, 120 bits


def issue_password(staff):
    """A random password for a member created with issue_later (or whose
    password an admin renewed), in clear for the one time it is shown; None
    when it was issued already, so that a reload shows nothing. One UPDATE
    ... WHERE password_hash = PASSWORD_NOT_ISSUED: two tabs get one."""
    password = _random_password()
    issued = Staff.update(password_hash=passwords.hash_password(password)).where(
        Staff.id == staff.id, Staff.password_hash == PASSWORD_NOT_ISSUED).execute() == 1
    return password if issued else None


def password_pending(staff):
    """True while the member's password waits to be shown to an admin."""
    return staff.password_hash == PASSWORD_NOT_ISSUED


def _log_change(kind, staff, by, detail=""):
    """An admin's change to a member: the admin is the entry's staff and the
    member's id is in the detail. Without an admin (an operator's command,
    a test) the member is the entry's staff."""
    if by is None:
        log_event(kind, staff=staff, detail=detail)
    else:
        log_event(kind, staff=by, detail=f"staff {staff.id}" + (f": {detail}" if detail else ""))


def authenticate(email, password):
    """The member whose address and password these are, or None: for an
    unknown address, a wrong password, a locked or a deactivated account
    alike, and in about the same time."""
    staff = find(email)
    if staff is None or staff.locked_at is not None or not staff.active:
        passwords.burn_time(password)
        reason = ("unknown address" if staff is None
                  else "locked" if staff.locked_at is not None else "deactivated")
        log_event("staff_login_failed", staff=staff, detail=reason)
        return None
    if not passwords.verify_password(staff.password_hash, password):
        with database.atomic():
            if lockout.record_failure(Staff, staff.id, MAX_FAILED_LOGINS):
                log_event("staff_locked", staff=staff,
                          detail=f"{MAX_FAILED_LOGINS} wrong passwords in a row")
            else:
                log_event("staff_login_failed", staff=staff, detail="wrong password")
        return None
    if not _record_success(staff):
        return None         # locked or deactivated by a parallel request
    if passwords.needs_rehash(staff.password_hash):
        Staff.update(password_hash=passwords.hash_password(password)).where(
            Staff.id == staff.id).execute()
    return staff


def _record_success(staff):
    return Staff.update(failed_logins=0).where(
        Staff.id == staff.id, Staff.locked_at.is_null(), Staff.active == True).execute() == 1  # noqa: E712


def unlock(staff, by=None):
    """Lift a lock (an admin's decision: staff cannot reset by email)."""
    with database.atomic():
        Staff.update(failed_logins=0, locked_at=None).where(Staff.id == staff.id).execute()
        _log_change("staff_unlocked", staff, by)


def deactivate(staff, by=None):
    """The member can no longer sign in, and every open session ends now."""
    with database.atomic():
        Staff.update(active=False).where(Staff.id == staff.id).execute()
        end_all(staff.id)
        _log_change("staff_deactivated", staff, by)


# --- TOTP --------------------------------------------------------------------

def current_step():
    """The number of the 30-second step now, by the app's clock."""
    return int(utcnow().replace(tzinfo=timezone.utc).timestamp()) // STEP_SECONDS


def _matching_step(secret, code):
    """The step (now, the one before or the one after: phones' clocks
    drift) whose code `code` is, or None."""
    code = re.sub(r"\s", "", code or "")
    if not secret or not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    now = current_step()
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def has_secret(staff):
    """True once a secret was made for the member (set up or pending)."""
    return bool(staff.totp_secret_sealed)


def totp_secret(staff):
    """The member's secret in clear ("" when none was made); raises
    totp_keys.KeyMismatch when the keys cannot open it."""
    return totp_keys.unseal(staff.totp_secret_sealed) if staff.totp_secret_sealed else ""


def _use_step(staff, step):
    """Claim `step` for this member; False when it, or a later one, was
    used already (a code seen over a shoulder, or a double submit)."""
    return Staff.update(last_totp_step=step).where(
        Staff.id == staff.id, Staff.last_totp_step < step).execute() == 1


def start_enrolment(staff):
    """(secret, otpauth URI) for a member without a confirmed TOTP. The
    secret stays the same until confirmed, so that the page, its QR code
    and a reload all show one."""
    if staff.totp_confirmed_at is not None:
        raise StaffError("the authenticator app is set up already")
    if not staff.totp_secret_sealed:
        # Only where there is none: two tabs opening the page get one secret.
        Staff.update(totp_secret_sealed=totp_keys.seal(pyotp.random_base32())).where(
            Staff.id == staff.id, Staff.totp_secret_sealed == "").execute()
        staff.totp_secret_sealed = Staff.get_by_id(staff.id).totp_secret_sealed
    return totp_secret(staff), otpauth_uri(staff)


def otpauth_uri(staff):
    """What the QR code holds: the secret, the issuer and the address."""
    return pyotp.TOTP(totp_secret(staff)).provisioning_uri(name=staff.email, issuer_name=ISSUER)


def confirm_enrolment(staff, code):
    """True when `code` comes from the app set up with the pending secret:
    from now on this member signs in with TOTP. Recovery codes of an earlier
    enrolment are deleted; issue_recovery_codes() makes the new ones."""
    if staff.totp_confirmed_at is not None or not staff.totp_secret_sealed:
        return False
    step = _matching_step(totp_secret(staff), code)
    if step is None or not _use_step(staff, step):
        return False
    with database.atomic():
        confirmed = Staff.update(totp_confirmed_at=utcnow()).where(
            Staff.id == staff.id, Staff.totp_confirmed_at.is_null(),
            Staff.totp_secret_sealed == staff.totp_secret_sealed).execute() == 1
        if confirmed:
            RecoveryCode.delete().where(RecoveryCode.staff == staff.id).execute()
    return confirmed


def verify_code(staff, code):
    """True for a right TOTP code not used before."""
    if staff.totp_confirmed_at is None:
        return False
    step = _matching_step(totp_secret(staff), code)
    return step is not None and _use_step(staff, step)


def reset_second_factor(staff, by=None, detail=""):
    """A lost phone (an admin's or an operator's decision): the member sets
    up an app again at the next sign-in; recovery codes and open sessions
    end. Returns how many sessions ended."""
    with database.atomic():
        Staff.update(totp_secret_sealed="", totp_confirmed_at=None).where(
            Staff.id == staff.id).execute()
        RecoveryCode.delete().where(RecoveryCode.staff == staff.id).execute()
        ended = end_all(staff.id)
        _log_change("staff_second_factor_reset", staff, by, detail)
    return ended


def reseal_all(keys=None):
    """Encrypt every member's secret with the first of `keys` (default: the
    keys in force); the number of secrets. All are opened before any is
    written: when one cannot be, KeyMismatch and nothing changed."""
    rows = list(Staff.select(Staff.id, Staff.totp_secret_sealed)
                .where(Staff.totp_secret_sealed != "").order_by(Staff.id))
    sealed = [(row.id, row.totp_secret_sealed, totp_keys.reseal(row.totp_secret_sealed, keys))
              for row in rows]
    with database.atomic():
        for staff_id, before, after in sealed:
            # A secret made or reset meanwhile is left as its writer left it.
            Staff.update(totp_secret_sealed=after).where(
                Staff.id == staff_id, Staff.totp_secret_sealed == before).execute()
    return len(sealed)


def rotate_totp_key():
    """Re-encrypt every secret with a new key. With the key file
    (instance/totp_key): a new key is written first in it, every secret is
    encrypted with it, and the old keys leave the file; running processes
    read the file again at their next use. With the TOTP_KEY setting, which
    only the operator can change: every secret is encrypted with its first
    key. Returns (secrets re-encrypted, keys still there that no secret
    needs)."""
    if totp_keys.source() == "setting":
        keys = totp_keys.keys_now()
        return reseal_all(keys), len(keys) - 1
    old = totp_keys.keys_now()
    for (token,) in Staff.select(Staff.totp_secret_sealed).where(
            Staff.totp_secret_sealed != "").tuples():
        totp_keys.unseal(token, old)        # every one opens, before the file changes
    new = totp_keys.new_key()
    totp_keys.write_file([new, *old])
    count = reseal_all([new, *old])
    totp_keys.write_file([new])
    # A secret written meanwhile by a process that had read the file just
    # before it changed: encrypted with the new key too.
    reseal_all([new, *old])
    return count, 0


# --- recovery codes ------------------------------------------------------------

def _normalized_recovery_code(code):
    # Typed with or without the dashes, in any case.
    return re.sub(r"[\s-]", "", (code or "")[:100]).lower()


def format_recovery_code(code):
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def issue_recovery_codes(staff):
    """Ten new recovery codes, in clear for the one time they are shown; None
    when this member has codes already, so that reloading the page that
    shows them neither shows them again nor makes new ones."""
    with database.atomic():
        # Writing the member's row first makes a parallel request wait here
        # (PostgreSQL's row lock, SQLite's write lock) until this one has
        # committed, so that it then finds the codes: one set, never two.
        Staff.update(failed_logins=Staff.failed_logins).where(Staff.id == staff.id).execute()
        if RecoveryCode.select().where(RecoveryCode.staff == staff.id).exists():
            return None
        codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
                 for _ in range(RECOVERY_CODE_COUNT)]
        RecoveryCode.insert_many([{"staff": staff.id, "code_hash": digest(code)}
                                  for code in codes]).execute()
    return [format_recovery_code(code) for code in codes]


def use_recovery_code(staff, code):
    """True for a recovery code of this member not used before; it is used
    up now."""
    code = _normalized_recovery_code(code)
    if len(code) != RECOVERY_LENGTH:
        return False
    used = RecoveryCode.update(used_at=utcnow()).where(
        RecoveryCode.staff == staff.id, RecoveryCode.code_hash == digest(code),
        RecoveryCode.used_at.is_null()).execute() == 1
    if used:
        log_event("staff_recovery_code_used", staff=staff,
                  detail=f"{recovery_codes_left(staff)} left")
    return used


def recovery_codes_left(staff):
    return RecoveryCode.select().where(RecoveryCode.staff == staff.id,
                                       RecoveryCode.used_at.is_null()).count()


# --- sessions ------------------------------------------------------------------

def start(staff):
    """A new session after the password; the second factor is still due."""
    key = new_secret()
    StaffSession.create(staff=staff, key_hash=digest(key))
    return key


# Asked on every back-office request (domain.db.KeptQuery: built once).
LOAD = KeptQuery(lambda key_hash, idle_after, started_after: (
    StaffSession.select(StaffSession, Staff).join(Staff)
    .where(StaffSession.key_hash == key_hash, StaffSession.ended_at.is_null(),
           StaffSession.last_seen_at > idle_after, StaffSession.created_at > started_after,
           Staff.active == True)))  # noqa: E712


def load(key):
    """(staff, session row) for `key`, or None when the session ended, was
    idle too long, lasted too long, or its member was deactivated."""
    if not isinstance(key, str) or not key or len(key) > 100:
        return None
    now = utcnow()
    found = LOAD(key_hash=digest(key), idle_after=now - IDLE, started_after=now - ABSOLUTE)
    if not found:
        return None
    row = found[0]
    if now - row.last_seen_at > TOUCH_EVERY:
        StaffSession.update(last_seen_at=now).where(StaffSession.id == row.id).execute()
    return row.staff, row


def mark_second_factor(key):
    """The second factor passed: the member is signed in."""
    now = utcnow()
    row = load(key)
    if row is None:
        return
    staff, session = row
    with database.atomic():
        marked = StaffSession.update(second_factor_at=now).where(
            StaffSession.id == session.id, StaffSession.second_factor_at.is_null()).execute()
        if marked:
            Staff.update(last_login_at=now).where(Staff.id == staff.id).execute()
            log_event("staff_login", staff=staff, detail=f"session {session.id}")


def record_wrong_code(staff, session):
    """Count a wrong TOTP or recovery code in this session; True when it
    was the last one allowed and the session has ended."""
    # The rate-limit table counts with one upsert, so parallel wrong codes
    # are all counted; a window as long as a session can last.
    verdict = ratelimit.hit(ratelimit.Limit("staff-wrong-code", MAX_WRONG_CODES - 1,
                                            int(ABSOLUTE.total_seconds())), session.id)
    if verdict.allowed:
        log_event("staff_second_factor_failed", staff=staff, detail=f"session {session.id}")
        return False
    StaffSession.update(ended_at=utcnow()).where(
        StaffSession.id == session.id, StaffSession.ended_at.is_null()).execute()
    log_event("staff_second_factor_failed", staff=staff,
              detail=f"session {session.id} ended after {MAX_WRONG_CODES} wrong codes")
    return True


def end(key):
    """End the session of `key`; its member, or None when none was open."""
    if not isinstance(key, str) or not key:
        return None
    row = StaffSession.get_or_none(StaffSession.key_hash == digest(key),
                                   StaffSession.ended_at.is_null())
    if row is None:
        return None
    StaffSession.update(ended_at=utcnow()).where(
        StaffSession.id == row.id, StaffSession.ended_at.is_null()).execute()
    return row.staff


def logout(key):
    staff = end(key)
    if staff is not None:
        log_event("staff_logout", staff=staff)


def end_all(staff_id):
    return StaffSession.update(ended_at=utcnow()).where(
        StaffSession.staff == staff_id, StaffSession.ended_at.is_null()).execute()
