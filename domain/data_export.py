"""Download my data: what the portal holds about a customer, as one zip file
with a summary for people (summary.html: self-contained, no script, in the
customer's language with the market's formats) and the same data for
machines (data.json: keys in English, ISO 8601 dates and times in UTC,
amounts as decimal strings).

What goes in is what the portal's own pages show the customer, read with
their ownership rules (every row by the customer's id, agreements as
domain.agreements reads them): the profile; each linked agreement's terms,
payments and documents (not the lender's whole record: no date of birth,
no customer number); payoff quotes; remembered devices; the message
threads, each message with who wrote it (the customer or customer care,
never which member of staff), its time and text, and each attachment's
name, type and size (not the file); the security log's events of the
customer, by kind and time. Never a password, token or code hash, a staff
member's name or address, a thread's assignee, or a log entry's detail
(it may name another customer's agreement: domain.linking). We keep no IP
address or place of a sign-in, and the summary says so.

Most customers' files are built in the request (build_archive). One with
more rows than DATA_EXPORT_QUEUE_ABOVE (too_big_to_build_now) is queued:
the outbox worker builds it into EXPORTS_DIR (build_queued) and emails a
link whose token (only its SHA-256 kept) works once, for
DATA_EXPORT_LINK_HOURS, for the same customer signed in (take).
"""
import io
import json
import logging
import os
import re
import secrets
import unicodedata
import zipfile
from datetime import datetime, timedelta
from enum import Enum
from pathlib import Path

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l
from peewee import JOIN, fn

from domain import accounts, agreements
from domain.clock import utcnow
from domain.db import database
from domain.links import customer_link
from domain.markets import SITES, customer_site, site_code
from domain.outbox import rendering_for
from domain.security_log import log_event
from domain.tokens import digest, new_secret
from models import (Agreement, Attachment, Customer, DataExport, Document, Message, Payment,
                    PayoffQuote, RememberedDevice, SecurityEvent, Thread)

log = logging.getLogger(__name__)

FORMAT = "keyfob-data-export/1"
SUMMARY_NAME = "summary.html"
DATA_NAME = "data.json"
CLAIM_SECONDS = 600

# The security log's kinds as the summary names them; a kind not listed
# (a new one) is "Another security event" there, and its name in data.json.
EVENT_LABELS = {
    "register_existing": _l("Someone tried to register with your email address"),
    "activated": _l("Account activated"),
    "login": _l("Signed in"),
    "login_failed": _l("Wrong password at sign-in"),
    "locked": _l("Account locked after wrong passwords"),
    "reset_requested": _l("Password reset link sent"),
    "password_reset": _l("Password reset"),
    "customer_unlocked_by_staff": _l("Account unlocked by customer care"),
    "link_code_sent": _l("Code sent to link an agreement"),
    "device_code_sent": _l("Code sent to authorize a device"),
    "phone_code_sent": _l("Code sent to confirm a phone number"),
    "agreement_linked": _l("Agreement linked"),
    "link_refused_taken": _l("Linking refused: the agreement belongs to another account"),
    "link_blocked": _l("Linking blocked after wrong codes"),
    "device_recognized": _l("Remembered device recognized"),
    "device_authorized": _l("Device authorized"),
    "device_code_exhausted": _l("Device code typed wrong too many times"),
    "device_revoked": _l("Remembered device forgotten"),
    "profile_password_wrong": _l("Wrong password before a profile change"),
    "profile_password_locked": _l("Account locked before a profile change"),
    "password_changed": _l("Password changed"),
    "address_changed": _l("Address changed"),
    "phone_changed": _l("Phone number changed"),
    "email_change_requested": _l("Change of email address requested"),
    "email_change_taken": _l("Change of email address refused"),
    "email_changed": _l("Email address changed"),
    "locale_changed": _l("Language of emails changed"),
    "upload_infected": _l("A file with malware was refused"),
    "data_exported": _l("Your data downloaded"),
}
OTHER_EVENT = _l("Another security event")


def event_label(kind):
    return EVENT_LABELS.get(kind, OTHER_EVENT)


# --- what goes in ------------------------------------------------------------------------

