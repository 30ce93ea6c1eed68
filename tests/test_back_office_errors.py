"""Errors in the back office (/staff and below) come in the staff's layout,
not the customers' site: 400 (a bad request, an expired form), 403, 404
(a URL that matches no route, an object that does not exist), 405, 429
and 500, as whole pages and as htmx fragments."""
import re

import pytest

from domain import texts
from support.apps import make_app
from support.staff import staff_signed_in


def page(response):
    return response.get_data(as_text=True)


def assert_back_office(response, status):
    html = page(response)
    assert response.status_code == status, html[:300]
    assert html.startswith("<!doctype html>")
    assert re.search(r"<title>[^<]* – Keyfob back office</title>", html), html[:300]
    assert '<a class="brand" href="/staff">' in html
    assert "<footer>" not in html and "theme.css" not in html     # nothing of a market
    assert 'href="/en-ca' not in html and 'href="/de-at' not in html


@pytest.fixture
def agent(app, db):
    client = app.test_client()
    staff_signed_in(client, role="agent")
    return client


@pytest.mark.parametrize("url", ["/staff/no-such-page", "/staff/queue/abc", "/staff/admin/nothing",
                                 "/staff/texts/de_AT/no-such-text/more"])
def test_a_url_that_matches_nothing_is_a_back_office_404(client, agent, url):
    for who in (client, agent):
        response = who.get(url)
        assert_back_office(response, 404)
        assert 'href="/staff">Go to the home page</a>' in page(response)


def test_missing_objects_forbidden_pages_and_wrong_methods(app, agent, db):
    assert_back_office(agent.get("/staff/queue/999999"), 404)
    assert_back_office(agent.get("/staff/texts"), 403)
    assert_back_office(agent.get("/staff/queue/1/reply"), 405)
    assert_back_office(agent.put("/staff/login"), 405)
    marketer = app.test_client()
    staff_signed_in(marketer, role="marketer")
    assert_back_office(marketer.post(f"/staff/texts/de_AT/{texts.message_key('Sign in')}"), 400)


def test_a_fragment_for_htmx_is_the_back_office_s(agent):
    html = page(agent.get("/staff/no-such-page", headers={"HX-Request": "true"}))
    assert "<html" not in html and "– Keyfob back office</title>" in html


def test_an_expired_form_is_a_back_office_400(tmp_path):
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    response = app.test_client().post("/staff/login", data={"email": "a@b.c", "password": "x"})
    assert_back_office(response, 400)


def test_too_many_sign_ins_is_a_back_office_429(tmp_path):
    app = make_app(tmp_path, RATE_LIMIT_LOGIN_PER_CLIENT=(1, 900))
    client = app.test_client()
    client.post("/staff/login", data={"email": "a@b.c", "password": "x"})
    assert_back_office(client.post("/staff/login", data={"email": "a@b.c", "password": "x"}), 429)


def test_a_server_error_is_a_back_office_500(tmp_path):
    app = make_app(tmp_path, TESTING=False)

    @app.route("/staff/boom")
    def boom():
        raise RuntimeError("secret detail")

    response = app.test_client().get("/staff/boom")
    assert_back_office(response, 500)
    assert "secret detail" not in page(response)


def test_customer_errors_stay_in_the_customers_layout(client):
    html = page(client.get("/en-ca/no-such-page"))
    assert "<footer>" in html and "Keyfob back office" not in html
    assert re.search(r'href="/en-ca/?">Go to the home page</a>', html)
