"""Hostile and random input to every form: never a server error, always an
answer in the customer's language, and nothing saved before is changed.

The endpoints come from the app's URL map, so a new form is fuzzed without
anyone remembering to add it here."""
import re
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from demo import sample as demo
from models import Agreement, Customer
from support.apps import bind, make_app

HOSTILE = [
    "", " ", "\x00", "\r\n", "\u202e", "'; DROP TABLE customer; --", "\" OR 1=1 --",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "%(name)s", "{name}", "%s%s%n",
    "../../etc/passwd", "x" * 10_000, "é" * 300, "😀" * 100, "a@b.c", "demo.en-ca@example.com",
    "Demo-Keyfob-2026", "y", "mr", "on", "0", "-1", "1e308", "null", "[]", "{}",
]
FIELDS = ["csrf_token", "title", "first_name", "last_name", "email", "password", "accept_terms",
          "birth_day", "birth_month", "birth_year", "vin", "last_payment", "customer_number",
          "contract_number", "code", "remember", "destination", "other", "question", "helped",
          "helpful"]
PARAMETERS = {"lang": "fr-ca", "token": "x" * 43, "market_key": "ca", "device_id": 1,
              "agreement_id": 1, "document_id": 1, "number": "Q-2026-000001",
              "kind": "payment_date", "thread_id": 1, "attachment_id": 1, "staff_id": 1,
              "key": "forgotten-password", "question_id": 1, "article_id": 1, "locale": "fr_CA", "variant": "fr_CA",
              "change_id": 1, "name": "activation"}


def form_endpoints(app):
    """(url, methods) of every URL, with sample values for its arguments."""
    methods = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        values = {name: PARAMETERS[name] for name in rule.arguments}
        url = rule.build(values, append_unknown=False)[1]
        methods.setdefault(url, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    return methods.items()


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory):
    """The folder of the module's database, with the demo data loaded."""
    folder = tmp_path_factory.mktemp("fuzz")
    make_app(folder).test_cli_runner().invoke(args=["demo", "load"])
    return folder


@pytest.fixture(scope="module")
def demo_app(demo_folder):
    # Every example signs in again from the same address: the per-client
    # sign-in limit is not what is under test here.
    return make_app(demo_folder, RATE_LIMIT_LOGIN_PER_CLIENT=(100_000, 900))


@pytest.fixture
def fuzz_app(demo_app):
    """The module's app, the process bound to it again (other tests bind theirs)."""
    return bind(demo_app)


PROFILE = (Customer.id, Customer.email, Customer.title, Customer.first_name, Customer.last_name,
           Customer.password_hash, Customer.status, Customer.locale)


def snapshot():
    """What customers saved, and which agreement is whose. (Wrong passwords
    may count and lock: that is the point of the counter, not a change of
    their data.)"""
    return (list(Customer.select(*PROFILE).order_by(Customer.id).tuples()),
            list(Agreement.select(Agreement.id, Agreement.customer, Agreement.link_blocked_at)
                 .order_by(Agreement.id).tuples()))


def check_answer(response, lang="fr-CA"):
    """Not a server error; an error page is in the language of the URL
    (a full page, or the fragment htmx asked for)."""
    assert response.status_code < 500, response.status_code
    if lang and response.status_code >= 400 and response.mimetype == "text/html":
        html = response.get_data(as_text=True)
        assert f'<html lang="{lang}">' in html or html.startswith("<title>"), html[:200]


# Lone surrogates cannot be sent as text; invalid UTF-8 is sent as raw bytes below.
values = st.one_of(st.sampled_from(HOSTILE),
                   st.text(st.characters(blacklist_categories=("Cs",)), max_size=300),
                   st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
raw_values = st.binary(max_size=300)
pairs = st.lists(st.tuples(st.sampled_from(FIELDS), values), max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=pairs, htmx=st.booleans())
def test_random_form_values(fuzz_app, data, htmx):
    client = fuzz_app.test_client()
    before = snapshot()
    headers = {"HX-Request": "true"} if htmx else {}
    for url, methods in form_endpoints(fuzz_app):
        if "POST" in methods:
            check_answer(client.post(url, data=MultiDict(data), headers=headers))
    assert snapshot() == before


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=pairs, htmx=st.booleans())
def test_random_form_values_signed_in(fuzz_app, data, htmx):
    """The same, as a signed-in customer: the linking wizard, device codes
    and every other form behind the sign-in."""
    client = fuzz_app.test_client()
    address = next(email for code, email in demo.LOGINS if code == "fr-ca")
    signed_in = client.post("/fr-ca/login", data={"email": address, "password": demo.PASSWORD})
    assert signed_in.status_code == 303 and "/login" not in signed_in.location
    before = snapshot()
    headers = {"HX-Request": "true"} if htmx else {}
    for url, methods in form_endpoints(fuzz_app):
        if "POST" in methods and "/logout" not in url:
            check_answer(client.post(url, data=MultiDict(data), headers=headers))
    assert snapshot() == before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.lists(st.tuples(st.sampled_from(FIELDS), raw_values), max_size=8))
def test_invalid_utf8_and_raw_bodies(fuzz_app, body):
    client = fuzz_app.test_client()
    encoded = "&".join(f"{name}={quote_from_bytes(value)}" for name, value in body)
    for url, methods in form_endpoints(fuzz_app):
        if "POST" in methods:
            check_answer(client.post(url, data=encoded,
                                     content_type="application/x-www-form-urlencoded"))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(segment=st.text(min_size=1, max_size=200).filter(lambda s: "/" not in s and s not in (".", "..")))
def test_random_url_segments(fuzz_app, segment):
    client = fuzz_app.test_client()
    for template in ["/{}/login", "/fr-ca/activate/{}", "/fr-ca/reset-password/{}", "/theme/{}.css"]:
        url = template.format(quote_from_bytes(segment.encode("utf-8", "surrogatepass")))
        check_answer(client.get(url), lang="fr-CA" if url.startswith("/fr-ca/") else None)


def test_wrong_methods_are_405_in_the_language(fuzz_app):
    client = fuzz_app.test_client()
    for url, methods in form_endpoints(fuzz_app):
        for method in {"GET", "POST", "PUT", "DELETE", "PATCH"} - methods:
            response = client.open(url, method=method)
            assert response.status_code == 405, (url, method)
            if url.startswith("/fr-ca/"):
                assert '<html lang="fr-CA">' in response.get_data(as_text=True)


def test_missing_csrf_token_is_refused_everywhere(demo_folder):
    # On the demo data: without the check, the demo login would go through.
    app = make_app(demo_folder, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    for url, methods in form_endpoints(app):
        if "POST" in methods:
            response = client.post(url, data={"email": demo.LOGINS[0][1], "password": demo.PASSWORD})
            assert response.status_code == 400, url
            assert re.search(r'<html lang="fr-CA">', response.get_data(as_text=True)), url
