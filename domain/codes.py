"""One-time codes sent by SMS or email: to link an agreement, to authorize
a device. Every rule about codes lives here.

- A code is 6 digits from `secrets`; only an HMAC of it is stored, bound to
  its purpose and account.
- It expires (CODE_MINUTES, 10 by default) and allows MAX_TRIES tries in all:
  sending a new one replaces the code but keeps the count.
- Every counter changes in one `UPDATE ... WHERE` that checks the limit, so
  parallel requests can neither win twice nor try more than allowed.
- Sending is limited per agreement, per account, per client address and per
  day for the whole site, and an SMS only goes to the market's countries
  (against SMS pumping). The code itself appears in no log and no page.
"""
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

import phonenumbers
from flask import current_app
from flask_babel import lazy_gettext as _l

from domain import outbox, ratelimit
from domain.clock import utcnow
from domain.db import database
from domain.markets import MARKETS, SITES, site_code
from domain.security_log import log_event
from models import OneTimeCode

MAX_TRIES = 3


class Check(Enum):
    OK = "ok"
    WRONG = "wrong"            # tries are left
    EXPIRED = "expired"        # ask for a new code
    EXHAUSTED = "exhausted"    # no try left
    GONE = "gone"              # used meanwhile (a double click) or replaced by a new code


@dataclass
class Refused(Exception):
    """A code could not be sent: `reason` is country, cooldown or limit.
    On the cooldown before a resend, `code_id` is the open code sent to the
    same place a moment ago, which the customer can type (from another
    browser too); not after a parallel request's resend, whose code may be
    used up already."""
    reason: str
    retry_after: int = 0
    code_id: int = None


def _lifetime():
    return timedelta(minutes=current_app.config["CODE_MINUTES"])


def _digest(purpose, customer_id, code):
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{purpose}:{customer_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _new_code():
    return f"{secrets.randbelow(10 ** 6):06d}"


# --- where codes go -------------------------------------------------------------

def sms_country_allowed(market, phone):
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(phone))
    except phonenumbers.NumberParseException:
        return False
    return region in market.sms_countries


def mask_phone(phone):
    """"+33612345642" -> "•• •• •• •• 42": the national form, every digit
    but the last two hidden."""
    number = phonenumbers.parse(phone)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    digits = sum(c.isdigit() for c in national)
    seen = 0
    masked = []
    for c in national:
        if c.isdigit():
            seen += 1
            masked.append(c if seen > digits - 2 else "•")
        else:
            masked.append(c)
    return "".join(masked)


def mask_email(address):
    """"ana.silva@example.com" -> "an•••@example.com"."""
    local, _, domain = address.partition("@")
    return f"{local[:2]}•••@{domain}"


# --- sending --------------------------------------------------------------------

def _check_send_limits(customer, agreement, client):
    config = current_app.config
    subjects = [("code-account", customer.id, "CODE_SENDS_PER_ACCOUNT"),
                ("code-client", client, "CODE_SENDS_PER_CLIENT"),
                ("code-site", "all", "CODE_SENDS_PER_DAY")]
    if agreement is not None:
        subjects.insert(0, ("code-agreement", agreement.id, "CODE_SENDS_PER_AGREEMENT"))
    refusals = []
    for name, subject, key in subjects:      # count every limit, even past a refusal
        count, seconds = config[key]
        verdict = ratelimit.hit(ratelimit.Limit(name, count, seconds), subject)
        if not verdict.allowed:
            refusals.append(verdict.retry_after)
    if refusals:
        raise Refused("limit", max(refusals))


def _deliver(row, code, locale):
    log_event(f"{row.purpose}_code_sent", row.customer_id, row.channel)
    site = SITES[site_code(locale)]
    market = site.market        # its brand as the customer's language names it
    context = dict(code=code, brand=market.brand, minutes=current_app.config["CODE_MINUTES"],
                   purpose=row.purpose)
    if row.channel == "sms":
        outbox.enqueue_sms(row.destination, "code", locale, **context)
    else:
        outbox.enqueue_mail(row.destination, "code", locale,
                            _l("Your %(brand)s security code", brand=market.brand),
                            sensitive=True, market=market, customer=row.customer,
                            site=site, **context)


