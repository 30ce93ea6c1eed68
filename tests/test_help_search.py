"""The help center's data and search: which version a customer reads, and
search in each language (plural and accented forms, ranking, paging,
snippets) on SQLite and, with TEST_DATABASE_URL, PostgreSQL."""
import pytest
from markupsafe import Markup

from domain import help
from domain.markets import MARKETS
from models import HelpArticle, HelpCategory


def make_article(market, key, versions, category="account"):
    """An article with `versions`: {locale: (title, body)}, all published."""
    category, _ = HelpCategory.get_or_create(market=market, key=category)
    article = HelpArticle.create(market=market, category=category, key=key)
    for locale, (title, body) in versions.items():
        help.save_version(article, locale, title, body, published=True)
    return article


def keys(results):
    return [result.article.key for result in results]


def test_the_fallback_chain_of_every_market_variant(app):
    assert help.fallback_chain(MARKETS["ca"], "en_CA") == ["en_CA", "en"]
    assert help.fallback_chain(MARKETS["ca"], "fr_CA") == ["fr_CA", "fr", "en_CA", "en"]
    assert help.fallback_chain(MARKETS["at"], "de_AT") == ["de_AT", "de"]
    assert help.fallback_chain(MARKETS["fr"], "fr_FR") == ["fr_FR", "fr"]
    assert help.fallback_chain(MARKETS["us"], "en_US") == ["en_US", "en"]


def test_a_version_falls_back_and_says_so(app, db):
    ca, at = MARKETS["ca"], MARKETS["at"]
    article = make_article("ca", "payments", {"en_CA": ("Payments", "How to pay."),
                                              "fr": ("Paiements", "Comment payer.")})
    version, fell_back = help.version_for(article, "fr_CA", ca)
    assert (version.locale, fell_back) == ("fr", True)
    version, fell_back = help.version_for(article, "en_CA", ca)
    assert (version.locale, fell_back) == ("en_CA", False)

    english_only = make_article("ca", "vin", {"en": ("Your VIN", "Seventeen characters.")})
    version, fell_back = help.version_for(english_only, "fr_CA", ca)
    assert (version.locale, fell_back) == ("en", True)

    german = make_article("at", "zahlung", {"de": ("Zahlung", "So zahlen Sie.")})
    version, fell_back = help.version_for(german, "de_AT", at)
    assert (version.locale, fell_back) == ("de", True)

    help.save_version(german, "de", "Zahlung", "So zahlen Sie.", published=False)
    assert help.version_for(german, "de_AT", at) == (None, False)


@pytest.fixture
def password_articles(db):
    make_article("fr", "mot-de-passe", {
        "fr": ("Mot de passe oublié ?",
               "Vous avez oublié votre mot de passe : demandez un lien sur la page de connexion.")})
    make_article("fr", "echeances", {
        "fr": ("Vos échéances", "La date de prélèvement figure sur votre contrat.")})
    make_article("at", "passwort", {
        "de": ("Passwort vergessen", "Fordern Sie auf der Anmeldeseite einen Link an.")})
    make_article("at", "zahlung", {"de": ("Zahlungen", "Die Rate wird monatlich abgebucht.")})
    make_article("us", "password", {
        "en": ("Forgot your password", "Ask for a reset link on the sign-in page.")})
    make_article("us", "payments", {"en": ("Payments", "Your payment is due monthly.")})


@pytest.mark.parametrize("market, locale, query, found", [
    ("fr", "fr_FR", "mot de passe oublié", "mot-de-passe"),
    ("fr", "fr_FR", "oublie", "mot-de-passe"),                 # accent folding
    ("fr", "fr_FR", "MOTS DE PASSE OUBLIÉS", "mot-de-passe"),   # plural, capitals
    ("fr", "fr_FR", "echeance", "echeances"),
    ("at", "de_AT", "Passwörter", "passwort"),
    ("at", "de_AT", "passworter vergessen", "passwort"),
    ("us", "en_US", "passwords", "password"),
    ("us", "en_US", "forgot password", "password"),
])
def test_search_finds_plural_and_accented_forms(app, password_articles, market, locale, query, found):
    results, total, pages = help.search(MARKETS[market], locale, query)
    assert keys(results) == [found]
    assert (total, pages) == (1, 1)


@pytest.mark.parametrize("query", ["", "   ", "de la", "der die das", "the of", "!!! ???",
                                   "\x00\x1f", "x" * 10_000, '"unbalanced AND OR NOT (*'])
def test_empty_stop_words_and_odd_queries_find_nothing(app, password_articles, query):
    for market, locale in (("fr", "fr_FR"), ("at", "de_AT"), ("us", "en_US")):
        assert help.search(MARKETS[market], locale, query) == ([], 0, 0)


