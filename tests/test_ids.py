"""No id from outside makes a server error (domain.ids).

Every route with an id in it comes from the app's URL map, so a new route
is walked without anyone listing it: each is asked, by a client signed in
with a role that may open it, with ids that are none (zero, negative,
beyond 64 bits, letters), GET and POST, and must answer 404; ids that
could be one but name nothing must not answer 5xx either. The query and
form parameters that become ids are listed below: they are not in the
URL map."""
from datetime import timedelta

import pytest
from werkzeug.routing.converters import NumberConverter

from domain.clock import utcnow
from domain.ids import IdConverter, MAX_ID, parse_id, parse_number
from models import Customer
from support.agreements import make_agreement
from support.customers import login, registered
from support.staff import staff_signed_in

NOT_IDS = ["0", "-1", "00", "007", str(2 ** 63), str(10 ** 20), "9" * 5000, "abc", "1e3",
           "%C2%B2", "%D9%A3", "1%20"]
# Ids in range that name nothing (2**31: beyond PostgreSQL's integer column).
MISSING = [str(2 ** 31), str(MAX_ID)]

# The other arguments of the routes, with values that exist.
OTHER_ARGUMENTS = {"lang": "de-at", "kind": "payment_date", "locale": "de", "variant": "de_AT",
                   "key": "sign-in", "name": "activation", "token": "x" * 43,
                   "number": "Q-2026-000001", "market_key": "at"}

# Who may open a route, by its blueprint. A blueprint of routes with ids
# missing here fails test_every_route_with_an_id_is_walked: decide who may.
ROLE_OF_BLUEPRINT = {"agreements": "customer", "messages": "customer", "service": "customer",
                     "device": "customer", "payoff": "customer", "help": "customer",
                     "agents": "agent", "admin": "admin", "content": "marketer",
                     "texts": "marketer"}


def id_arguments(rule):
    return [name for name, converter in rule._converters.items()
            if isinstance(converter, (NumberConverter, IdConverter))]


def id_rules(app):
    return [rule for rule in app.url_map.iter_rules() if id_arguments(rule)]


@pytest.fixture
def clients(app, outbox, db):
    made = {}
    for role in ("agent", "marketer", "admin"):
        made[role] = app.test_client()
        staff_signed_in(made[role], role=role, name=f"The {role}")
    made["customer"] = app.test_client()
    registered(made["customer"], outbox, lang="de-at")
    assert login(made["customer"], lang="de-at").status_code == 303
    return made


def url_with(rule, ids):
    """The rule's URL with `ids` (text, put in as typed) for its id arguments."""
    markers = {name: 900_000_001 + n for n, name in enumerate(id_arguments(rule))}
    url = rule.build(dict(OTHER_ARGUMENTS, **markers), append_unknown=False)[1]
    for name, marker in markers.items():
        url = url.replace(str(marker), ids[name])
    return url


def test_every_integer_argument_of_a_route_is_an_id(app):
    for rule in id_rules(app):
        for name in id_arguments(rule):
            assert isinstance(rule._converters[name], IdConverter), (rule.rule, name)


def test_every_route_with_an_id_is_walked(app):
    rules = id_rules(app)
    assert len(rules) >= 20
    for rule in rules:
        assert rule.endpoint.split(".")[0] in ROLE_OF_BLUEPRINT, rule.endpoint


def test_no_route_answers_5xx_for_any_id(app, clients):
    wrong = []
    for rule in id_rules(app):
        client = clients[ROLE_OF_BLUEPRINT[rule.endpoint.split(".")[0]]]
        names = id_arguments(rule)
        # Each id argument wrong in turn, the others in range.
        for name in names:
            for value in NOT_IDS + MISSING:
                url = url_with(rule, {other: "1" for other in names} | {name: value})
                for method in ("GET", "POST"):
                    response = client.open(url, method=method,
                                           data={"helped": "yes", "helpful": "yes", "body": "Hallo"})
                    expected = {404} if value in NOT_IDS else set(range(200, 500))
                    if method not in rule.methods:
                        # Werkzeug checks the method before it converts.
                        expected = expected | {405}
                    if response.status_code not in expected:
                        wrong.append((method, url[:120], response.status_code))
    assert wrong == []


def test_the_customer_s_agreement_page_answers_404_beyond_64_bits(clients):
    response = clients["customer"].get("/de-at/agreements/99999999999999999999")
    assert response.status_code == 404


# --- query and form parameters that become ids ----------------------------------------------

BAD_NUMBERS = ["0", "-1", "abc", "²", "٣", str(2 ** 63), str(10 ** 20), "9" * 5000, "1e3", ""]


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_staff_query_parameters_that_become_ids(clients, value):
    agent, admin, marketer = clients["agent"], clients["admin"], clients["marketer"]
    answers = [
        agent.get("/staff/queue", query_string={"after": f"w.2026-01-01T00:00:00.{value}"}),
        agent.get("/staff/queue", query_string={"after": f"a.2026-01-01T00:00:00.{value}"}),
        agent.get("/staff/queue", query_string={"assignee": value}),
        admin.get("/staff/admin/security-log", query_string={"before": value}),
        admin.get("/staff/admin/security-log", query_string={"after": value}),
        admin.get("/staff/admin/security-log", query_string={"customer": value}),
        admin.get("/staff/admin/security-log", query_string={"staff": value}),
        admin.post("/staff/admin/customers", data={"action": "unlock", "customer_id": value}),
        marketer.get("/staff/texts/history", query_string={"before": value}),
        marketer.get("/staff/texts", query_string={"page": value}),
        marketer.get("/staff/content", query_string={"market": value}),
    ]
    assert [a.status_code for a in answers if a.status_code >= 500] == []


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_customer_query_and_form_parameters(app, clients, value):
    customer = clients["customer"]
    agreement = make_agreement("at", customer=Customer.get().id, linked_at=utcnow() - timedelta(days=1))
    answers = [
        customer.get(f"/de-at/agreements/{agreement.id}", query_string={"page": value}),
        customer.get("/de-at/messages", query_string={"page": value}),
        customer.get("/de-at/help/search", query_string={"q": "Rate", "page": value}),
        customer.post("/de-at/service-requests", data={"kind": "payment_date", "agreement": value}),
    ]
    day = customer.post(f"/de-at/service-requests/payment_date/{agreement.id}", data={"day": value})
    assert [a.status_code for a in answers if a.status_code >= 500] == []
    assert day.status_code == 422


def test_parse_id_and_parse_number():
    assert [parse_id(v) for v in ("1", " 42 ", str(MAX_ID), 7)] == [1, 42, MAX_ID, 7]
    assert {parse_id(v) for v in ["0", "-1", "007", str(MAX_ID + 1), "²", "٣", "", None, 0,
                                  True, 2 ** 64, "1.0", "9" * 5000]} == {None}
    assert [parse_number(v, default=1, maximum=28) for v in ("05", "28", "29", "²", None)] == [
        5, 28, 1, 1, 1]
