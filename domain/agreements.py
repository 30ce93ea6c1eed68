"""What the dashboard and the agreement page show of an agreement, computed
from its terms: the next due date and the maturity. Queries are bounded so
that a page costs the same whatever the number of agreements or payments."""
from dataclasses import dataclass
from datetime import date, timedelta

from peewee import fn

from domain.db import KeptQuery
from domain.paging import page_within
from domain.payoff import due_dates
from models import Agreement, Document, Payment

PAYMENTS_PER_PAGE = 12
# A payment pays the installment due on or before it, or one falling due up
# to this many days later: customers often pay ahead of the due day.
PAID_AHEAD_DAYS = 15


@dataclass
class Card:
    agreement: Agreement
    next_due: date          # None once every payment has fallen due
    new_documents: int
    overdue: bool = False   # next_due has passed without a payment


def of_customer(customer_id):
    """The customer's agreements, in the order they were linked."""
    return list(Agreement.select().where(Agreement.customer == customer_id)
                .order_by(Agreement.linked_at, Agreement.id))


def next_due(agreement, today, last_paid_on=None):
    """The installment to pay next: the first one after the installment the
    last payment paid, so that one missed shows as due, in the past (seed
    demo: paid 1 November, on 4 December the one of 1 December is due, not
    "1 January"). With no payment on file (an agreement just started), the
    first due date from today."""
    dues = due_dates(agreement.start_date, agreement.term_months)
    if last_paid_on is None:
        return next((due for due in dues if due >= today), None)
    paid_up_to = last_paid_on + timedelta(days=PAID_AHEAD_DAYS)
    return next((due for due in dues if due > paid_up_to), None)


def next_payment(agreement, today, last_paid_on=None):
    """(the next_due date or None, whether it has passed unpaid)."""
    due = next_due(agreement, today, last_paid_on)
    return due, due is not None and due < today


def last_paid_on(agreement_ids):
    """{agreement id: the day of its latest payment}, in one query."""
    return dict(Payment.select(Payment.agreement, fn.MAX(Payment.paid_on))
                .where(Payment.agreement.in_(list(agreement_ids)))
                .group_by(Payment.agreement).tuples())


def maturity(agreement):
    return due_dates(agreement.start_date, agreement.term_months)[-1]


def latest_payment():
    """An Agreement query's column: the day of the agreement's latest
    payment (read it with paid_day())."""
    return Payment.select(fn.MAX(Payment.paid_on)).where(
        Payment.agreement == Agreement.id).alias("last_paid_on")


def paid_day(value):
    # A subquery's value comes as the database gives it (a text on SQLite).
    return Payment.paid_on.python_value(value)


# The dashboard's cards in one query: each linked agreement with its count
# of documents not opened yet and the day of its latest payment.
CARDS = KeptQuery(lambda customer_id: (
    Agreement.select(
        Agreement,
        Document.select(fn.COUNT(Document.id)).where(
            Document.agreement == Agreement.id, Document.opened_at.is_null()).alias("new_documents"),
        latest_payment())
    .where(Agreement.customer == customer_id)
    .order_by(Agreement.linked_at, Agreement.id)))


def cards(customer_id, today):
    """The dashboard: each linked agreement, in the order they were linked,
    with its next due date and the number of documents not opened yet."""
    cards = []
    for agreement in CARDS(customer_id=customer_id):
        due, overdue = next_payment(agreement, today, paid_day(agreement.last_paid_on))
        cards.append(Card(agreement, due, agreement.new_documents or 0, overdue))
    return cards


# Every URL with an agreement in it asks this (views.shared.guards).
OWNED = KeptQuery(lambda agreement_id, customer_id: (
    Agreement.select().where(Agreement.id == agreement_id, Agreement.customer == customer_id)))


def owned(agreement_id, customer_id):
    """The customer's agreement with that id, or None."""
    found = OWNED(agreement_id=agreement_id, customer_id=customer_id)
    return found[0] if found else None


# The agreement page's agreement with its number of payments and the day of
# the latest.
WITH_PAYMENTS = KeptQuery(lambda agreement_id, customer_id: (
    Agreement.select(
        Agreement,
        Payment.select(fn.COUNT(Payment.id)).where(
            Payment.agreement == Agreement.id).alias("payment_count"),
        latest_payment())
    .where(Agreement.id == agreement_id, Agreement.customer == customer_id)))
PAYMENTS = KeptQuery(lambda agreement_id, limit, offset: (
    Payment.select().where(Payment.agreement == agreement_id)
    .order_by(Payment.paid_on.desc(), Payment.id.desc()).limit(limit).offset(offset)))
DOCUMENTS = KeptQuery(lambda agreement_id: (
    Document.select().where(Document.agreement == agreement_id)
    .order_by(Document.issued_on.desc(), Document.id.desc())))


@dataclass
class Page:
    """What the agreement page shows besides the agreement's terms."""
    payments: list
    page: int
    pages: int
    next_due: date
    overdue: bool
    documents: list


def agreement_page(agreement_id, customer_id, page, today):
    """(the customer's agreement, its Page with that page of payments,
    newest first), in three queries; None when the agreement is not theirs."""
    found = WITH_PAYMENTS(agreement_id=agreement_id, customer_id=customer_id)
    if not found:
        return None
    agreement = found[0]
    page, pages, offset = page_within(agreement.payment_count, PAYMENTS_PER_PAGE, page)
    payments = PAYMENTS(agreement_id=agreement.id, limit=PAYMENTS_PER_PAGE, offset=offset)
    due, overdue = next_payment(agreement, today, paid_day(agreement.last_paid_on))
    return agreement, Page(payments, page, pages, due, overdue,
                           DOCUMENTS(agreement_id=agreement.id))