def test_a_title_match_ranks_above_a_body_match(app, db):
    make_article("us", "in-body", {"en": ("Signing in", "If you lost your password, ask for a link.")})
    make_article("us", "in-title", {"en": ("Password rules", "Twelve characters at least.")})
    results, total, _ = help.search(MARKETS["us"], "en_US", "password")
    assert keys(results) == ["in-title", "in-body"] and total == 2


def test_results_come_in_pages(app, db):
    for number in range(25):
        make_article("us", f"fee-{number:02}", {"en": (f"Fee {number}", "About a fee.")})
    seen = []
    for page in (1, 2, 3):
        results, total, pages = help.search(MARKETS["us"], "en_US", "fees", page=page, per_page=10)
        assert (total, pages) == (25, 3)
        assert len(results) == (10 if page < 3 else 5)
        seen += keys(results)
    assert sorted(seen) == [f"fee-{number:02}" for number in range(25)]
    assert help.search(MARKETS["us"], "en_US", "fees", page=4)[0] == []


def test_snippets_mark_the_words_found_and_escape_the_rest(app, db):
    make_article("us", "odd", {"en": ("Odd", "Passwords <script>alert(1)</script> & **bold** text.")})
    make_article("fr", "odd", {"fr": ("Bizarre", "Vous avez oublié <b>tout</b>.")})
    [result], _, _ = help.search(MARKETS["us"], "en_US", "password")
    assert isinstance(result.snippet, Markup)
    assert str(result.snippet) == (
        "<mark>Passwords</mark> &lt;script&gt;alert(1)&lt;/script&gt; &amp; bold text.")
    [result], _, _ = help.search(MARKETS["fr"], "fr_FR", "oublie")
    assert str(result.snippet) == "Vous avez <mark>oublié</mark> &lt;b&gt;tout&lt;/b&gt;."


def test_a_found_word_is_marked_without_the_punctuation_around_it(app, db):
    """Seed 004: the highlight is the word, not the comma after it."""
    make_article("us", "punct", {"en": ("Punct", 'Change your "password", then sign in: password.')})
    [result], _, _ = help.search(MARKETS["us"], "en_US", "password")
    assert str(result.snippet) == (
        'Change your &#34;<mark>password</mark>&#34;, then sign in: <mark>password</mark>.')


def test_a_long_body_is_cut_around_the_first_match(app, db):
    body = " ".join(["filler"] * 100 + ["password"] + ["filler"] * 100)
    make_article("us", "long", {"en": ("Long", body)})
    [result], _, _ = help.search(MARKETS["us"], "en_US", "password")
    text = str(result.snippet)
    assert text.startswith("… filler") and text.endswith("filler …")
    assert "<mark>password</mark>" in text and len(text.split()) == help.SNIPPET_WORDS + 2


def test_unpublished_versions_are_never_found(app, db):
    article = make_article("us", "draft", {"en": ("Password draft", "Not ready.")})
    help.save_version(article, "en", "Password draft", "Not ready.", published=False)
    assert help.search(MARKETS["us"], "en_US", "password") == ([], 0, 0)
    help.save_version(article, "en", "Password guide", "Ready.", published=True)
    assert keys(help.search(MARKETS["us"], "en_US", "password")[0]) == ["draft"]


def test_another_markets_articles_are_never_found(app, db):
    make_article("ca", "password", {"en_CA": ("Password", "Reset it."), "en": ("Password", "Reset it.")})
    make_article("us", "password", {"en": ("Password", "Reset it.")})
    results, total, _ = help.search(MARKETS["us"], "en_US", "password")
    assert [r.article.market for r in results] == ["us"] and total == 1


def test_each_article_is_searched_in_the_version_the_customer_reads(app, db):
    make_article("ca", "password", {"fr_CA": ("Mot de passe", "Réinitialisez-le."),
                                     "fr": ("Mot de passe oublié", "Un lien par courriel."),
                                     "en_CA": ("Password", "Reset it.")})
    make_article("ca", "vin", {"en_CA": ("Your VIN", "Seventeen characters of the vehicle.")})
    results, total, _ = help.search(MARKETS["ca"], "fr_CA", "mot de passe")
    assert [r.version.locale for r in results] == ["fr_CA"] and total == 1
    # Words only in a version the customer would not read find nothing.
    assert help.search(MARKETS["ca"], "fr_CA", "courriel") == ([], 0, 0)
    # An article with no French version is searched in the market's first locale.
    assert keys(help.search(MARKETS["ca"], "fr_CA", "vehicle")[0]) == ["vin"]
    # Another language's words are not searched.
    assert help.search(MARKETS["ca"], "en_CA", "passe") == ([], 0, 0)


def test_saving_again_replaces_the_indexed_text(app, db):
    article = make_article("us", "renamed", {"en": ("Payment holidays", "Skip a month.")})
    help.save_version(article, "en", "Deferrals", "Move a payment.", published=True)
    assert help.search(MARKETS["us"], "en_US", "holidays") == ([], 0, 0)
    assert keys(help.search(MARKETS["us"], "en_US", "deferral")[0]) == ["renamed"]
