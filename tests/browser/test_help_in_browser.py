"""The help center in Chromium, in every language variant, with JavaScript
on (htmx swaps a thank-you in place of the form) and off (plain forms, the
thank-you as a flash after a redirect):
- search (a search of common words only finds nothing and suggests topics),
  read (each read counted), vote;
- ask a question, say whether the answer helped; a question that finds
  nothing offers no such form, and the support contact instead.

Text on the pages is asserted only where we control it (article titles,
the customer's own question); the app's own texts are found by selectors,
since their translations change independently of this test (only the
"did this answer your question?" legend is checked to be translated)."""
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect

from domain.markets import load_markets
from flows import each_variant_once, path_is
from support.help_articles import unique_word


@dataclass(frozen=True)
class Variant:
    market: str
    locale: str
    title: str          # the article version it reads (fr-ca reads "fr": fr_CA -> fr)
    question: str       # a question in its language, that the article answers
    nothing: str        # a question no article answers
    stop_words: str     # common words only, all in the article's text: finds nothing


VARIANTS = {
    "en-ca": Variant("ca", "en_CA", "Your Keyfob password",
                     "How do I change my Keyfob password?", "seashells", "the on your"),
    "fr-ca": Variant("ca", "fr_CA", "Votre mot de passe Keyfob",
                     "Comment changer mon mot de passe Keyfob ?", "coquillages", "de la sur"),
    "de-at": Variant("at", "de_AT", "Ihr Keyfob-Passwort",
                     "Wie ändere ich mein Keyfob-Passwort?", "Muscheln", "Sie auf der"),
    "fr-fr": Variant("fr", "fr_FR", "Votre mot de passe Keyfob",
                     "Comment changer mon mot de passe Keyfob ?", "coquillages", "de la sur"),
    "en-us": Variant("us", "en_US", "Your Keyfob password",
                     "How do I change my Keyfob password?", "seashells", "the on your"),
}

# The support contact each market shows (the app reads the same file).
MARKETS = load_markets(Path(__file__).resolve().parents[2] / "config" / "markets.toml")

# One variant per language (search stems words per language): the flows are
# the same code in every market. Each market's help pages are in the crawl,
# with and without JavaScript, and its articles and search in
# tests/test_help_pages.py and tests/test_help_search.py. Each flow runs each
# language once, JavaScript on and off in turn, the second flow the other way
# round: each language is seen both ways.


@pytest.fixture(scope="module")
def article_of(server):
    """article_of(market): the key of one article of that market (en, fr and
    de versions), made the first time it is asked for. The crawl made
    articles of the same text: unique_word(key) finds this one among them."""
    keys = {}

    def article(market):
        if market not in keys:
            keys[market] = server.make_help_article(market)
        return keys[market]
    return article


def question_row(server, question_id):
    """(market, locale, found, helpful) of a question the server kept."""
    with sqlite3.connect(server.database_path) as db:
        return db.execute("SELECT market, locale, found, helpful FROM help_question WHERE id = ?",
                          (question_id,)).fetchone()


def read_count(page):
    """The number in the article's "Read N times"."""
    hint = page.locator("main article p.hint")
    expect(hint).to_have_text(re.compile(r"\d"))
    return int(re.search(r"\d+", hint.inner_text()).group(0))


def count_is(number):
    return re.compile(rf"(?<!\d){number}(?!\d)")


def search(page, query):
    page.locator("#q").fill(query)
    page.locator("form.help-search button").click()
    expect(page.locator("#q")).to_have_value(query)


def ask(page, question):
    page.locator("#question").fill(question)
    page.locator("main form button").click()


@each_variant_once("en-us", "fr-ca", "de-at")
def test_search_read_and_vote(new_page, server, csp_watch, article_of, lang, js):
    variant = VARIANTS[lang]
    page = new_page(js=js)
    csp = csp_watch(page, events=js)
    key = article_of(variant.market)
    article_link = f'.help-results a[href="/{lang}/help/articles/{key}"]'

    # From the footer to the help center.
    page.goto(f"/{lang}/")
    page.locator(f'footer a[href="/{lang}/help"]').click()
    expect(page).to_have_url(path_is(server, f"/{lang}/help"))

    # Common words only find nothing: a "no article" status and, instead,
    # the topics (the article's category) and the question box.
    search(page, variant.stop_words)
    expect(page).to_have_url(re.compile(re.escape(server.url(f"/{lang}/help/search?"))))
    expect(page.locator(".help-results")).to_have_count(0)
    expect(page.locator("main p[role=status]")).to_be_visible()
    expect(page.locator(f'main a[href="/{lang}/help/categories/account"]')).to_be_visible()
    expect(page.locator(f'main a[href="/{lang}/help/ask"]')).to_be_visible()

    # A search that finds the article, in this variant's version.
    search(page, "Keyfob " + unique_word(key))
    result = page.locator(article_link)
    expect(result).to_have_text(variant.title)
    expect(page.locator(".help-results mark").first).to_contain_text("Keyfob")
    expect(page.locator(f'main a[href="/{lang}/help/categories/account"]')).to_have_count(0)

    # Read it: in the customer's language (no "not in your language" notice,
    # fr-ca included), each read counted.
    result.click()
    expect(page).to_have_url(path_is(server, f"/{lang}/help/articles/{key}"))
    expect(page.locator("h1")).to_have_text(variant.title)
    expect(page.locator("main article strong").first).to_be_visible()
    expect(page.locator("main article")).to_contain_text(unique_word(key))
    expect(page.locator("main article .notice")).to_have_count(0)
    reads = read_count(page)
    page.reload()
    expect(page.locator("main article p.hint")).to_have_text(count_is(reads + 1))

    # Vote.
    page.locator('#help-vote button[value="yes"]').click()
    expect(page.locator("#help-vote button")).to_have_count(0)
    if js:
        # Swapped in place: the thank-you, no flash, still the article.
        expect(page.locator("div#help-vote[role=status]")).to_be_visible()
        expect(page.locator(".notice")).to_have_count(0)
        expect(page).to_have_url(path_is(server, f"/{lang}/help/articles/{key}"))
    else:
        # Redirected back to the article (one more read), the thank-you a flash.
        expect(page).to_have_url(path_is(server, f"/{lang}/help/articles/{key}"))
        expect(page.locator(".notice")).to_be_visible()
        expect(page.locator("h1")).to_have_text(variant.title)
    # Once voted, the page has no form any more.
    page.reload()
    expect(page.locator("h1")).to_have_text(variant.title)
    expect(page.locator("#help-vote button")).to_have_count(0)
    expect(page.locator("#help-vote")).to_be_visible()
    assert csp.violations == []


