"""Data at scale (demo.scale, `flask demo scale N`): the counts it
reports are what it wrote, every row would pass the app's own checks
(the agreements and payments those of `flask agreements import`), the
customers sign in with scale.PASSWORD, search finds the articles, and a
second run adds more. On SQLite and, with TEST_DATABASE_URL, PostgreSQL."""
import html
import re
from datetime import date

import phonenumbers
import pytest
from peewee import fn

from demo import scale
from domain import agreement_import, help
from domain.markets import MARKETS
from models import Agreement, Customer, HelpArticle, HelpArticleVersion, Message, Payment, Thread
from support.customers import login

CUSTOMERS, MESSAGES = 50, 4
ARTICLES = 6     # per market: the stemming of search's index is the slow part


def counts():
    return {"customers": Customer.select().count(), "agreements": Agreement.select().count(),
            "payments": Payment.select().count(), "threads": Thread.select().count(),
            "messages": Message.select().count(), "help_articles": HelpArticle.select().count(),
            "help_versions": HelpArticleVersion.select().count()}


@pytest.fixture
def generated(db):
    calls = []
    summary = scale.generate(CUSTOMERS, messages_per_customer=MESSAGES,
                             progress=lambda *call: calls.append(call),
                             articles_per_market=ARTICLES)
    return summary, calls


def test_the_counts_are_as_reported(generated):
    summary, calls = generated
    assert counts() == {name: summary[name] for name in counts()}
    assert summary["customers"] == CUSTOMERS
    assert summary["messages"] == CUSTOMERS * MESSAGES
    assert summary["help_articles"] == ARTICLES * len(MARKETS)
    assert summary["linked_agreements"] == Agreement.select().where(
        Agreement.customer.is_null(False)).count()
    assert 0 < summary["linked_agreements"] < summary["agreements"]
    assert ("customers", CUSTOMERS, CUSTOMERS) in calls
    assert calls[-1] == ("help", ARTICLES * len(MARKETS), ARTICLES * len(MARKETS))


def test_customers_are_active_in_every_market_with_one_to_three_agreements(generated):
    customers = list(Customer.select())
    assert {c.market for c in customers} == set(MARKETS)
    per_customer = dict(Agreement.select(Agreement.email, fn.COUNT(Agreement.id))
                        .group_by(Agreement.email).tuples())
    for customer in customers:
        assert customer.status == "active" and customer.activated_at is not None
        assert customer.email == customer.email_key == f"scale.{customer.id}@example.com"
        assert customer.locale in MARKETS[customer.market].locales
        assert customer.title in MARKETS[customer.market].titles or customer.title == ""
        assert 1 <= per_customer[customer.email] <= 3
        if customer.phone:
            number = phonenumbers.parse(customer.phone)
            assert phonenumbers.is_valid_number(number)
            assert phonenumbers.region_code_for_number(number) == MARKETS[customer.market].country


def as_import_row(agreement):
    """The agreement as a row of the lender's file (agreement_import)."""
    def text(value):
        return "" if value is None else str(value)
    return {"market": agreement.market, "contract_number": agreement.contract_number,
            "kind": agreement.kind, "business": "yes" if agreement.business else "no",
            "vehicle_model": agreement.vehicle_model, "vin": agreement.vin,
            "title": agreement.holder_title, "first_name": agreement.holder_first_name,
            "last_name": agreement.holder_last_name,
            "birth_date": agreement.holder_birth_date.isoformat(),
            "customer_number": agreement.customer_number, "phone": agreement.phone,
            "email": agreement.email, "start_date": agreement.start_date.isoformat(),
            "term_months": str(agreement.term_months), "rate": text(agreement.rate),
            "monthly_payment": text(agreement.monthly_payment),
            "residual_value": text(agreement.residual_value), "balance": text(agreement.balance)}


def test_agreements_and_payments_pass_the_checks_of_the_import(generated):
    today = date.today()
    agreements = list(Agreement.select())
    payments = {}
    for payment in Payment.select():
        payments.setdefault(payment.agreement_id, []).append(payment)
    for agreement in agreements:
        market = MARKETS[agreement.market]
        # Contract number of the market's pattern, VIN (with the North
        # American check digit), phone in E.164, title, dates, amounts.
        values = agreement_import.agreement_values(as_import_row(agreement))
        assert values["phone"] == agreement.phone
        if market.contract_number_pattern:
            assert re.fullmatch(market.contract_number_pattern, agreement.contract_number)
        if market.vin_check_digit:
            assert agreement.vin[8] == scale.vins.check_digit(agreement.vin)
        if agreement.customer_id is not None:
            owner = Customer.get_by_id(agreement.customer_id)
            assert owner.market == agreement.market and agreement.linked_at is not None
        rows = payments[agreement.id]
        assert 12 <= len(rows) <= min(60, agreement.term_months)
        for payment in rows:
            agreement_import.payment_values({
                "market": agreement.market, "contract_number": agreement.contract_number,
                "reference": payment.reference, "paid_on": payment.paid_on.isoformat(),
                "amount": str(payment.amount)})
            assert agreement.start_date < payment.paid_on < today
            assert payment.amount == agreement.monthly_payment


