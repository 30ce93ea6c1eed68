"""The agents' queue: customers' threads (messages and service requests)
filtered and in the order they should be answered, the longest waiting
first; a thread with what an agent needs beside it; assigning, closing
and reopening; an agent's answer.

Every page of the queue costs the same number of queries however many
threads there are: the customer, the agreement and the assignee of each
thread come in the one query of the page.
"""
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from peewee import JOIN

from domain import account_closing, messages, roles
from domain.db import KeptQuery, database, rows_as_models
from domain.ids import parse_id
from models import Agreement, Customer, Staff, Thread

PER_PAGE = 50
STATUSES = ("open", "closed")
# The assignee filter: anyone, the member asking, nobody, or a member's id.
ANYONE, ME, UNASSIGNED = "anyone", "me", "unassigned"


@dataclass(frozen=True)
class Filters:
    market: Optional[str] = None        # None: every market
    topic: Optional[str] = None         # None: every topic
    status: str = "open"
    assignee: str = ANYONE              # ANYONE, ME, UNASSIGNED or a member's id as text


# Asked on every page of the queue (its filter), built once (domain.db.KeptQuery).
TEAM = KeptQuery(lambda: (
    Staff.select().where(Staff.active == True, Staff.role.in_(roles.that_may("queue")))  # noqa: E712
    .order_by(Staff.name, Staff.id)))


def team():
    """The active members who can take a thread, by name."""
    return TEAM()


def _conditions(filters, me):
    conditions = [Thread.status == filters.status]
    if filters.market:
        conditions.append(Thread.market == filters.market)
    if filters.topic:
        conditions.append(Thread.topic == filters.topic)
    if filters.assignee == ME:
        conditions.append(Thread.assignee == me.id)
    elif filters.assignee == UNASSIGNED:
        conditions.append(Thread.assignee.is_null())
    elif parse_id(filters.assignee) is not None:
        conditions.append(Thread.assignee == parse_id(filters.assignee))
    return conditions


def _with_people(*columns):
    """Threads with their customer, agreement (or None) and assignee (or
    None), joined in one query: whole rows, or only `columns` of them."""
    return (Thread.select(Thread, *(columns or (Customer, Agreement, Staff)))
            .join(Customer, on=(Thread.customer == Customer.id))
            .switch(Thread)
            .join(Agreement, JOIN.LEFT_OUTER, on=(Thread.agreement == Agreement.id))
            .switch(Thread)
            .join(Staff, JOIN.LEFT_OUTER, on=(Thread.assignee == Staff.id)))


# What a queue page shows of each thread's people: building whole rows of
# them (an agreement has two dozen columns) would cost more than the query.
LISTED = (Customer.id, Customer.first_name, Customer.last_name, Customer.status, Agreement.id,
          Agreement.contract_number, Staff.id, Staff.name)


def position(thread):
    """Where a thread stands in the queue, as the page after it asks for
    it: "w.<waiting since>.<id>" while it waits, "a.<updated>.<id>" after."""
    if thread.waiting_since is not None:
        return f"w.{thread.waiting_since.isoformat()}.{thread.id}"
    return f"a.{thread.updated_at.isoformat()}.{thread.id}"


def parse_position(text):
    """("w" or "a", time, id) of a position() text, or None for anything else."""
    try:
        stream, rest = text[:80].split(".", 1)
        moment, thread_id = rest.rsplit(".", 1)
        thread_id = parse_id(thread_id)
        if stream not in ("w", "a") or thread_id is None:
            return None
        return stream, datetime.fromisoformat(moment), thread_id
    except (ValueError, AttributeError, TypeError):
        return None