class Holdings:
    """The customer's data as the summary and data.json show it, read in a
    fixed number of queries whatever the number of rows."""

    def __init__(self, customer_id):
        self.customer = Customer.get_by_id(customer_id)
        self.agreements = agreements.of_customer(customer_id)
        ids = [agreement.id for agreement in self.agreements]
        self.payments = _grouped(Payment.select().where(Payment.agreement.in_(ids))
                                 .order_by(Payment.paid_on.desc(), Payment.id.desc()), "agreement_id")
        self.documents = _grouped(Document.select().where(Document.agreement.in_(ids))
                                  .order_by(Document.issued_on.desc(), Document.id.desc()),
                                  "agreement_id")
        self.quotes = list(PayoffQuote.select(PayoffQuote, Agreement.contract_number)
                           .join(Agreement).where(PayoffQuote.customer == customer_id)
                           .order_by(PayoffQuote.created_at, PayoffQuote.id).objects())
        self.devices = list(RememberedDevice.select().where(RememberedDevice.customer == customer_id)
                            .order_by(RememberedDevice.created_at, RememberedDevice.id))
        self.threads = list(Thread.select(Thread, Agreement.contract_number, Agreement.vehicle_model)
                            .join(Agreement, JOIN.LEFT_OUTER, on=(Thread.agreement == Agreement.id),
                                  attr="agreement")
                            .where(Thread.customer == customer_id)
                            .order_by(Thread.created_at, Thread.id))
        messages = (Message.select(Message.id, Message.thread, Message.author, Message.body,
                                   Message.created_at)
                    .join(Thread).where(Thread.customer == customer_id)
                    .order_by(Message.created_at, Message.id))
        files = _grouped(Attachment.select(Attachment.message, Attachment.original_name,
                                           Attachment.content_type, Attachment.size)
                         .join(Message).join(Thread).where(Thread.customer == customer_id)
                         .order_by(Attachment.id), "message_id")
        self.messages = {}
        for message in messages:
            message.files = files.get(message.id, [])
            self.messages.setdefault(message.thread_id, []).append(message)
        self.events = list(SecurityEvent.select(SecurityEvent.kind, SecurityEvent.created_at)
                           .where(SecurityEvent.customer == customer_id)
                           .order_by(SecurityEvent.created_at, SecurityEvent.id))

    def maturity(self, agreement):
        return agreements.maturity(agreement)


def _grouped(query, key):
    grouped = {}
    for row in query:
        grouped.setdefault(getattr(row, key), []).append(row)
    return grouped


def size_of(customer_id):
    """The rows that make an export long to build (messages, attachments,
    payments, security events), counted in one query."""
    threads = Thread.select(Thread.id).where(Thread.customer == customer_id)
    owned = Agreement.select(Agreement.id).where(Agreement.customer == customer_id)
    counts = [
        Message.select(fn.COUNT(Message.id)).where(Message.thread.in_(threads)),
        Attachment.select(fn.COUNT(Attachment.id)).join(Message).where(Message.thread.in_(threads)),
        Payment.select(fn.COUNT(Payment.id)).where(Payment.agreement.in_(owned)),
        SecurityEvent.select(fn.COUNT(SecurityEvent.id)).where(SecurityEvent.customer == customer_id),
    ]
    row = Customer.select(*[count.alias(f"n{index}") for index, count in enumerate(counts)]).where(
        Customer.id == customer_id).tuples().get()
    return sum(int(value or 0) for value in row)


def too_big_to_build_now(customer_id):
    return size_of(customer_id) > current_app.config["DATA_EXPORT_QUEUE_ABOVE"]


# --- the file ----------------------------------------------------------------------------

