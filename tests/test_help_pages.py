"""The help center's pages for customers: home, category, article (with
its fallback notice, read count and vote), search and the question box."""
import re

import pytest

from domain.languages import language_of
from domain.markets import load_markets
from models import HelpArticle
from support.apps import make_app
from support.help_articles import VERSIONS, make_help_article
from support.reading import errors, heading

# Every site (its market) and the title its reader sees: the article's
# version in the site's language.
SITES = [site for market in load_markets("config/markets.toml").values() for site in market.sites]
VARIANTS = {site.code: site.market.key for site in SITES}
TITLES = {site.code: VERSIONS[language_of(site.locale)][0] for site in SITES}


def text(response):
    return response.get_data(as_text=True)


def fresh(article):
    return HelpArticle.get_by_id(article.id)


@pytest.mark.parametrize("lang", VARIANTS)
def test_every_page_renders_in_each_variant(client, db, lang):
    article = make_help_article(VARIANTS[lang], key="password")
    title = TITLES[lang]
    for url in (f"/{lang}/help", f"/{lang}/help/categories/account",
                f"/{lang}/help/articles/password", f"/{lang}/help/search?q=Keyfob",
                f"/{lang}/help/ask"):
        response = client.get(url)
        assert response.status_code == 200, url
        if "/ask" not in url:
            assert title in text(response), url
    home = text(client.get(f"/{lang}/help"))
    assert f'href="/{lang}/help/categories/account"' in home
    assert f'href="/{lang}/help/ask"' in home
    assert "tel:" in home
    answer = client.post(f"/{lang}/help/ask", data={"question": "Keyfob"})
    assert answer.status_code == 200 and title in text(answer)
    assert "<mark>Keyfob" in text(answer)
    assert fresh(article).views == 1


def test_the_footer_links_to_the_help_center(client):
    assert 'href="/de-at/help"' in text(client.get("/de-at/"))


def test_a_version_in_another_language_says_so(client, db):
    make_help_article("ca", key="english-only", versions={"en": ("Only English", "Some text.")})
    page = text(client.get("/fr-ca/help/articles/english-only"))
    assert "Only English" in page
    assert "not available in your language yet" in page or "anglais" in page
    # The market's own language, or a regional reader of the general
    # version (de_AT reading "de"), is no fallback worth a notice.
    assert "not available" not in text(client.get("/en-ca/help/articles/english-only"))
    make_help_article("at", key="deutsch", versions={"de": ("Deutsch", "Text.")})
    assert "class=\"notice\"" not in text(client.get("/de-at/help/articles/deutsch"))


def test_each_read_is_counted(client, db):
    article = make_help_article("ca", key="counted")
    client.get("/en-ca/help/articles/counted")
    page = text(client.get("/en-ca/help/articles/counted"))
    assert fresh(article).views == 2
    assert "Read 2 times" in page


def test_one_vote_per_visitor(client, db):
    article = make_help_article("ca", key="vote")
    first = client.post("/en-ca/help/articles/vote/vote", data={"helpful": "yes"})
    assert first.status_code == 303 and first.location.endswith("/en-ca/help/articles/vote")
    page = text(client.get(first.location))
    assert "Thank you for your answer." in page and 'name="helpful"' not in page
    client.post("/en-ca/help/articles/vote/vote", data={"helpful": "no"})
    article = fresh(article)
    assert (article.helpful_yes, article.helpful_no) == (1, 0)