def queue_page(filters, me, after=None):
    """(threads of the page, the position() of its last thread when there
    is a next page, else None): those waiting for an answer first, the
    longest waiting first; then the others, the latest first.

    Keyset pages: each stream is read from where the last page ended,
    along an index ((status, waiting_since) and (status, updated_at), and
    the same with the market first), so a page costs the same however
    many threads there are; no page counts them all. One query, or two
    where the page passes from the waiting threads to the others."""
    conditions = _conditions(filters, me)
    wanted = PER_PAGE + 1             # one more: is there a next page?
    start = parse_position(after)
    rows = []
    if start is None or start[0] == "w":
        waiting = _with_people(*LISTED).where(*conditions, Thread.waiting_since.is_null(False))
        if start is not None:
            _stream, moment, thread_id = start
            # The >= alone is what lets the index start at the position;
            # the OR then settles the ties.
            waiting = waiting.where(Thread.waiting_since >= moment,
                                    (Thread.waiting_since > moment)
                                    | ((Thread.waiting_since == moment) & (Thread.id > thread_id)))
        rows = rows_as_models(waiting.order_by(Thread.waiting_since, Thread.id).limit(wanted))
    if len(rows) < wanted:
        answered = _with_people(*LISTED).where(*conditions, Thread.waiting_since.is_null())
        if start is not None and start[0] == "a":
            _stream, moment, thread_id = start
            answered = answered.where(Thread.updated_at <= moment,
                                      (Thread.updated_at < moment)
                                      | ((Thread.updated_at == moment) & (Thread.id < thread_id)))
        rows += rows_as_models(answered.order_by(Thread.updated_at.desc(), Thread.id.desc())
                               .limit(wanted - len(rows)))
    threads = rows[:PER_PAGE]
    return threads, position(threads[-1]) if len(rows) > PER_PAGE else None


def find(thread_id):
    """The thread with its customer, agreement and assignee, or None."""
    return _with_people().where(Thread.id == thread_id).first()


def conversation(thread):
    """The messages oldest first, each with .files and, for an answer,
    .staff_name (one query for all the names)."""
    found = messages.conversation(thread)
    ids = {m.staff_id for m in found if m.staff_id}
    names = dict(Staff.select(Staff.id, Staff.name).where(Staff.id.in_(ids)).tuples()) if ids else {}
    for message in found:
        message.staff_name = names.get(message.staff_id, "")
    return found


def customer_agreements(customer_id):
    return list(Agreement.select().where(Agreement.customer == customer_id)
                .order_by(Agreement.contract_number))


def assign(thread, member_id):
    """Give the thread to the member with this id if they can take it
    (active, and their role may work the queue: domain.roles); that member, or None."""
    member = Staff.get_or_none(Staff.id == member_id, Staff.active == True,  # noqa: E712
                               Staff.role.in_(roles.that_may("queue")))
    if member is not None:
        Thread.update(assignee=member.id).where(Thread.id == thread.id).execute()
    return member


def release(thread):
    """Nobody's again: back in the queue for anyone to take."""
    Thread.update(assignee=None).where(Thread.id == thread.id).execute()


def close(thread):
    """An agent decides that nothing more is owed (a "thank you" needs no
    answer): the thread leaves the wait too, so that when the customer
    writes again weeks later, they wait from then, not from before."""
    Thread.update(status="closed", waiting_since=None).where(Thread.id == thread.id).execute()


def reopen(thread):
    """Open again; False for a thread of a customer who closed their online
    account (domain.account_closing): their messages are only kept, and
    nobody can read an answer."""
    with database.atomic():
        if not account_closing.lock_open_account(thread.customer_id):
            return False
        Thread.update(status="open").where(Thread.id == thread.id).execute()
    return True


def reply(staff, thread, body, uploads=()):
    """An agent's answer (domain.messages.staff_reply: unread for the
    customer, out of the wait, an email without the text). An answer to a
    closed thread opens it again: the conversation goes on. None, and
    nothing written, when the customer closed their account meanwhile."""
    with database.atomic():
        if not reopen(thread):
            return None
        return messages.staff_reply(staff, thread, body, uploads)