def iso(value):
    """ISO 8601: a day as 2026-12-08, a moment (naive UTC) as 2026-12-08T14:03:00Z."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat() + "Z"
    return value.isoformat()


def amount(value):
    return None if value is None else str(value)


def as_data(held, site, made_at):
    """data.json's content: what the summary shows, for machines."""
    customer, currency = held.customer, site.market.currency
    return {
        "format": FORMAT,
        "made_at": iso(made_at),
        "market": customer.market,
        "brand": site.market.brand,
        "profile": {
            "title": customer.title, "first_name": customer.first_name,
            "last_name": customer.last_name, "email": customer.email, "phone": customer.phone,
            "street": customer.street, "postal_code": customer.postal_code, "city": customer.city,
            "region": customer.region, "language": customer.locale,
            "registered_at": iso(customer.created_at), "activated_at": iso(customer.activated_at),
            "last_sign_in_at": iso(customer.last_login_at),
        },
        "agreements": [{
            "contract_number": agreement.contract_number, "kind": agreement.kind,
            "vehicle": agreement.vehicle_model, "vin": agreement.vin,
            "currency": currency, "monthly_payment": amount(agreement.monthly_payment),
            "balance": amount(agreement.balance), "residual_value": amount(agreement.residual_value),
            "yearly_rate_percent": amount(agreement.rate),
            "start_date": iso(agreement.start_date), "term_months": agreement.term_months,
            "maturity_date": iso(held.maturity(agreement)), "linked_at": iso(agreement.linked_at),
            "payments": [{"paid_on": iso(payment.paid_on), "amount": amount(payment.amount)}
                         for payment in held.payments.get(agreement.id, [])],
            "documents": [{"title": document.title, "kind": document.kind,
                           "issued_on": iso(document.issued_on), "size_bytes": document.size,
                           "first_opened_at": iso(document.opened_at)}
                          for document in held.documents.get(agreement.id, [])],
        } for agreement in held.agreements],
        "payoff_quotes": [{
            "number": quote.number, "contract_number": quote.contract_number,
            "payoff_date": iso(quote.payoff_date), "currency": quote.currency,
            "total": amount(quote.total),
            "lines": [[what, value] for what, value in json.loads(quote.lines)],
            "given_at": iso(quote.created_at),
        } for quote in held.quotes],
        "remembered_devices": [{
            "label": device.label, "remembered_at": iso(device.created_at),
            "last_used_at": iso(device.last_used_at), "expires_at": iso(device.expires_at),
            "forgotten_at": iso(device.revoked_at),
        } for device in held.devices],
        "message_threads": [{
            "reference": thread.id, "kind": thread.kind, "topic": thread.topic,
            "status": thread.status, "started_at": iso(thread.created_at),
            "contract_number": thread.agreement.contract_number if thread.agreement else None,
            "messages": [{
                "from": "you" if message.author == "customer" else "customer_care",
                "sent_at": iso(message.created_at), "text": message.body,
                "attachments": [{"name": file.original_name, "type": file.content_type,
                                 "size_bytes": file.size} for file in message.files],
            } for message in held.messages.get(thread.id, [])],
        } for thread in held.threads],
        "security_events": [{"kind": event.kind, "at": iso(event.created_at)}
                            for event in held.events],
        # Said plainly rather than left out: the log keeps no address or place.
        "sign_in_ip_addresses_kept": False,
        "sign_in_places_kept": False,
    }


