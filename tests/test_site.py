"""Language variants, headers, htmx answers, error pages, rate limits."""
import re
from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale, format_date

from domain import markets
from domain.markets import MARKETS
from support.apps import make_app, markets_file
from support.customers import login, registered
from support.reading import heading
from views.shared.templating import format_money

SITES = ["en-ca", "fr-ca", "de-at", "fr-fr", "en-us"]


@pytest.mark.parametrize("header, expected", [
    ("fr-CA,fr;q=0.9,en;q=0.5", "/fr-ca/"),
    ("fr", "/fr-fr/"),
    ("fr-BE", "/fr-fr/"),
    ("de-DE,de;q=0.9", "/de-at/"),
    ("en-US", "/en-us/"),
    ("en-CA", "/en-ca/"),
    ("es, *;q=0.1", "/en-ca/"),
    ("", "/en-ca/"),
    ("\x00;;q=x,,", "/en-ca/"),
])
def test_first_visit_follows_accept_language(client, header, expected):
    response = client.get("/", headers={"Accept-Language": header})
    assert response.status_code == 302
    assert response.location.endswith(expected)
    assert "Accept-Language" in response.headers["Vary"]


def test_the_choice_is_remembered(client):
    client.get("/de-at/login")
    response = client.get("/", headers={"Accept-Language": "fr-CA"})
    assert response.location.endswith("/de-at/")


@pytest.mark.parametrize("lang, html_lang", [
    ("en-ca", "en-CA"), ("fr-ca", "fr-CA"), ("de-at", "de-AT"), ("fr-fr", "fr-FR"), ("en-us", "en-US")])
@pytest.mark.parametrize("page", ["", "login", "register", "forgot-password", "terms"])
def test_every_page_has_a_url_in_every_variant(client, lang, html_lang, page):
    response = client.get(f"/{lang}/{page}")
    assert response.status_code == 200
    assert f'<html lang="{html_lang}">' in response.get_data(as_text=True)


def test_language_switcher_keeps_the_page(client):
    html = client.get("/en-ca/forgot-password").get_data(as_text=True)
    assert 'href="/fr-ca/forgot-password" lang="fr-CA"' in html
    # Only the market's own languages: Canada has two.
    assert "/de-at/forgot-password" not in html
    single = client.get("/de-at/login").get_data(as_text=True)
    assert 'hreflang=' not in single


def test_switching_language_when_signed_in(client, outbox):
    registered(client, outbox)
    login(client)
    assert client.get("/fr-ca/account").status_code == 200


def test_unknown_variant_is_404(client):
    assert client.get("/xx-yy/login").status_code == 404


def test_sites_page_lists_every_variant(client):
    html = client.get("/sites").get_data(as_text=True)
    for code in SITES:
        assert f'href="/{code}/"' in html
    assert "Français (Canada)" in html and "Deutsch (Österreich)" in html


@pytest.mark.parametrize("locale, currency, expected", [
    ("en_CA", "CAD", "$1,234.56"),
    ("fr_CA", "CAD", "1\xa0234,56\xa0$"),
    ("de_AT", "EUR", "€\xa01.234,56"),
    ("fr_FR", "EUR", "1\u202f234,56\xa0€"),
    ("en_US", "USD", "$1,234.56"),
])
def test_amounts_are_formatted_for_the_locale(app, locale, currency, expected):
    with app.test_request_context(), force_locale(locale):
        assert format_money(Decimal("1234.56"), currency) == expected


def test_dates_and_phones_are_formatted_for_the_locale(app):
    with app.test_request_context():
        with force_locale("de_AT"):
            assert format_date(date(2026, 1, 5), "long") == "5. Jänner 2026"
        with force_locale("fr_CA"):
            assert format_date(date(2026, 1, 5), "long") == "5 janvier 2026"
    # North America writes its toll-free numbers 1-800-…, Quebec with spaces.
    assert markets.SITES["en-ca"].market.format_support_phone() == "1-800-555-0142"
    assert markets.SITES["fr-ca"].market.format_support_phone() == "1 800 555-0142"
    assert markets.SITES["en-us"].market.format_support_phone() == "1-800-555-0199"
    assert MARKETS["ca"].format_support_phone() == "(800) 555-0142"     # the country's national form
    assert 'href="tel:+18005550142">1 800 555-0142</a>' in app.test_client().get("/fr-ca/").get_data(as_text=True)
    assert MARKETS["fr"].format_support_phone() == "01 55 50 01 42"
    html = app.test_client().get("/fr-fr/").get_data(as_text=True)
    assert 'href="tel:+33155500142">01 55 50 01 42</a>' in html


