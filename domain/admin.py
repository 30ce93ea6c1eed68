"""What admins do in the back office: add staff members and change them,
unlock a customer found by address, read the security log.

Every change is written to the security log with the acting admin as its
staff and the member's id in its detail (domain.staff._log_change).

Two rules keep the back office administrable: an admin cannot deactivate
or demote themself, and the last active admin cannot be deactivated or
demoted. The count of admins and the change are one transaction that first
writes every active admin's row, so two admins demoting each other at the
same moment cannot both succeed (the second waits for the first, then
counts again).
"""
import re
from dataclasses import dataclass
from datetime import date, datetime, time

from peewee import JOIN

from domain import roles, staff as staff_accounts
from domain.accounts import email_key, find_customer
from domain.db import database
from domain.security_log import log_event
from models import Customer, SecurityEvent, Staff

PAGE_SIZE = 50

# Every kind of security event the code writes (tests/test_admin.py checks
# this list against the calls of log_event), for the log's filter.
KINDS = (
    # customers
    "register_existing", "activated", "login", "login_failed", "locked", "reset_requested",
    "password_reset", "customer_unlocked_by_staff",
    "link_code_sent", "device_code_sent", "phone_code_sent",
    "agreement_linked", "link_refused_taken", "link_blocked",
    "device_recognized", "device_authorized", "device_code_exhausted", "device_revoked",
    "profile_password_wrong", "profile_password_locked", "password_changed", "address_changed",
    "phone_changed", "email_change_requested", "email_change_taken", "email_changed",
    "locale_changed", "account_closed", "data_exported",
    # staff
    "staff_login", "staff_login_failed", "staff_locked", "staff_logout",
    "staff_second_factor_failed", "staff_recovery_code_used", "role_refused",
    "staff_created", "staff_password_shown", "staff_password_renewed", "staff_role_changed",
    "staff_deactivated", "staff_reactivated", "staff_second_factor_reset", "staff_unlocked",
    # either: a file with malware refused (domain.virus_scan)
    "upload_infected",
)


class Refused(Exception):
    """An admin's change that the rules forbid; `reason` says which:
    "self" (one's own role or account), "last_admin"."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


# --- staff members ------------------------------------------------------------

def add_member(email, name, role, by):
    """A new member, without a password until issue_initial_password();
    raises staff.AddressTaken for an address in use (or a StaffError for a
    value the form should have refused)."""
    # Not one transaction with the log entry: create() reads before it
    # writes, and SQLite refuses such a transaction at once when another
    # one wrote meanwhile.
    member, _none = staff_accounts.create(email, name, role, issue_later=True)
    log_event("staff_created", staff=by, detail=f"staff {member.id}: {role}")
    return member


def issue_initial_password(member, by):
    """The member's new password, in clear, the one time it is shown; None
    when it was shown already."""
    with database.atomic():
        password = staff_accounts.issue_password(member)
        if password is not None:
            log_event("staff_password_shown", staff=by, detail=f"staff {member.id}")
    return password


def renew_password(member, by):
    """A forgotten password, or an initial one whose page was lost: the
    member's password stops working, their sessions end, and the next page
    shows a new one once."""
    if member.id == by.id:
        raise Refused("self")      # their session would end before they saw it
    with database.atomic():
        Staff.update(password_hash=staff_accounts.PASSWORD_NOT_ISSUED).where(
            Staff.id == member.id).execute()
        staff_accounts.end_all(member.id)
        log_event("staff_password_renewed", staff=by, detail=f"staff {member.id}")


# The members who manage staff: one of them stays active, so that someone
# can still manage the back office.
ACTIVE_ADMIN = Staff.role.in_(roles.that_may("staff")) & (Staff.active == True)  # noqa: E712


def _lock_admins():
    """The first statement of a transaction that counts admins: it writes
    their rows (no change), which makes a parallel one wait here until this
    transaction ends (PostgreSQL's row locks, SQLite's write lock). A read
    first would not do: SQLite refuses at once a transaction that read and
    then writes after another one wrote."""
    Staff.update(role=Staff.role).where(ACTIVE_ADMIN).execute()


def _other_active_admins(member_id):
    return Staff.select().where(ACTIVE_ADMIN, Staff.id != member_id).count()


def change_role(member, role, by):
    """Give `member` another role; True when it changed."""
    if role not in roles.ROLES:
        raise staff_accounts.StaffError(f"unknown role {role!r}")
    if member.id == by.id:
        raise Refused("self")
    with database.atomic():
        _lock_admins()
        current = Staff.get_by_id(member.id)
        if current.role == role:
            return False
        if (roles.may(current.role, "staff") and not roles.may(role, "staff") and current.active
                and _other_active_admins(member.id) == 0):
            raise Refused("last_admin")
        Staff.update(role=role).where(Staff.id == member.id).execute()
        log_event("staff_role_changed", staff=by,
                  detail=f"staff {member.id}: {current.role} to {role}")
    return True


def deactivate(member, by):
    """The member can no longer sign in and is signed out everywhere now."""
    if member.id == by.id:
        raise Refused("self")
    with database.atomic():
        _lock_admins()
        current = Staff.get_by_id(member.id)
        if not current.active:
            return
        if roles.may(current.role, "staff") and _other_active_admins(member.id) == 0:
            raise Refused("last_admin")
        staff_accounts.deactivate(current, by=by)


def reactivate(member, by):
    with database.atomic():
        if Staff.update(active=True).where(Staff.id == member.id,
                                           Staff.active == False).execute():  # noqa: E712
            log_event("staff_reactivated", staff=by, detail=f"staff {member.id}")


def reset_second_factor(member, by):
    """The member sets up an authenticator app again at the next sign-in."""
    staff_accounts.reset_second_factor(member, by=by)


def unlock_member(member, by):
    staff_accounts.unlock(member, by=by)


# --- customers --------------------------------------------------------------------

def customer_by_address(market, address):
    """The customer of `market` with exactly this address, or None. (No
    listing: an admin finds one account at a time.)"""
    return find_customer(market, address)


def customers_by_address(address):
    """The customers with exactly this address, one per market at most, for
    an operator's command that is not told the market."""
    return list(Customer.select().where(Customer.email_key == email_key(address))
                .order_by(Customer.market))


