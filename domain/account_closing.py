"""Closing an online account, and forgetting it once the law allows.

Closing ends the customer's use of the portal, not their agreements: those
go on with the lender, and the letters the law asks for still go by post.

What closing deletes: every login session, remembered device, link
(activation, reset, address change), one-time code and data export (with
its file, domain.data_export); the payoff quotes the portal made; reset
requests, registration drafts and mails not sent yet to their address; the
login identity (address, password) and every detail the portal collected
(name, title, phone, postal address). Linked
agreements are unlinked (they are the lender's records, not ours). The
security log keeps its entries, but no longer says whose they were.

What closing keeps: the messages with customer care and their files, which
the lender must keep for the market's retention period
(`message_retention_years`, config/markets.toml). They hang on the
customer's row, emptied of everything above and marked closed; agents see
"closed their account" and cannot answer. A customer without messages
leaves no row at all. Once the period has passed, purge_closed_accounts()
(run by `flask accounts purge`) deletes the row with its messages and files.

The address is free at once: registering with it again makes a new
customer, who sees nothing of the old account.
"""
import logging
from datetime import timedelta
from pathlib import Path

from flask_babel import lazy_gettext as _l

from domain import attachments, data_export
from domain.accounts import email_key, forget_drafts, mail_customer
from domain.clock import utcnow
from domain.db import database
from domain.markets import MARKETS, customer_site
from domain.security_log import log_event
from models import (Agreement, Attachment, Customer, LoginSession, Message, OneTimeCode,
                    OutboxMessage, PayoffQuote, RememberedDevice, ResetRequest, SecurityEvent,
                    Thread, Token)

log = logging.getLogger(__name__)

CLOSED = "closed"

# What a closed account's row keeps of the columns that held personal data:
# nothing. The email key must stay unique per market, so it names the row.
EMPTIED = dict(email="", title="", first_name="", last_name="", password_hash="", phone="",
               street="", postal_code="", city="", region="", failed_logins=0, locked_at=None,
               activated_at=None, last_login_at=None)


def close_account(customer):
    """Close `customer`'s online account (see the module's docstring). The
    confirmation mail is queued in the same transaction, to the address the
    account had, and its text is erased once sent."""
    with database.atomic():
        # A write first, which changes nothing: it takes the row (PostgreSQL)
        # or the database (SQLite) until the end, so an agent's answer
        # (domain.queue.reply, which starts the same way) comes wholly
        # before or after. A read first would make SQLite refuse this
        # transaction at once should another write come in between.
        if not lock_open_account(customer.id):
            return False            # closed by a twin request (a double click)
        customer = Customer.get_by_id(customer.id)
        # Whatever was waiting to go to this address or phone goes no more;
        # then the one mail that says it is done.
        recipients = [customer.email] + ([customer.phone] if customer.phone else [])
        OutboxMessage.delete().where(OutboxMessage.recipient.in_(recipients),
                                     OutboxMessage.sent_at.is_null()).execute()
        mail_customer(customer, "account_closed",
                      _l("Your %(brand)s online account is closed",
                         brand=customer_site(customer).market.brand),
                      sensitive=True)
        ResetRequest.delete().where(ResetRequest.market == customer.market,
                                    ResetRequest.email_key == email_key(customer.email)).execute()
        forget_drafts(customer.market, customer.email)
        for model in (LoginSession, RememberedDevice, Token, OneTimeCode, PayoffQuote):
            model.delete().where(model.customer == customer.id).execute()
        data_export.forget_customer(customer)
        Agreement.update(customer=None, linked_at=None, updated_at=utcnow()).where(
            Agreement.customer == customer.id).execute()
        SecurityEvent.update(customer=None, detail="").where(
            SecurityEvent.customer == customer.id).execute()
        if Thread.select().where(Thread.customer == customer.id).exists():
            # Nobody waits for an answer any more, and nobody reads it.
            Thread.update(status="closed", waiting_since=None, customer_unread=False).where(
                Thread.customer == customer.id).execute()
            Customer.update(status=CLOSED, closed_at=utcnow(), email_key=f"closed {customer.id}",
                            **EMPTIED).where(Customer.id == customer.id).execute()
        else:
            Customer.delete().where(Customer.id == customer.id).execute()
        log_event("account_closed", detail=f"market {customer.market}")
    return True


def lock_open_account(customer_id):
    """Inside a transaction: hold the customer's row while it is open (not
    closed); False when it is closed."""
    return Customer.update(status=Customer.status).where(
        Customer.id == customer_id, Customer.status != CLOSED).execute() == 1


def retention(market_key):
    """How long a closed account's messages are kept in this market."""
    # Years of 365.25 days: a day more or less is not what the law counts.
    return timedelta(days=round(365.25 * MARKETS[market_key].message_retention_years))


def purge_closed_accounts(now=None):
    """Delete the closed accounts whose market's retention period has passed
    since they closed, with their threads, messages and files. Returns how
    many accounts went."""
    now = now or utcnow()
    purged = 0
    for key in MARKETS:
        due = Customer.select(Customer.id).where(Customer.market == key,
                                                 Customer.status == CLOSED,
                                                 Customer.closed_at <= now - retention(key))
        for (customer_id,) in due.tuples():
            files = [attachments.path_of(row) for row in
                     Attachment.select(Attachment.stored_name).join(Message).join(Thread)
                     .where(Thread.customer == customer_id)]
            # The rows first (threads, messages and attachments go with the
            # customer): a file left behind by a crash is only an orphan,
            # while a row without its file would be a broken link.
            Customer.delete().where(Customer.id == customer_id,
                                    Customer.status == CLOSED).execute()
            for path in files:
                Path(path).unlink(missing_ok=True)
            purged += 1
    if purged:
        log.info("purged %s closed accounts past their retention period", purged)
    return purged