def send(purpose, customer, channel, destination, locale, client, agreement=None):
    """Send a code; returns its row. If a code for the same purpose, account
    and agreement is still open, it is sent again instead (its count of
    tries goes on). Raises Refused."""
    market = MARKETS[customer.market]
    if channel == "sms" and not sms_country_allowed(market, destination):
        raise Refused("country")
    open_code = (OneTimeCode.select()
                 .where(OneTimeCode.purpose == purpose, OneTimeCode.customer == customer.id,
                        OneTimeCode.agreement == (agreement.id if agreement else None),
                        OneTimeCode.used_at.is_null())
                 .order_by(OneTimeCode.id.desc()).first())
    if open_code is not None and open_code.channel == channel and open_code.destination == destination:
        return resend(open_code, locale, client)
    _check_send_limits(customer, agreement, client)
    code = _new_code()
    now = utcnow()
    with database.atomic():
        if open_code is not None:
            # Another channel chosen: the old code dies, its count carries over.
            OneTimeCode.update(used_at=now).where(OneTimeCode.id == open_code.id).execute()
        row = OneTimeCode.create(
            purpose=purpose, customer=customer.id, agreement=agreement, channel=channel,
            destination=destination, code_hash=_digest(purpose, customer.id, code),
            created_at=now, last_sent_at=now, expires_at=now + _lifetime(),
            attempts=open_code.attempts if open_code else 0)
        row.customer = customer
        _deliver(row, code, locale)
    return row


def resend(row, locale, client):
    """A new code for the same purpose, after a cooldown. Raises Refused."""
    now = utcnow()
    cooldown = timedelta(seconds=current_app.config["CODE_RESEND_COOLDOWN_SECONDS"])
    if row.last_sent_at > now - cooldown:
        wait = row.last_sent_at + cooldown - now
        raise Refused("cooldown", max(1, int(wait.total_seconds())), code_id=row.id)
    _check_send_limits(row.customer, row.agreement, client)
    code = _new_code()
    with database.atomic():
        changed = (OneTimeCode
                   .update(code_hash=_digest(row.purpose, row.customer_id, code),
                           expires_at=now + _lifetime(), last_sent_at=now,
                           sends=OneTimeCode.sends + 1)
                   .where(OneTimeCode.id == row.id, OneTimeCode.used_at.is_null(),
                          OneTimeCode.attempts < MAX_TRIES,
                          OneTimeCode.last_sent_at <= now - cooldown)
                   .execute())
        if not changed:     # a parallel request sent one a moment ago
            raise Refused("cooldown", int(cooldown.total_seconds()))
        _deliver(row, code, locale)
    return OneTimeCode.get_by_id(row.id)


# --- checking -------------------------------------------------------------------

def find(code_id, customer_id, purpose):
    """The code row a page works with, used or not, if it is this customer's."""
    if not isinstance(code_id, int):
        return None
    return OneTimeCode.get_or_none(OneTimeCode.id == code_id, OneTimeCode.customer == customer_id,
                                   OneTimeCode.purpose == purpose)


def open_code(code_id, customer_id, purpose):
    """The same, only while it can still be used."""
    row = find(code_id, customer_id, purpose)
    return row if row is not None and row.used_at is None else None


def tries_left(row):
    return max(0, MAX_TRIES - row.attempts)


def check(row, typed):
    """Check a typed code against `row`: (Check, tries left)."""
    now = utcnow()
    typed = "".join(typed.split()) if isinstance(typed, str) else ""
    if row.attempts >= MAX_TRIES:
        return Check.EXHAUSTED, 0
    if row.expires_at <= now:
        return Check.EXPIRED, tries_left(row)
    if hmac.compare_digest(row.code_hash, _digest(row.purpose, row.customer_id, typed)):
        used = (OneTimeCode.update(used_at=now)
                .where(OneTimeCode.id == row.id, OneTimeCode.used_at.is_null(),
                       OneTimeCode.code_hash == row.code_hash,
                       OneTimeCode.attempts < MAX_TRIES, OneTimeCode.expires_at > now)
                .execute())
        return (Check.OK, tries_left(row)) if used else (Check.GONE, 0)
    counted = (OneTimeCode.update(attempts=OneTimeCode.attempts + 1)
               .where(OneTimeCode.id == row.id, OneTimeCode.used_at.is_null(),
                      OneTimeCode.attempts < MAX_TRIES)
               .execute())
    if not counted:
        return Check.EXHAUSTED, 0
    left = tries_left(OneTimeCode.get_by_id(row.id))
    return (Check.WRONG, left) if left else (Check.EXHAUSTED, 0)


def close(row):
    """End a code that may not be used any more (its tries ran out)."""
    OneTimeCode.update(used_at=utcnow()).where(
        OneTimeCode.id == row.id, OneTimeCode.used_at.is_null()).execute()