def test_threads_hold_the_messages_and_wait_as_they_should(generated):
    owner = {a.id: a.customer_id for a in Agreement.select()}
    by_thread = {}
    for message in Message.select().order_by(Message.created_at, Message.id):
        by_thread.setdefault(message.thread_id, []).append(message)
    per_customer = {}
    for thread in Thread.select(Thread, Customer).join(Customer):
        market = MARKETS[thread.market]
        assert thread.market == thread.customer.market
        topics = market.service_requests if thread.kind == "service" else market.message_topics
        assert thread.topic in topics
        assert thread.status in ("open", "closed")
        if thread.agreement_id is not None:
            assert owner[thread.agreement_id] == thread.customer_id
        messages = by_thread[thread.id]
        assert messages[0].author == "customer"
        assert {m.author for m in messages} <= {"customer", "staff"}
        assert thread.created_at == messages[0].created_at
        assert thread.updated_at == messages[-1].created_at
        if thread.waiting_since is not None:
            assert thread.status == "open" and messages[-1].author == "customer"
        per_customer[thread.customer_id] = per_customer.get(thread.customer_id, 0) + len(messages)
    assert set(per_customer.values()) == {MESSAGES}


def test_a_generated_customer_signs_in_with_the_documented_password(client, generated):
    # Austria and France ask no code of the device after the password.
    customer = (Customer.select().where(Customer.market.in_(("at", "fr")))
                .order_by(Customer.id).first())
    lang = {"at": "de-at", "fr": "fr-fr"}[customer.market]
    response = login(client, lang=lang, email=customer.email, password=scale.PASSWORD)
    assert response.status_code == 303 and response.location.endswith(f"/{lang}/account")
    page = html.unescape(client.get(f"/{lang}/account").get_data(as_text=True))
    for agreement in Agreement.select().where(Agreement.customer == customer.id):
        assert agreement.contract_number in page
    other = client.application.test_client()
    assert login(other, lang=lang, email=customer.email, password="not the password").status_code == 422


def test_search_finds_a_generated_article(client, generated):
    article = (HelpArticle.select().where(HelpArticle.market == "at", HelpArticle.key ** "scale-%")
               .order_by(HelpArticle.id).first())
    version = HelpArticleVersion.get(HelpArticleVersion.article == article)
    assert version.locale == "de"
    results, total, _pages = help.search(MARKETS["at"], "de_AT", version.title)
    assert results[0].article.key == article.key and total >= 1
    response = client.get("/de-at/help/search", query_string={"q": version.title})
    assert f"/de-at/help/articles/{article.key}" in response.get_data(as_text=True)
    assert client.get(f"/de-at/help/articles/{article.key}").status_code == 200


def test_running_again_adds_more(generated):
    first, _calls = generated
    before = counts()
    second = scale.generate(CUSTOMERS, messages_per_customer=MESSAGES, articles_per_market=2)
    after = counts()
    assert {name: after[name] - before[name] for name in after} == \
        {name: second[name] for name in after}
    assert second["customers"] == CUSTOMERS and second["help_articles"] == 2 * len(MARKETS)
    assert second["first_customer_id"] > first["first_customer_id"]
    assert Customer.select(fn.COUNT(fn.DISTINCT(Customer.email_key))).scalar() == 2 * CUSTOMERS


def test_nothing_asked_nothing_written(db):
    summary = scale.generate(0, articles_per_market=0)
    assert {name: summary[name] for name in counts()} == dict.fromkeys(counts(), 0)
    with pytest.raises(ValueError):
        scale.generate(-1)


def test_flask_demo_scale_generates_and_says_what(runner, db):
    result = runner.invoke(args=["demo", "--scale", "20", "--messages", "2", "--articles", "1"])
    assert result.exit_code == 0, result.output
    assert "added 20 customers" in result.output and "40 messages" in result.output
    assert Customer.select().where(Customer.email.startswith("scale.")).count() == 20
    refused = runner.invoke(args=["demo", "--scale", "0"])
    assert refused.exit_code == 2
