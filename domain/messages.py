"""The secure message center: threads between a customer and customer care.

A customer's message opens a thread (or adds to one) and puts it in the
agents' queue (waiting_since); an agent's reply marks the thread unread for
the customer, takes it out of the queue, and emails the customer that
there is a new message. That email carries no message text and no amount:
only a link to the message center. Service requests (domain.service) are
threads of kind "service" and are answered the same way.
"""
from flask_babel import lazy_gettext as _l
from peewee import JOIN, fn

from domain import accounts, attachments
from domain.clock import utcnow
from domain.db import database
from domain.links import customer_link
from domain.markets import customer_site
from models import Agreement, Attachment, Customer, Message, Thread

BODY_MAX = 2000
THREADS_PER_PAGE = 20
EXCERPT_LENGTH = 80


def open_thread(customer, agreement, topic, body, uploads=(), kind="message"):
    """A new thread with the customer's first message; returns the thread."""
    now = utcnow()
    with database.atomic():
        thread = Thread.create(customer=customer.id, market=customer.market,
                               agreement=agreement.id if agreement else None, kind=kind,
                               topic=topic, created_at=now, updated_at=now, waiting_since=now)
        message = Message.create(thread=thread, author="customer", body=body, created_at=now)
        attachments.save(message, uploads)
    return thread


def customer_reply(thread, body, uploads=()):
    """The customer writes again: the thread waits for care again (since
    the first unanswered message) and opens if it was closed. Whoever
    answers has read what came before."""
    now = utcnow()
    with database.atomic():
        message = Message.create(thread=thread, author="customer", body=body, created_at=now)
        attachments.save(message, uploads)
        Thread.update(updated_at=now, status="open", customer_unread=False,
                      waiting_since=fn.COALESCE(Thread.waiting_since, now)).where(
            Thread.id == thread.id).execute()
    return message


def staff_reply(staff, thread, body, uploads=()):
    """An agent answers: the customer sees the thread unread and gets an
    email that says so, in their language, in the same transaction."""
    now = utcnow()
    customer = Customer.get_by_id(thread.customer_id)
    with database.atomic():
        message = Message.create(thread=thread, author="staff", staff=staff.id, body=body,
                                 created_at=now)
        attachments.save(message, uploads)
        Thread.update(updated_at=now, customer_unread=True, waiting_since=None).where(
            Thread.id == thread.id).execute()
        notify_customer(customer, thread)
    return message


def notify_customer(customer, thread):
    """No text of the message and no amount: a link to sign in and read it."""
    link = customer_link("messages.thread", customer, thread_id=thread.id)
    accounts.mail_customer(customer, "new_message",
                           _l("You have a new message from %(brand)s",
                              brand=customer_site(customer).market.brand), link=link)


def read_on_open(customer_id, thread_id):
    """The customer opened the thread: its answer is read. True when it was
    unread until now (one request says so, however many open it at once);
    nothing happens for a thread that is not theirs."""
    unread = (Thread.id == thread_id) & (Thread.customer == customer_id) & Thread.customer_unread
    # Looked up first: most openings find nothing to mark, and a read is no write.
    if not Thread.select(Thread.id).where(unread).exists():
        return False
    return Thread.update(customer_unread=False).where(unread).execute() > 0


def unread_count(customer_id):
    """For the header of every page: one COUNT."""
    return (Thread.select(fn.COUNT(Thread.id))
            .where(Thread.customer == customer_id, Thread.customer_unread)
            .scalar())


def inbox_page(customer_id, page):
    """(threads of that page, newest first, each with its agreement (or
    None) and .last_message; the page; the number of pages), in a fixed
    number of queries."""
    pages = max(1, -(-Thread.select().where(Thread.customer == customer_id).count()
                     // THREADS_PER_PAGE))
    page = min(max(page, 1), pages)
    # Only what the inbox shows of the agreement: building a whole
    # Agreement (two dozen columns, decimals) for each row costs more than
    # the query.
    threads = list(Thread.select(Thread, Agreement.id, Agreement.vehicle_model,
                                 Agreement.contract_number)
                   .join(Agreement, JOIN.LEFT_OUTER, on=(Thread.agreement == Agreement.id))
                   .where(Thread.customer == customer_id)
                   .order_by(Thread.updated_at.desc(), Thread.id.desc())
                   .paginate(page, THREADS_PER_PAGE))
    last = {}
    if threads:
        # The newest message of each thread shown, in one query.
        newest = (Message.select(Message.thread, fn.MAX(Message.id).alias("last_id"))
                  .where(Message.thread.in_([t.id for t in threads])).group_by(Message.thread))
        ids = [row.last_id for row in newest]
        last = {m.thread_id: m for m in Message.select().where(Message.id.in_(ids))}
    for thread in threads:
        thread.last_message = last.get(thread.id)
    return threads, page, pages


def excerpt(text, length=EXCERPT_LENGTH):
    """The start of a message on one line, cut at a word when there is one
    near the end."""
    flat = " ".join(text.split())
    if len(flat) <= length:
        return flat
    cut = flat[:length]
    space = cut.rfind(" ")
    if space > length * 2 // 3:
        cut = cut[:space]
    return cut.rstrip(" .,;:") + "…"


def conversation(thread):
    """The messages of a thread, oldest first, with their attachments, in
    two queries."""
    messages = list(Message.select().where(Message.thread == thread.id)
                    .order_by(Message.created_at, Message.id))
    files = {}
    if messages:
        for attachment in Attachment.select().where(
                Attachment.message.in_([m.id for m in messages])).order_by(Attachment.id):
            files.setdefault(attachment.message_id, []).append(attachment)
    for message in messages:
        message.files = files.get(message.id, [])
    return messages
