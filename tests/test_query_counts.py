"""Every page a customer or an agent uses most costs the same number of SQL
queries whatever the amount of data: the queries of each page are counted
with a little data, then again after adding much more (other customers by
demo.scale.generate, and for the customer signed in more agreements,
payments, documents, threads, messages, attachments and help articles),
and must be exactly as many. A page whose count grows fails with the SQL
that came in addition, so the query that repeats is named.

The data is made once for the module (it takes a few seconds), and each
page is a test of its own."""
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest

from demo import scale
from domain import passwords
from domain.clock import utcnow
from domain.db import database
from models import (Agreement, Attachment, Customer, Document, HelpArticle, HelpArticleVersion,
                    Message, Payment, Thread)
from support.agreements import make_agreement
from support.apps import make_app
from support.customers import PASSWORD, login
from support.queries import counted_queries
from support.staff import staff_member, staff_signed_in

LANG = "de-at"       # Austria asks no code of the device: the pages show at once
SEARCHED = "Kundenkonto"     # in the body of every German article scale.generate makes

# (name, who asks, the URL once the data is there)
PAGES = [
    ("dashboard", "customer", lambda d: f"/{LANG}/account"),
    ("agreement", "customer", lambda d: f"/{LANG}/agreements/{d.agreement_id}"),
    ("agreement, last page of payments", "customer",
     lambda d: f"/{LANG}/agreements/{d.agreement_id}?page=99"),
    ("inbox", "customer", lambda d: f"/{LANG}/messages"),
    ("thread", "customer", lambda d: f"/{LANG}/messages/{d.thread_id}"),
    ("help home", "customer", lambda d: f"/{LANG}/help"),
    ("help article", "customer", lambda d: f"/{LANG}/help/articles/{d.article_key}"),
    ("help search", "customer", lambda d: f"/{LANG}/help/search?q={SEARCHED}"),
    ("agent queue", "agent", lambda d: "/staff/queue"),
    ("agent queue, other market", "agent", lambda d: "/staff/queue?market=ca"),
    ("agent thread", "agent", lambda d: f"/staff/queue/{d.thread_id}"),
]


def shape(sql):
    """The query without the length of its IN lists, which may differ."""
    return re.sub(r"\((?:\?|%s)(?:, (?:\?|%s))*\)", "(…)", sql)


@dataclass
class Data:
    customer: Customer
    agreement_id: int
    thread_id: int
    article_key: str


def add_payments(agreement, count, first):
    for n in range(count):
        Payment.create(agreement=agreement, reference=f"Q-{agreement.id}-{first + n}",
                       paid_on=date(2020, 1, 1) + timedelta(days=30 * (first + n)),
                       amount=Decimal("412.35"))


def add_documents(agreement, count, first):
    for n in range(first, first + count):
        Document.create(agreement=agreement, kind="statement", title=f"Kontoauszug {n}",
                        issued_on=date(2025, 1, 1) + timedelta(days=n),
                        stored_name=f"q{agreement.id:08d}{n:023d}.pdf",
                        original_name=f"statement-{n}.pdf", size=1000)


def add_threads(customer, agreement, count, messages_each=1):
    threads = []
    now = utcnow()
    for n in range(count):
        thread = Thread.create(customer=customer, market=customer.market, topic="payments",
                               agreement=agreement if n % 2 else None,
                               created_at=now - timedelta(hours=n + 1),
                               updated_at=now - timedelta(hours=n + 1),
                               waiting_since=now - timedelta(hours=n + 1),
                               customer_unread=n % 3 == 0)
        add_messages(thread, messages_each, [])
        threads.append(thread)
    return threads


def add_messages(thread, count, staff, attachments=0):
    """`count` messages, every other one an answer by one of `staff`."""
    now = utcnow()
    for n in range(count):
        answer = staff and n % 2 == 1
        message = Message.create(thread=thread, author="staff" if answer else "customer",
                                 staff=staff[n % len(staff)] if answer else None,
                                 body=f"Nachricht {n}: wann wird die nächste Rate abgebucht?",
                                 created_at=now - timedelta(minutes=count - n))
        if n < attachments:
            Attachment.create(message=message, stored_name=f"a{message.id:020d}.pdf",
                              original_name="beleg.pdf", content_type="application/pdf",
                              size=1000)