def test_the_vote_with_htmx_answers_only_the_thank_you(client, db):
    article = make_help_article("ca", key="vote")
    answer = client.post("/en-ca/help/articles/vote/vote", data={"helpful": "no"},
                         headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert text(answer).startswith('<div id="help-vote"')
    assert "<main" not in text(answer) and "Thank you for your answer." in text(answer)
    assert fresh(article).helpful_no == 1


def test_a_vote_without_an_answer_is_refused(client, db):
    article = make_help_article("ca", key="vote")
    assert client.post("/en-ca/help/articles/vote/vote", data={"helpful": "maybe"}).status_code == 400
    assert fresh(article).helpful_yes == fresh(article).helpful_no == 0


def test_the_vote_needs_the_csrf_token(tmp_path):
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_help_article("ca", key="vote")
    client = app.test_client()
    assert client.post("/en-ca/help/articles/vote/vote", data={"helpful": "yes"}).status_code == 400
    page = text(client.get("/en-ca/help/articles/vote"))
    token = re.search(r'name="csrf_token" value="([^"]*)"', page).group(1)
    answer = client.post("/en-ca/help/articles/vote/vote",
                         data={"helpful": "yes", "csrf_token": token})
    assert answer.status_code == 303


def test_markup_in_an_article_never_runs(client, db):
    body = ("<script>alert(1)</script> <img src=x onerror=alert(2)> **bold** *it*\n\n"
            "- one\n- two\n\n[bad](javascript:alert(3)) [ok](https://example.com) [here](/en-ca/help)")
    make_help_article("ca", key="markup", versions={"en": ("<b>Title</b>", body)})
    page = text(client.get("/en-ca/help/articles/markup"))
    assert "<script>alert" not in page and "<img" not in page and "<b>Title" not in page
    assert "&lt;script&gt;" in page and "&lt;b&gt;Title" in page
    assert "<strong>bold</strong>" in page and "<em>it</em>" in page and "<li>one</li>" in page
    assert 'href="javascript' not in page
    assert '<a href="https://example.com">ok</a>' in page and '<a href="/en-ca/help">here</a>' in page


def test_the_question_box_takes_200_characters(client, db):
    make_help_article("ca", key="password")
    too_long = client.post("/en-ca/help/ask", data={"question": "x" * 201})
    assert too_long.status_code == 422
    assert errors(too_long) == ["Your question must be 200 characters or fewer."]
    assert "x" * 201 in text(too_long)
    fits = client.post("/en-ca/help/ask", data={"question": "How do I change my Keyfob password" + "?" * 166})
    assert fits.status_code == 200 and heading(fits) == "Answers to your question"
    assert "Your Keyfob password" in text(fits)
    empty = client.post("/en-ca/help/ask", data={"question": "  "})
    assert empty.status_code == 422 and errors(empty) == ["Type your question."]


def test_a_question_without_an_article_gets_the_support_line(client, db):
    make_help_article("ca", key="password")
    answer = client.post("/en-ca/help/ask", data={"question": "Can I pay with seashells?"})
    assert answer.status_code == 200
    assert "We found no article for this question." in text(answer)
    assert "tel:" in text(answer)


def test_search_pages_and_keeps_the_query(client, db):
    for number in range(12):
        make_help_article("ca", key=f"article-{number:02d}")
    first = text(client.get("/en-ca/help/search?q=Keyfob"))
    assert "12 articles found" in first and 'value="Keyfob"' in first
    assert first.count("<mark>") >= 10
    assert "/en-ca/help/search?q=Keyfob&amp;page=2" in first
    second = text(client.get("/en-ca/help/search?q=Keyfob&page=2"))
    assert second.count('href="/en-ca/help/articles/article-') == 2
    assert "Page 2 of 2" in second


@pytest.mark.parametrize("query", ["", "the and of", "zzzqqq"])
def test_a_useless_search_suggests_topics_and_articles(client, db, query):
    make_help_article("ca", key="popular", views=5)
    page = text(client.get(f"/en-ca/help/search?q={query}"))
    assert 'href="/en-ca/help/categories/account"' in page
    assert 'href="/en-ca/help/articles/popular"' in page


def test_the_most_read_articles_show_an_excerpt_and_their_reads(client, db):
    """Seed 004: a recommended article says what it is about and how many
    read it, not only its title."""
    body = "**Forgot** your password? Choose *Forgot your password* on the sign-in page, " + "then more " * 20
    make_help_article("ca", key="popular", views=1234,
                      versions={"en": ("Forgotten password", body)})
    page = text(client.get("/en-ca/help"))
    assert ('<p>Forgot your password? Choose Forgot your password on the sign-in page, then more then '
            'more then more then more then …</p>') in page
    # The count as each language writes numbers (issue 17, item 5).
    assert '<p class="hint">Read 1,234 times</p>' in page
    assert "Consulté 1\xa0234 fois" in text(client.get("/fr-ca/help"))   # CLDR fr_CA: a no-break space


def test_the_question_box_stops_at_the_limit_the_server_checks(client, db):
    assert 'maxlength="200"' in text(client.get("/en-ca/help/ask"))


def test_a_search_over_200_characters_is_a_clear_error(client, db):
    response = client.get("/en-ca/help/search?q=" + "x" * 201)
    assert response.status_code == 422
    assert errors(response) == ["Your search must be 200 characters or fewer."]
    assert client.get("/en-ca/help/search?q=" + "x" * 200).status_code == 200
    assert client.get("/en-ca/help/search?q=Keyfob&page=abc").status_code == 200
    assert client.get("/en-ca/help/search?q=%00").status_code == 422


def test_another_markets_article_is_not_found(client, db):
    make_help_article("at", key="austria")
    assert client.get("/en-ca/help/articles/austria").status_code == 404
    assert client.post("/en-ca/help/articles/austria/vote",
                       data={"helpful": "yes"}).status_code == 404
    assert client.get("/en-ca/help/articles/missing").status_code == 404
    assert client.get("/en-ca/help/categories/nothing").status_code == 404


def test_the_most_read_come_first_and_related_articles_show(client, db):
    make_help_article("ca", key="rarely", views=1,
                      versions={"en": ("Rarely read", "Text.")})
    make_help_article("ca", key="often", views=50, versions={"en": ("Often read", "Text.")})
    make_help_article("ca", key="current", versions={"en": ("Current", "Text.")})
    home = text(client.get("/en-ca/help"))
    assert home.index("Often read") < home.index("Rarely read")
    page = text(client.get("/en-ca/help/articles/current"))
    assert "Often read" in page and page.index("Often read") < page.index("Rarely read")


def test_the_demo_help_center_is_searchable(runner, client):
    runner.invoke(args=["demo", "load"])
    assert "I forgot my password" in text(client.get("/en-ca/help/search?q=passwords"))
    assert "Ich habe mein Passwort vergessen" in text(client.get("/de-at/help/search?q=Passwörter"))
    assert "oublié mon mot de passe" in text(client.get("/fr-ca/help/search?q=oublie"))
