"""Every page in every variant, through Flask: it answers, it is small,
every field has a label, every error is tied to its field."""
import gzip
import os
import re

import pytest

from pages import FlaskVisitor, NOT_PAGES, PAGES, get_endpoints, visits
from support.apps import bind, make_app

MAX_GZIPPED = 14 * 1024


@pytest.fixture(scope="module")
def module_app(tmp_path_factory):
    # CSRF on, as in production: the visitor fills the token like a browser.
    return make_app(tmp_path_factory.mktemp("crawl"), WTF_CSRF_ENABLED=True,
                    RATE_LIMIT_EMAIL_PER_CLIENT=(10_000, 3600),
                    # One client address for the whole crawl.
                    RATE_LIMIT_LOGIN_PER_CLIENT=(10_000, 900), LINK_ATTEMPTS_PER_CLIENT=(10_000, 3600),
                    CODE_SENDS_PER_CLIENT=(10_000, 3600))


@pytest.fixture
def crawl_app(module_app):
    """The module's app, the process bound to it again (other tests bind theirs)."""
    return bind(module_app)


def test_every_route_is_listed(crawl_app):
    listed = {page.endpoint for page in PAGES}
    assert get_endpoints(crawl_app) - NOT_PAGES == listed


def first_view_weight(client, html):
    """Bytes on the wire for a first visit, gzipped: the HTML and its CSS
    (the scripts, htmx and static/js, are deferred and cached for a year)."""
    total = len(gzip.compress(html.encode()))
    for href in re.findall(r'<link rel="stylesheet" href="([^"]+)"', html):
        total += len(gzip.compress(client.get(href).get_data()))
    return total


@pytest.mark.parametrize("page, lang", list(visits()), ids=lambda v: getattr(v, "endpoint", v))
def test_page(crawl_app, page, lang):
    client = crawl_app.test_client()
    visitor = FlaskVisitor(client, crawl_app.config["MAIL_OUTBOX_DIR"], crawl_app.config["SMS_OUTBOX_DIR"])
    response = client.get(page.reach(visitor, lang))
    assert response.status_code == page.status
    if 300 <= page.status < 400:
        return
    html = response.get_data(as_text=True)
    assert first_view_weight(client, html) <= MAX_GZIPPED
    assert_labelled(html)


def assert_labelled(html):
    labels = set(re.findall(r'<label for="([^"]+)"', html))
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        if 'type="hidden"' in tag:
            continue
        field_id = re.search(r'id="([^"]+)"', tag)
        assert field_id and field_id.group(1) in labels, tag


def test_errors_are_tied_to_their_fields(crawl_app):
    client = crawl_app.test_client()
    visitor = FlaskVisitor(client, crawl_app.config["MAIL_OUTBOX_DIR"], crawl_app.config["SMS_OUTBOX_DIR"])
    html = visitor.form("/de-at/register", {"first_name": "", "last_name": ""}).get_data(as_text=True)
    error_ids = re.findall(r'<p class="error" id="([^"]+)"', html)
    assert sorted(error_ids) == ["first_name-error", "last_name-error", "title-error"]
    described = " ".join(re.findall(r'aria-describedby="([^"]+)"', html)).split()
    assert sorted(error_ids) == sorted(described)
    assert html.count('aria-invalid="true"') == 3


def test_weight_gate_refuses_a_20_kb_page(crawl_app):
    """The limit above can fail: the login page padded with 20 KB of text
    that does not compress is over it."""
    client = crawl_app.test_client()
    html = client.get("/en-ca/login").get_data(as_text=True)
    assert first_view_weight(client, html) <= MAX_GZIPPED
    padding = os.urandom(10 * 1024).hex()
    assert first_view_weight(client, html.replace("</main>", f"<p>{padding}</p></main>")) > MAX_GZIPPED


def test_labels_gate_refuses_an_unlabelled_field(crawl_app):
    html = crawl_app.test_client().get("/en-ca/login").get_data(as_text=True)
    assert_labelled(html)
    with pytest.raises(AssertionError):
        assert_labelled(html.replace('<label for="email"', '<label'))