def count_pages(clients, data):
    """{page name: [SQL]} of each page, asked once before to warm up
    (the session's touch, the texts' revision, the like)."""
    counted = {}
    for name, who, url in PAGES:
        client = clients[who]
        client.get(url(data))
        with counted_queries() as queries:
            response = client.get(url(data))
        assert response.status_code == 200, (name, response.status_code)
        counted[name] = list(queries)
    return counted


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("query-counts"))
    customer_client, agent_client = app.test_client(), app.test_client()
    # A little data: a few other customers and articles in every market.
    scale.generate(20, messages_per_customer=4, articles_per_market=5, seed=1)
    me = Customer.create(market="at", locale="de_AT", email="anna.gruber@example.com",
                         email_key="anna.gruber@example.com", title="ms", first_name="Anna",
                         last_name="Gruber", password_hash=passwords.hash_password(PASSWORD),
                         status="active", activated_at=utcnow())
    agreement = make_agreement("at", customer=me, linked_at=utcnow())     # with 2 payments
    add_payments(agreement, 10, 0)
    add_documents(agreement, 1, 0)
    agent = staff_signed_in(agent_client, role="agent")
    colleagues = [staff_member("agent", name=f"Agent {n}")[0] for n in range(3)]
    thread, *_ = add_threads(me, agreement, 3)
    add_messages(thread, 4, [agent.id], attachments=1)                   # 5 messages
    article = (HelpArticle.select().where(HelpArticle.market == "at")
               .order_by(HelpArticle.id).first())
    data = Data(me, agreement.id, thread.id, article.key)
    assert login(customer_client, lang=LANG, email=me.email).status_code == 303
    clients = {"customer": customer_client, "agent": agent_client}
    few = count_pages(clients, data)
    sizes_few = sizes(me, agreement, thread)

    # Much more: hundreds of customers with their threads in the queue
    # (some assigned to the agents), more articles; and for the customer
    # signed in 3 agreements, 60 payments, 10 documents, 60 threads, 80
    # messages in the thread viewed answered by four agents, attachments.
    scale.generate(300, messages_per_customer=10, articles_per_market=20, seed=2)
    for _ in range(2):
        make_agreement("at", customer=me, linked_at=utcnow())
    add_payments(agreement, 48, 10)
    add_documents(agreement, 9, 1)
    add_threads(me, agreement, 57)
    add_messages(thread, 75, [agent.id] + [c.id for c in colleagues], attachments=12)
    many = count_pages(clients, data)
    sizes_many = sizes(me, agreement, thread)
    yield few, many, sizes_few, sizes_many
    if not database.is_closed():
        database.close()


def sizes(customer, agreement, thread):
    return {"customers": Customer.select().count(),
            "threads in the queue": Thread.select().where(Thread.status == "open").count(),
            "agreements": Agreement.select().where(Agreement.customer == customer.id).count(),
            "payments": Payment.select().where(Payment.agreement == agreement.id).count(),
            "documents": Document.select().where(Document.agreement == agreement.id).count(),
            "threads": Thread.select().where(Thread.customer == customer.id).count(),
            "messages": Message.select().where(Message.thread == thread.id).count(),
            "help versions": HelpArticleVersion.select().count()}


def test_the_data_grew_a_lot(measured):
    _few, _many, before, after = measured
    assert after["customers"] >= 10 * before["customers"]
    assert (before["threads"], after["threads"]) == (3, 60)
    assert (before["messages"], after["messages"]) == (5, 80)
    assert (before["payments"], after["payments"]) == (12, 60)
    assert (before["agreements"], after["agreements"]) == (1, 3)
    assert after["threads in the queue"] > 50 > before["threads in the queue"]
    assert after["help versions"] > 3 * before["help versions"]


@pytest.mark.parametrize("page", [name for name, _who, _url in PAGES])
def test_a_page_costs_the_same_queries_with_much_more_data(measured, page):
    """No more queries with more data, and none of another shape. (Fewer is
    allowed: a queue page full of waiting threads needs no second query for
    the answered ones.)"""
    few, many, _before, _after = measured
    added = Counter(map(shape, many[page])) - Counter(map(shape, few[page]))
    if len(many[page]) > len(few[page]) or added:
        gone = Counter(map(shape, few[page])) - Counter(map(shape, many[page]))
        report = [f"{page}: {len(few[page])} queries with a little data, "
                  f"{len(many[page])} with much more"]
        report += [f"  + {n} x {sql}" for sql, n in added.items()]
        report += [f"  - {n} x {sql}" for sql, n in gone.items()]
        pytest.fail("\n".join(report))