def build_archive(customer_id, site):
    """The zip file's bytes, in the language and formats of `site`."""
    made_at = utcnow().replace(microsecond=0)
    held = Holdings(customer_id)
    with rendering_for(site.locale, site):
        summary = render_template("profile/data_export_summary.html", held=held, made_at=made_at,
                                  event_label=event_label, site=site, market=site.market,
                                  language=customer_site(held.customer))
    data = json.dumps(as_data(held, site, made_at), ensure_ascii=False, indent=2, sort_keys=False)
    buffer = io.BytesIO()
    stamp = made_at.timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(SUMMARY_NAME, stamp), summary.encode("utf-8"),
                         zipfile.ZIP_DEFLATED)
        archive.writestr(zipfile.ZipInfo(DATA_NAME, stamp), data.encode("utf-8"),
                         zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def file_name(site, day):
    """A safe ASCII name for the download: "mini-financial-services-my-data-2026-12-08.zip"."""
    brand = unicodedata.normalize("NFKD", site.market.brand).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", brand.lower()).strip("-") or "keyfob"
    return f"{slug}-my-data-{day.isoformat()}.zip"


def exported_now(customer_id, site):
    """Build the file in the request (a size under the threshold): its bytes,
    logged."""
    archive = build_archive(customer_id, site)
    log_event("data_exported", customer_id, "download")
    return archive


# --- the queued ones ---------------------------------------------------------------------

def queue(customer_id, locale):
    """Queue an export for the worker, unless one is queued already (a
    double click); returns its row."""
    waiting = DataExport.get_or_none(DataExport.customer == customer_id,
                                     DataExport.ready_at.is_null())
    if waiting is not None:
        return waiting
    return DataExport.create(customer=customer_id, locale=locale,
                             stored_name=secrets.token_hex(16) + ".zip")


def path_of(row):
    return os.path.join(current_app.config["EXPORTS_DIR"], row.stored_name)


def _remove(row):
    Path(path_of(row)).unlink(missing_ok=True)


def build_queued(limit=10):
    """The worker's part: build each queued export into its file, then email
    its link. Each row is claimed by one UPDATE first, so several workers
    never build one twice; a worker that dies leaves its claim to expire and
    another one builds it. Returns how many were made ready."""
    made = 0
    now = utcnow()
    waiting = (DataExport.select(DataExport.id)
               .where(DataExport.ready_at.is_null(),
                      DataExport.claimed_until.is_null() | (DataExport.claimed_until < now))
               .order_by(DataExport.requested_at, DataExport.id).limit(limit))
    for (export_id,) in waiting.tuples():
        claimed = DataExport.update(claimed_until=now + timedelta(seconds=CLAIM_SECONDS)).where(
            DataExport.id == export_id, DataExport.ready_at.is_null(),
            DataExport.claimed_until.is_null() | (DataExport.claimed_until < now)).execute()
        if not claimed:
            continue
        row = DataExport.get_or_none(DataExport.id == export_id)
        if row is None:
            continue        # its customer closed the account meanwhile
        try:
            _make_ready(row)
        except Exception:   # noqa: BLE001 the round's emails must still go; it is tried again
            log.exception("data export %s could not be built; tried again in %s s",
                          export_id, CLAIM_SECONDS)
            continue
        made += 1
    return made


def _make_ready(row):
    site = SITES.get(site_code(row.locale)) or customer_site(row.customer)
    archive = build_archive(row.customer_id, site)
    os.makedirs(current_app.config["EXPORTS_DIR"], exist_ok=True)
    path = path_of(row)
    with open(path + ".part", "wb") as f:
        f.write(archive)
    os.replace(path + ".part", path)
    hours = current_app.config["DATA_EXPORT_LINK_HOURS"]
    secret = new_secret()
    now = utcnow()
    customer = Customer.get_by_id(row.customer_id)
    with database.atomic():
        DataExport.update(token_hash=digest(secret), ready_at=now, claimed_until=None,
                          expires_at=now + timedelta(hours=hours)).where(
            DataExport.id == row.id).execute()
        # Only the newest file's link works, as with every other link.
        for older in DataExport.select().where(
                DataExport.customer == row.customer_id, DataExport.id != row.id,
                DataExport.ready_at.is_null(False), DataExport.downloaded_at.is_null()):
            DataExport.update(expires_at=now).where(DataExport.id == older.id).execute()
            _remove(older)
        accounts.mail_customer(
            customer, "data_export_ready",
            _l("Your data from %(brand)s is ready", brand=customer_site(customer).market.brand),
            link=customer_link("profile.data_export_link", customer, token=secret), hours=hours)
        log_event("data_exported", customer, "by email")


class LinkState(Enum):
    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"
    INVALID = "invalid"      # unknown, or another customer's


def ready_export(secret, customer_id):
    """(state, row) of an emailed link's token for the signed-in customer:
    another customer's link is answered as an unknown one."""
    if not secret or len(secret) > 100:
        return LinkState.INVALID, None
    row = DataExport.get_or_none(DataExport.token_hash == digest(secret),
                                 DataExport.customer == customer_id)
    if row is None:
        return LinkState.INVALID, None
    if row.downloaded_at is not None:
        return LinkState.USED, row
    if row.expires_at <= utcnow() or not os.path.isfile(path_of(row)):
        return LinkState.EXPIRED, row
    return LinkState.VALID, row


def take(row):
    """The file of a valid link, once: its bytes, and the file is gone; None
    when another request took it first or it has expired meanwhile."""
    now = utcnow()
    taken = DataExport.update(downloaded_at=now).where(
        DataExport.id == row.id, DataExport.downloaded_at.is_null(),
        DataExport.expires_at > now).execute()
    if not taken:
        return None
    try:
        with open(path_of(row), "rb") as f:
            archive = f.read()
    except FileNotFoundError:
        return None
    _remove(row)
    return archive


# --- forgetting --------------------------------------------------------------------------

def forget_customer(customer):
    """Delete the customer's exports, rows and files (closing the account)."""
    customer_id = getattr(customer, "id", customer)
    for row in DataExport.select().where(DataExport.customer == customer_id):
        _remove(row)
    return DataExport.delete().where(DataExport.customer == customer_id).execute()


def purge_old():
    """Delete the exports whose link was used or has expired, files first
    (`flask accounts purge`). Returns how many."""
    now = utcnow()
    old = DataExport.select().where(DataExport.downloaded_at.is_null(False)
                                    | (DataExport.expires_at < now))
    ids = []
    for row in old:
        _remove(row)
        ids.append(row.id)
    if ids:
        DataExport.delete().where(DataExport.id.in_(ids)).execute()
    return len(ids)
