"""Device authorization: in markets that ask for it, a browser shows
agreement data only after a code sent to a phone or address on file, or
when it carries a remembered-device cookie. The cookie spares the code,
never the password: it is only looked at after a password login."""
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from domain import codes
from domain.clock import utcnow
from domain.markets import MARKETS
from domain.tokens import digest, new_secret
from models import Agreement, RememberedDevice

COOKIE = "keyfob_device"


@dataclass(frozen=True)
class Destination:
    key: str          # what the form posts: "sms-1", "mail-1"
    channel: str      # sms | mail
    address: str      # never shown: the page shows `masked`
    masked: str


def needs_authorization(customer):
    return (MARKETS[customer.market].device_authorization
            and Agreement.select().where(Agreement.customer == customer.id).exists())


def destinations(customer):
    """Where a code can go: the phones and email addresses on file for the
    customer's agreements, each once."""
    market = MARKETS[customer.market]
    found, seen = [], set()
    agreements = Agreement.select().where(Agreement.customer == customer.id).order_by(Agreement.id)
    for agreement in agreements:
        if agreement.phone and codes.sms_country_allowed(market, agreement.phone):
            if ("sms", agreement.phone) not in seen:
                seen.add(("sms", agreement.phone))
                found.append(Destination(f"sms-{agreement.id}", "sms", agreement.phone,
                                         codes.mask_phone(agreement.phone)))
        if agreement.email and ("mail", agreement.email.lower()) not in seen:
            seen.add(("mail", agreement.email.lower()))
            found.append(Destination(f"mail-{agreement.id}", "mail", agreement.email,
                                     codes.mask_email(agreement.email)))
    return found


def remember(customer, label):
    """A new remembered device; returns the cookie's secret and its lifetime."""
    days = current_app.config["DEVICE_REMEMBER_DAYS"]
    secret = new_secret()
    RememberedDevice.create(customer=customer.id, key_hash=digest(secret), label=label[:120],
                            expires_at=utcnow() + timedelta(days=days))
    return secret, timedelta(days=days)


def recognize(customer, secret):
    """True when `secret` is a live remembered device of this customer."""
    if not secret or len(secret) > 100:
        return False
    now = utcnow()
    return RememberedDevice.update(last_used_at=now).where(
        RememberedDevice.key_hash == digest(secret), RememberedDevice.customer == customer.id,
        RememberedDevice.revoked_at.is_null(), RememberedDevice.expires_at > now).execute() == 1


def live_devices(customer):
    now = utcnow()
    return list(RememberedDevice.select().where(
        RememberedDevice.customer == customer.id, RememberedDevice.revoked_at.is_null(),
        RememberedDevice.expires_at > now).order_by(RememberedDevice.last_used_at.desc()))


def revoke(customer, device_id):
    return RememberedDevice.update(revoked_at=utcnow()).where(
        RememberedDevice.id == device_id, RememberedDevice.customer == customer.id,
        RememberedDevice.revoked_at.is_null()).execute() == 1


def revoke_all(customer_id):
    return RememberedDevice.update(revoked_at=utcnow()).where(
        RememberedDevice.customer == customer_id, RememberedDevice.revoked_at.is_null()).execute()


def describe(user_agent):
    """A short label for the devices list: "Firefox on Android"."""
    ua = user_agent or ""
    browser = next((name for token, name in (("Edg/", "Edge"), ("Firefox/", "Firefox"),
                                             ("Chrome/", "Chrome"), ("Safari/", "Safari"))
                    if token in ua), "")
    system = next((name for token, name in (("Android", "Android"), ("iPhone", "iPhone"),
                                            ("iPad", "iPad"), ("Windows", "Windows"),
                                            ("Mac OS X", "macOS"), ("Linux", "Linux"))
                   if token in ua), "")
    return " / ".join(part for part in (browser, system) if part)
