"""What the dashboard and the agreement page show of an agreement, computed
from its terms: the next due date and the maturity. Queries are bounded so
that a page costs the same whatever the number of agreements or payments."""
from dataclasses import dataclass
from datetime import date

from peewee import fn

from domain.payoff import due_dates
from models import Agreement, Document, Payment

PAYMENTS_PER_PAGE = 12


@dataclass
class Card:
    agreement: Agreement
    next_due: date          # None once every payment has fallen due
    new_documents: int


def of_customer(customer_id):
    """The customer's agreements, in the order they were linked."""
    return list(Agreement.select().where(Agreement.customer == customer_id)
                .order_by(Agreement.linked_at, Agreement.id))


def next_due(agreement, today):
    return next((due for due in due_dates(agreement.start_date, agreement.term_months)
                 if due >= today), None)


def maturity(agreement):
    return due_dates(agreement.start_date, agreement.term_months)[-1]


def cards(customer_id, today):
    """The dashboard: each linked agreement with its next due date and the
    number of documents not opened yet, in two queries."""
    agreements = list(Agreement.select().where(Agreement.customer == customer_id)
                      .order_by(Agreement.linked_at, Agreement.id))
    new = dict(Document.select(Document.agreement, fn.COUNT(Document.id))
               .where(Document.agreement.in_([a.id for a in agreements]),
                      Document.opened_at.is_null())
               .group_by(Document.agreement).tuples())
    return [Card(a, next_due(a, today), new.get(a.id, 0)) for a in agreements]


def payments_page(agreement, page):
    """(payments of that page, newest first; number of pages)."""
    count = Payment.select().where(Payment.agreement == agreement.id).count()
    pages = max(1, -(-count // PAYMENTS_PER_PAGE))
    page = min(max(page, 1), pages)
    rows = list(Payment.select().where(Payment.agreement == agreement.id)
                .order_by(Payment.paid_on.desc(), Payment.id.desc())
                .paginate(page, PAYMENTS_PER_PAGE))
    return rows, page, pages


def documents(agreement):
    return list(Document.select().where(Document.agreement == agreement.id)
                .order_by(Document.issued_on.desc(), Document.id.desc()))
