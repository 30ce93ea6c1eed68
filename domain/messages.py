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
from domain.db import KeptQuery, database
from domain.links import customer_link
from domain.markets import customer_site
from domain.paging import page_within
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


# Every URL with a thread in it asks this (views.messages.owned_thread).
OWNED_THREAD = KeptQuery(lambda thread_id, customer_id: (
    Thread.select(Thread, Agreement)
    .join(Agreement, JOIN.LEFT_OUTER, on=(Thread.agreement == Agreement.id), attr="agreement")
    .where(Thread.id == thread_id, Thread.customer == customer_id)))


def owned_thread(thread_id, customer_id):
    """The customer's thread with that id, with its agreement (or None), or
    None when it is not theirs."""
    found = OWNED_THREAD(thread_id=thread_id, customer_id=customer_id)
    return found[0] if found else None


def read_on_open(thread):
    """The customer opened the thread (as loaded by owned_thread): its
    answer is read. True when it was unread until now (one request says so,
    however many open it at once). Most openings find nothing to mark, and
    then write nothing."""
    if not thread.customer_unread:
        return False
    thread.customer_unread = False
    return Thread.update(customer_unread=False).where(
        Thread.id == thread.id, Thread.customer_unread).execute() > 0


def unread_count(customer_id):
    """For the header of every page: one COUNT."""
    return (Thread.select(fn.COUNT(Thread.id))
            .where(Thread.customer == customer_id, Thread.customer_unread)
            .scalar())


THREAD_COUNT = KeptQuery(lambda customer_id: (
    Thread.select(fn.COUNT(Thread.id).alias("count")).where(Thread.customer == customer_id)))
# The page of threads, each with only what the inbox shows of its agreement
# (building a whole Agreement, two dozen columns and decimals, costs more
# than the query) and its newest message.
NEWEST = Message.alias()
INBOX = KeptQuery(lambda customer_id, limit, offset: (
    Thread.select(Thread, Agreement.id, Agreement.vehicle_model, Agreement.contract_number, Message)
    .join(Agreement, JOIN.LEFT_OUTER, on=(Thread.agreement == Agreement.id), attr="agreement")
    .switch(Thread)
    .join(Message, JOIN.LEFT_OUTER, attr="last_message", on=(Message.id == (
        NEWEST.select(fn.MAX(NEWEST.id)).where(NEWEST.thread == Thread.id))))
    .where(Thread.customer == customer_id)
    .order_by(Thread.updated_at.desc(), Thread.id.desc())
    .limit(limit).offset(offset)))


def inbox_page(customer_id, page):
    """(threads of that page, newest first, each with its agreement (or
    None) and .last_message; the page; the number of pages), in two
    queries."""
    count = THREAD_COUNT(customer_id=customer_id)[0].count
    page, pages, offset = page_within(count, THREADS_PER_PAGE, page)
    threads = INBOX(customer_id=customer_id, limit=THREADS_PER_PAGE, offset=offset)
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


CONVERSATION = KeptQuery(lambda thread_id: (
    Message.select(Message, Attachment.select(fn.COUNT(Attachment.id)).where(
        Attachment.message == Message.id).alias("file_count"))
    .where(Message.thread == thread_id).order_by(Message.created_at, Message.id)))
FILES = KeptQuery(lambda thread_id: (
    Attachment.select(Attachment).join(Message)
    .where(Message.thread == thread_id).order_by(Attachment.id)))


def conversation(thread):
    """The messages of a thread, oldest first, with their attachments: one
    query, and one more when a message has files."""
    messages = CONVERSATION(thread_id=thread.id)
    files = {}
    if any(message.file_count for message in messages):
        for attachment in FILES(thread_id=thread.id):
            files.setdefault(attachment.message_id, []).append(attachment)
    for message in messages:
        message.files = files.get(message.id, [])
    return messages