def unlock_customer(customer_id, by, detail=""):
    """Lift a customer's lock after too many wrong passwords; True when
    the account was locked (or counting wrong passwords) and is not now.
    `by` is the admin, or None for an operator's command (`detail` then
    says which)."""
    with database.atomic():
        unlocked = Customer.update(failed_logins=0, locked_at=None).where(
            Customer.id == customer_id,
            Customer.locked_at.is_null(False) | (Customer.failed_logins > 0)).execute() == 1
        if unlocked:
            log_event("customer_unlocked_by_staff", customer=customer_id, staff=by, detail=detail)
    return unlocked


# --- the security log --------------------------------------------------------------

@dataclass(frozen=True)
class LogFilter:
    kind: str = ""
    customer_id: int = None
    staff_id: int = None
    date_from: date = None
    date_to: date = None


def parse_day(text):
    """YYYY-MM-DD (what a date field sends) as a date, or None."""
    text = (text or "").strip()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


class PageGone(LookupError):
    """A page link names an event that is not in the log."""


@dataclass
class LogPage:
    events: list
    newer: int = None       # continue with after=newer for the newer entries
    older: int = None       # and with before=older for the older ones


def _filtered(log_filter):
    query = (SecurityEvent.select(SecurityEvent, Staff.id, Staff.name)
             .join(Staff, join_type=JOIN.LEFT_OUTER, on=(SecurityEvent.staff == Staff.id))
             .switch(SecurityEvent))
    conditions = []
    if log_filter.kind:
        conditions.append(SecurityEvent.kind == log_filter.kind)
    if log_filter.customer_id:
        conditions.append(SecurityEvent.customer == log_filter.customer_id)
    if log_filter.staff_id:
        conditions.append(SecurityEvent.staff == log_filter.staff_id)
    # The dates are UTC days, like the times kept.
    if log_filter.date_from:
        conditions.append(SecurityEvent.created_at >= datetime.combine(log_filter.date_from, time.min))
    if log_filter.date_to:
        conditions.append(SecurityEvent.created_at <= datetime.combine(log_filter.date_to, time.max))
    return query.where(*conditions) if conditions else query


def _anchor(event_id):
    row = SecurityEvent.select(SecurityEvent.id, SecurityEvent.created_at).where(
        SecurityEvent.id == event_id).first()
    if row is None:
        raise PageGone(event_id)
    return row.created_at, row.id


def _older_than(anchor):
    moment, event_id = anchor
    return (SecurityEvent.created_at < moment) | (
        (SecurityEvent.created_at == moment) & (SecurityEvent.id < event_id))


def _newer_than(anchor):
    moment, event_id = anchor
    return (SecurityEvent.created_at > moment) | (
        (SecurityEvent.created_at == moment) & (SecurityEvent.id > event_id))


NEWEST_FIRST = (SecurityEvent.created_at.desc(), SecurityEvent.id.desc())
OLDEST_FIRST = (SecurityEvent.created_at.asc(), SecurityEvent.id.asc())


def log_page(log_filter, before=None, after=None, size=PAGE_SIZE):
    """A page of the log, newest first: the first one, or the `size` events
    just older than event `before`, or just newer than event `after`.

    Pages go by (created_at, id) from an event's place ("keyset"), never by
    OFFSET: any page costs a range read of the created_at index, however
    deep in millions of rows it lies, and entries written meanwhile do not
    shift what the next page shows."""
    query = _filtered(log_filter)
    if after is not None:
        anchor = _anchor(after)
        rows = list(query.where(_newer_than(anchor)).order_by(*OLDEST_FIRST).limit(size + 1))
        more_newer = len(rows) > size
        events = rows[:size][::-1]
        if not events:
            return log_page(log_filter, size=size)
        older = events[-1].id if query.where(_older_than(_anchor_of(events[-1]))).exists() else None
        return LogPage(events, newer=events[0].id if more_newer else None, older=older)
    if before is not None:
        anchor = _anchor(before)
        query = query.where(_older_than(anchor))
    rows = list(query.order_by(*NEWEST_FIRST).limit(size + 1))
    events = rows[:size]
    newer = None
    if before is not None and events:
        first = _anchor_of(events[0])
        if _filtered(log_filter).where(_newer_than(first)).exists():
            newer = events[0].id
    return LogPage(events, newer=newer, older=events[-1].id if len(rows) > size else None)


def _anchor_of(event):
    return event.created_at, event.id
