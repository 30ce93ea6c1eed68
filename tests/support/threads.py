"""Message threads as customers open them, for the back office's tests."""
from domain import messages, service
from domain.clock import utcnow
from models import Thread
from support.customers import make_customer


def make_thread(app, customer=None, agreement=None, topic="payments", body="Eine Frage.",
                waited=None, updated=None, kind="message", **values):
    """A thread opened by the customer (domain.messages.open_thread); `waited`
    (a timedelta) how long they have waited, None: answered `updated` ago."""
    customer = customer or make_customer()
    with app.test_request_context():
        if kind == "service":
            thread = service.open_request(customer, agreement, topic, body)
        else:
            thread = messages.open_thread(customer, agreement, topic, body)
    now = utcnow()
    changes = dict(values)
    if waited is not None:
        changes.update(waiting_since=now - waited, updated_at=now - waited)
    elif updated is not None:
        changes.update(waiting_since=None, updated_at=now - updated)
    if changes:
        Thread.update(**changes).where(Thread.id == thread.id).execute()
    return Thread.get_by_id(thread.id)
