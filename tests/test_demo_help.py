"""The demo help center's Canadian French articles (config/demo/help.toml,
loaded by demo.sample.load_help): every article of the Canadian market has
its own fr_CA version, read on /fr-ca/ without a fallback notice and in
Canadian words, while France and the other markets keep what they had."""
import html
import os
import re
import tomllib

import pytest
from flask_babel import force_locale

from demo import sample as demo
from domain import help
from domain.markets import MARKETS
from models import HelpArticle, HelpArticleVersion
from support.reading import heading

with open(os.path.join(demo.DEMO_FILES, "help.toml"), "rb") as f:
    ARTICLES = tomllib.load(f)["articles"]


def in_market(entry, market):
    return market in entry.get("markets", MARKETS)


# Read before any app has loaded MARKETS: the Canadian articles by the file.
CANADIAN = [entry for entry in ARTICLES if "ca" in entry.get("markets", ["ca"])]
IN_FRANCE = [entry for entry in ARTICLES if "fr" in entry.get("markets", ["fr"])]
# France-French words a Canadian reader should not meet.
FRANCE_WORDS = re.compile(r"\b(e-?mails?|VINs?|SMS)\b", re.I)


def text(response):
    return response.get_data(as_text=True)


def rendered(app, body, locale):
    """The body as a reader of `locale` sees it (its [[labels]] in their words)."""
    with app.test_request_context("/"), force_locale(locale):
        return help.render_body(body)


@pytest.fixture
def loaded(db):
    demo.load_help()
    return db


def versions(market, locale):
    return {version.article.key: version for version in
            HelpArticleVersion.select(HelpArticleVersion, HelpArticle).join(HelpArticle)
            .where(HelpArticle.market == market, HelpArticleVersion.locale == locale)}


def test_the_file_has_canadian_articles_to_test():
    assert len(CANADIAN) >= 10 and len(IN_FRANCE) >= 8
    assert [entry["key"] for entry in CANADIAN if "fr_CA" not in entry] == []


def test_every_canadian_article_has_a_published_fr_ca_version(loaded):
    canadian = {article.key for article in HelpArticle.select().where(HelpArticle.market == "ca")}
    assert canadian == {entry["key"] for entry in CANADIAN}
    saved = versions("ca", "fr_CA")
    assert set(saved) == canadian
    for entry in CANADIAN:
        version = saved[entry["key"]]
        assert version.published
        assert (version.title, version.body) == (entry["fr_CA"]["title"], entry["fr_CA"]["body"])
        # The Canadian text, not France's.
        assert version.body != entry["fr"]["body"]


def test_the_languages_are_still_in_every_market(loaded):
    for market in MARKETS:
        keys = {entry["key"] for entry in ARTICLES if in_market(entry, market)}
        for locale in ("en", "fr", "de"):
            assert set(versions(market, locale)) == keys, (market, locale)


def test_no_fr_ca_version_outside_the_markets_that_serve_it(loaded):
    elsewhere = [market for market in MARKETS if "fr_CA" not in MARKETS[market].locales]
    assert elsewhere and "ca" not in elsewhere
    assert (HelpArticleVersion.select().join(HelpArticle)
            .where(HelpArticleVersion.locale == "fr_CA", HelpArticle.market.in_(elsewhere))
            .count()) == 0
    assert versions("ca", "fr_CA")


@pytest.mark.parametrize("entry", CANADIAN, ids=lambda entry: entry["key"])
def test_no_fr_ca_version_uses_france_words(entry):
    for part in ("title", "body"):
        assert not FRANCE_WORDS.search(entry["fr_CA"][part]), (entry["key"], part)


def test_the_saved_fr_ca_versions_use_no_france_words(loaded):
    for key, version in versions("ca", "fr_CA").items():
        assert not FRANCE_WORDS.search(version.title + " " + version.body), key


@pytest.mark.parametrize("entry", CANADIAN, ids=lambda entry: entry["key"])
def test_the_canadian_site_shows_the_canadian_text(client, loaded, entry):
    response = client.get(f"/fr-ca/help/articles/{entry['key']}")
    assert response.status_code == 200
    page = text(response)
    canadian = entry["fr_CA"]
    assert html.unescape(heading(response)) == canadian["title"]
    assert rendered(client.application, canadian["body"], "fr_CA") in page
    assert rendered(client.application, entry["fr"]["body"], "fr_CA") not in page
    assert 'class="notice"' not in page


@pytest.mark.parametrize("entry", IN_FRANCE, ids=lambda entry: entry["key"])
def test_the_france_site_still_shows_the_france_text(client, loaded, entry):
    response = client.get(f"/fr-fr/help/articles/{entry['key']}")
    assert response.status_code == 200
    page = text(response)
    assert html.unescape(heading(response)) == entry["fr"]["title"]
    assert rendered(client.application, entry["fr"]["body"], "fr_FR") in page
    if "fr_CA" in entry:
        assert rendered(client.application, entry["fr_CA"]["body"], "fr_FR") not in page
    assert 'class="notice"' not in page


def test_the_english_canadian_site_is_unchanged(client, loaded):
    entry = next(entry for entry in CANADIAN if entry["key"] == "registering")
    response = client.get("/en-ca/help/articles/registering")
    assert html.unescape(heading(response)) == entry["en"]["title"]


def test_a_canadian_search_finds_courriel(client, loaded):
    page = text(client.get("/fr-ca/help/search?q=courriel"))
    found = set(re.findall(r'href="/fr-ca/help/articles/([\w-]+)"', page))
    with_courriel = {entry["key"] for entry in CANADIAN
                     if "courriel" in (entry["fr_CA"]["title"] + entry["fr_CA"]["body"]).lower()}
    assert with_courriel and found & with_courriel
    assert "<mark>courriel" in page
    # France's articles say «e-mail»: the same search there matches nothing.
    assert "<mark>" not in text(client.get("/fr-fr/help/search?q=courriel"))


def test_loading_twice_adds_nothing(loaded):
    count = HelpArticleVersion.select().count()
    demo.load_help()
    assert HelpArticleVersion.select().count() == count
