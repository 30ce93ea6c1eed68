"""Every page in every variant, through Flask: it answers, it is small,
every field has a label, every error is tied to its field."""
import gzip
import re

import pytest

from conftest import make_app
from pages import NOT_PAGES, PAGES, FlaskVisitor, get_endpoints, visits

MAX_GZIPPED = 14 * 1024


@pytest.fixture(scope="module")
def crawl_app(tmp_path_factory):
    # CSRF on, as in production: the visitor fills the token like a browser.
    return make_app(tmp_path_factory.mktemp("crawl"), WTF_CSRF_ENABLED=True,
                    RATE_LIMIT_EMAIL_PER_CLIENT=(10_000, 3600))


def test_every_route_is_listed(crawl_app):
    listed = {page.endpoint for page in PAGES}
    assert get_endpoints(crawl_app) - NOT_PAGES == listed


def css_size(client, html):
    total = 0
    for href in re.findall(r'<link rel="stylesheet" href="([^"]+)"', html):
        total += len(gzip.compress(client.get(href).get_data()))
    return total


@pytest.mark.parametrize("page, lang", list(visits()), ids=lambda v: getattr(v, "endpoint", v))
def test_page(crawl_app, page, lang):
    client = crawl_app.test_client()
    visitor = FlaskVisitor(client, crawl_app.config["MAIL_OUTBOX_DIR"])
    response = client.get(page.reach(visitor, lang))
    assert response.status_code == page.status
    if page.status != 200:
        return
    html = response.get_data(as_text=True)
    assert len(gzip.compress(html.encode())) + css_size(client, html) <= MAX_GZIPPED
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
    visitor = FlaskVisitor(client, crawl_app.config["MAIL_OUTBOX_DIR"])
    html = visitor.form("/de-at/register", {"first_name": "", "last_name": ""}).get_data(as_text=True)
    error_ids = re.findall(r'<p class="error" id="([^"]+)"', html)
    assert sorted(error_ids) == ["first_name-error", "last_name-error", "title-error"]
    described = " ".join(re.findall(r'aria-describedby="([^"]+)"', html)).split()
    assert sorted(error_ids) == sorted(described)
    assert html.count('aria-invalid="true"') == 3