@each_variant_once("en-us", "fr-ca", "de-at", first_with_js=False)
def test_ask_and_say_whether_the_answer_helped(new_page, server, csp_watch, article_of,
                                               lang, js):
    variant = VARIANTS[lang]
    page = new_page(js=js)
    csp = csp_watch(page, events=js)
    key = article_of(variant.market)
    support_phone = MARKETS[variant.market].support_phone

    page.goto(f"/{lang}/help")
    page.locator(f'main a[href="/{lang}/help/ask"]').click()
    expect(page).to_have_url(path_is(server, f"/{lang}/help/ask"))

    # The box stops at the 200 characters the server allows (seed 004);
    # the server's own refusal of more: tests/test_help_pages.py. With
    # JavaScript a live count shows how far it is; without, the hint says it.
    count = page.locator('p[data-count-for="question"]')
    if js:
        expect(count).to_have_text("0 / 200")
        page.locator("textarea#question").press_sequentially("Mon")
        expect(count).to_have_text("3 / 200")
    else:
        expect(count).to_be_hidden()
    page.locator("textarea#question").fill("x" * 201)
    expect(page.locator("textarea#question")).to_have_value("x" * 200)
    if js:
        expect(count).to_have_text("200 / 200")

    # A question in the customer's own words: the article answers it, and
    # the page asks whether that helped.
    question = variant.question + " " + unique_word(key)
    ask(page, question)
    expect(page.locator(f'.help-results a[href="/{lang}/help/articles/{key}"]')).to_have_text(
        variant.title)
    expect(page.locator("#asked")).to_have_text(question)
    helped = page.locator("form#help-helped")
    expect(helped.locator("legend")).to_have_text(re.compile(r"\w"))
    if variant.locale.startswith("en"):
        expect(helped.locator("legend")).to_have_text("Did this answer your question?")
    else:   # translated (fr-ca and de-at by their language's catalogue)
        expect(helped.locator("legend")).not_to_have_text(re.compile("answer your question"))
    expect(helped.locator("button[name=helped]")).to_have_count(2)
    action = helped.get_attribute("action")
    match = re.fullmatch(rf"/{lang}/help/ask/(\d+)/helped", action or "")
    assert match, action
    question_id = int(match.group(1))
    market, locale, found, answer = question_row(server, question_id)
    assert (market, locale, answer) == (variant.market, variant.locale, None)
    assert found >= 1

    helped.locator("button[name=helped][value=no]").click()
    expect(page.locator("button[name=helped]")).to_have_count(0)
    if js:
        # The thank-you in place of the form; still the answer page, no flash.
        expect(page.locator("div#help-helped[role=status]")).to_be_visible()
        expect(page.locator(".notice")).to_have_count(0)
        expect(page).to_have_url(path_is(server, f"/{lang}/help/ask"))
        expect(page.locator(f'.help-results a[href="/{lang}/help/articles/{key}"]')).to_be_visible()
        expect(page.locator("#question")).to_have_count(0)
    else:
        # Redirected (303) to an empty question box, the thank-you a flash.
        expect(page).to_have_url(path_is(server, f"/{lang}/help/ask"))
        expect(page.locator(".notice")).to_be_visible()
        expect(page.locator("#question")).to_have_value("")
        expect(page.locator("#help-helped")).to_have_count(0)
    assert question_row(server, question_id)[3] == 0     # "no", kept as False

    # A question no article answers: no "did this help?", the support instead.
    page.goto(f"/{lang}/help/ask")
    ask(page, variant.nothing)
    expect(page.locator("#asked")).to_have_text(variant.nothing)
    expect(page.locator(".help-results")).to_have_count(0)
    expect(page.locator("#help-helped")).to_have_count(0)
    expect(page.locator("button[name=helped]")).to_have_count(0)
    expect(page.locator(f'.help-support a[href="tel:{support_phone}"]')).to_be_visible()
    expect(page.locator(
        f'.help-support a[href="mailto:{MARKETS[variant.market].support_email}"]')).to_be_visible()
    assert csp.violations == []
