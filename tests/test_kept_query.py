"""domain.db.KeptQuery: a query's SQL text built once per database, run
again with new values, its rows turned into models as peewee would (on
SQLite and, with TEST_DATABASE_URL, PostgreSQL)."""
from datetime import date
from decimal import Decimal

import pytest
from peewee import JOIN, fn

from domain import db as kept_db
from domain.db import KeptQuery
from models import Agreement, Customer, Document, Payment, Thread
from support.agreements import make_agreement
from support.customers import make_customer


def as_peewee_makes_them(query):
    return [(row.__data__, dict(row.__rel__)) for row in query]


def test_rows_are_the_models_peewee_makes_with_their_values_converted(app, db):
    customer = make_customer()
    agreement = make_agreement("at", customer=customer.id)
    Payment.create(agreement=agreement, reference="P-1", paid_on=date(2026, 10, 1),
                   amount=Decimal("412.35"))
    kept = KeptQuery(lambda agreement_id: (
        Payment.select().where(Payment.agreement == agreement_id)))
    payments = kept(agreement_id=agreement.id)
    expected = list(Payment.select().where(Payment.agreement == agreement.id))
    assert [p.__data__ for p in payments] == [p.__data__ for p in expected]
    (payment,) = [p for p in payments if p.reference == "P-1"]
    assert payment.paid_on == date(2026, 10, 1) and payment.amount == Decimal("412.35")
    assert payment.agreement.id == agreement.id         # a foreign key not joined loads
    assert not payment.is_dirty()
    assert kept(agreement_id=agreement.id + 1000) == []


def test_a_joined_model_is_set_and_a_left_join_that_found_nothing_is_none(app, db):
    customer = make_customer()
    agreement = make_agreement("at", customer=customer.id)
    about = Thread.create(customer=customer, market="at", kind="message", topic="other",
                          agreement=agreement)
    loose = Thread.create(customer=customer, market="at", kind="message", topic="other")
    kept = KeptQuery(lambda customer_id: (
        Thread.select(Thread, Agreement)
        .join(Agreement, JOIN.LEFT_OUTER, on=(Thread.agreement == Agreement.id), attr="agreement")
        .where(Thread.customer == customer_id).order_by(Thread.id)))
    with_agreement, without = kept(customer_id=customer.id)
    assert with_agreement.id == about.id and without.id == loose.id
    assert with_agreement.__rel__["agreement"].contract_number == agreement.contract_number
    assert with_agreement.agreement.vin == agreement.vin
    assert without.agreement is None


def test_a_value_selected_by_name_is_an_attribute_and_a_join_by_name_too(app, db):
    customer = make_customer()
    agreement = make_agreement("at", customer=customer.id)
    for n in range(3):
        Document.create(agreement=agreement, kind="statement", title=f"S{n}",
                        issued_on=date(2026, 1, 1 + n), stored_name=f"k{n:030d}.pdf",
                        original_name=f"s{n}.pdf", size=10)
    newest = Document.alias()
    kept = KeptQuery(lambda customer_id: (
        Agreement.select(Agreement, Document,
                         Document.select(fn.COUNT(Document.id)).where(
                             Document.agreement == Agreement.id).alias("documents"))
        .join(Document, JOIN.LEFT_OUTER, attr="newest", on=(Document.id == (
            newest.select(fn.MAX(newest.id)).where(newest.agreement == Agreement.id))))
        .where(Agreement.customer == customer_id)))
    (row,) = kept(customer_id=customer.id)
    assert row.documents == 3 and row.newest.title == "S2"


def test_the_text_is_built_once_per_database(app, db):
    built = []

    def build(customer_id):
        built.append(customer_id)
        return Customer.select().where(Customer.id == customer_id)

    kept = KeptQuery(build)
    ana, lou = make_customer(email="ana@example.com"), make_customer(email="lou@example.com")
    assert [c.email for c in kept(customer_id=ana.id)] == [ana.email]
    assert [c.email for c in kept(customer_id=lou.id)] == [lou.email]
    assert len(built) == 1 and isinstance(built[0], kept_db.Slot)
    sql, _params, _columns = kept.compiled()
    assert kept_db.database.param in sql


@pytest.mark.parametrize("build", [
    lambda customer_id: Customer.select(Customer.id.alias("x"), Customer.email).join(
        Agreement, on=(Agreement.customer == Customer.id)).switch(Agreement).join(
        Payment, on=(Payment.agreement == Agreement.id)).where(Customer.id == customer_id),
    lambda customer_id: Customer.select(fn.COUNT(Customer.id)).where(Customer.id == customer_id),
], ids=["a join from a joined model", "a value without a name"])
def test_a_shape_it_cannot_turn_into_models_is_refused_when_built(app, db, build):
    with pytest.raises(ValueError):
        KeptQuery(build).compiled()


def test_rows_as_models_gives_what_peewee_gives_for_a_query_built_anew(app, db):
    from domain import queue
    from domain.db import rows_as_models
    customer = make_customer()
    agreement = make_agreement("at", customer=customer.id)
    for about in (agreement, None):
        Thread.create(customer=customer, market="at", kind="message", topic="other",
                      agreement=about)
    query = queue._with_people(*queue.LISTED).where(Thread.customer == customer.id).order_by(Thread.id)
    quick, slow = rows_as_models(query), list(query)
    assert [t.__data__ for t in quick] == [t.__data__ for t in slow]
    for fast, usual in zip(quick, slow):
        assert fast.customer.last_name == usual.customer.last_name == "Silva"
        assert (fast.agreement and fast.agreement.contract_number) == (
            usual.agreement and usual.agreement.contract_number)