def test_security_headers(client):
    response = client.get("/en-ca/login")
    csp = response.headers["Content-Security-Policy"]
    for part in ["default-src 'self'", "script-src 'self'", "style-src 'self'",
                 "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]:
        assert part in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "HX-Request" in response.headers["Vary"]
    assert "Strict-Transport-Security" not in response.headers
    https = client.get("/en-ca/login", base_url="https://localhost")
    assert https.headers["Strict-Transport-Security"].startswith("max-age=")


def test_no_inline_script_or_style(client):
    html = client.get("/en-ca/register").get_data(as_text=True)
    assert "<style" not in html and " style=" not in html
    scripts = re.findall(r"<script[^>]*>", html)
    # htmx as a module, which browsers too old for it skip (README, Browsers).
    assert scripts[0] == '<script type="module" src="/static/vendor/htmx-2.0.11.min.js">'
    assert re.fullmatch(r'<script src="/static/js/count\.js\?v=[0-9a-f]{10}" defer>', scripts[1])
    assert len(scripts) == 2


def test_session_cookie_flags(tmp_path):
    app = make_app(tmp_path, SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    response = client.get("/en-ca/register", base_url="https://localhost")
    cookie = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-keyfob=")][0]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie


def test_static_files_are_cached_for_a_year(client):
    for path in ("/static/vendor/htmx-2.0.11.min.js", "/static/js/count.js"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.cache_control.max_age == 365 * 24 * 3600
    theme = client.get("/theme/ca.css")
    assert theme.cache_control.max_age == 365 * 24 * 3600
    assert client.get("/theme/zz.css").status_code == 404


def test_each_market_has_one_stylesheet_with_its_colour_written_plain(client):
    """A page asks for one stylesheet, its market's: static/css/site.css
    without its comments and with the market's colour where the file says
    var(--brand), so that browsers without custom properties show it too
    (README, Browsers)."""
    with open("static/css/site.css", encoding="utf-8") as f:
        source = f.read()
    assert "var(--brand)" in source
    for lang, colour in (("en-ca", "#1f4e79"), ("fr-fr", "#0653b6"), ("de-at", "#1a1a1a")):
        html = client.get(f"/{lang}/login").get_data(as_text=True)
        links = re.findall(r'<link rel="stylesheet" href="([^"]+)">', html)
        assert len(links) == 1, links
        css = client.get(links[0]).get_data(as_text=True)
        assert "var(" not in css and "/*" not in css
        assert css == re.sub(r"/\*.*?\*/\n?", "", source, flags=re.S).replace("var(--brand)", colour)


def test_htmx_gets_the_fragment_and_boosted_requests_the_page(client):
    fragment = client.get("/en-ca/register", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.startswith("<title>What is your name?")
    assert '<main id="main"' in fragment and "<html" not in fragment
    boosted = client.get("/en-ca/register", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)


def test_htmx_error_answer_is_a_fragment_with_the_error(client):
    response = client.post("/en-ca/register", data={"first_name": ""}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.startswith("<title>Error: What is your name?")
    assert 'class="error-summary"' in html and 'href="#first_name"' in html
    assert 'aria-describedby="first_name-error"' in html


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_healthz_reports_an_unreachable_database(tmp_path):
    app = make_app(tmp_path)
    from domain.db import init_database
    init_database(f"sqlite:///{tmp_path}/no/such/dir/db.sqlite3")
    assert app.test_client().get("/healthz").status_code == 503


def test_pages_are_small(client):
    html = client.get("/en-ca/register").get_data()
    import gzip
    assert len(gzip.compress(html)) < 3000


def test_csrf_is_required(tmp_path):
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post("/fr-ca/register", data={"first_name": "Ana", "last_name": "Silva"})
    assert response.status_code == 400
    assert '<html lang="fr-CA">' in response.get_data(as_text=True)
    page = client.get("/fr-ca/register").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/fr-ca/register", data={"csrf_token": token, "title": "ms",
                                                     "first_name": "Ana", "last_name": "Silva"})
    assert response.status_code == 303
    # htmx sends the token in the form, or in the X-CSRFToken header.
    response = client.post("/fr-ca/register", data={"title": "ms", "first_name": "A", "last_name": "S"},
                           headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 303


def test_wrong_method_and_too_large(client):
    assert client.put("/en-ca/login").status_code == 405
    response = client.post("/en-ca/login", data={"email": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert heading(response) == "What you sent is too large"


def test_server_error_page_has_an_incident_id_and_no_traceback(tmp_path):
    app = make_app(tmp_path, TESTING=False)

    @app.route("/<lang>/boom")
    def boom():
        raise RuntimeError("secret detail")

    response = app.test_client().get("/de-at/boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert re.search(r"[0-9a-f]{8}", html.split("<main")[1])
    assert "secret detail" not in html and "Traceback" not in html
    assert '<html lang="de-AT">' in html


def test_email_sending_is_rate_limited_per_address(tmp_path):
    app = make_app(tmp_path, RATE_LIMIT_EMAIL_PER_ADDRESS=(2, 3600))
    client = app.test_client()
    for _ in range(2):
        assert client.post("/fr-ca/forgot-password", data={"email": "a@example.com"}).status_code == 303
    response = client.post("/fr-ca/forgot-password", data={"email": " A@example.com"})
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 3600
    assert '<html lang="fr-CA">' in response.get_data(as_text=True)
    # Another address is still fine.
    assert client.post("/fr-ca/forgot-password", data={"email": "b@example.com"}).status_code == 303


def test_email_sending_is_rate_limited_per_client(tmp_path):
    app = make_app(tmp_path, RATE_LIMIT_EMAIL_PER_CLIENT=(3, 3600))
    client = app.test_client()
    codes = [client.post("/en-ca/forgot-password", data={"email": f"{i}@example.com"}).status_code
             for i in range(4)]
    assert codes == [303, 303, 303, 429]
    other = app.test_client()
    response = other.post("/en-ca/forgot-password", data={"email": "x@example.com"},
                          environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert response.status_code == 303


def test_login_is_rate_limited_per_client(tmp_path):
    app = make_app(tmp_path, RATE_LIMIT_LOGIN_PER_CLIENT=(2, 900))
    client = app.test_client()
    codes = [login(client, email=f"{i}@example.com").status_code for i in range(3)]
    assert codes == [422, 422, 429]


def test_a_phone_layout_that_does_not_fit_the_number_stops_the_start(custom_app, tmp_path):
    path = markets_file(tmp_path, 'en_CA = "1-XXX-XXX-XXXX"', 'en_CA = "1-XXX-XXX-XXX"')
    with pytest.raises(ValueError, match="phone layout"):
        custom_app(MARKETS_FILE=path)
