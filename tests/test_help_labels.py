"""Help articles say what the screens say (issue 17, item 9): an article
names a label of the screens by its message id, [[Create an account]]
(domain.help.LABEL), and every reader sees it as their variant's screens
show it, a marketer's change included. The demo articles use no label
written by hand, name no text the app lacks, and say "depending on your
country" nowhere (each market has one way to add an agreement)."""
import html
import os
import re
import tomllib

from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext

from demo import sample as demo
from domain import help, texts
from support.staff import staff_signed_in

with open(os.path.join(demo.DEMO_FILES, "help.toml"), "rb") as f:
    ARTICLES = tomllib.load(f)["articles"]
TRANSLATIONS = os.path.join(os.path.dirname(__file__), "..", "translations")
EMPHASIS = re.compile(r"(?<![*\w])\*([^*\n]+)\*(?![*\w])")
# The readers of each variant, and the article version they read.
READERS = {"en-us": "en_US", "en-ca": "en_CA", "fr-ca": "fr_CA", "fr-fr": "fr_FR", "de-at": "de_AT"}


def versions():
    for entry in ARTICLES:
        for locale, version in entry.items():
            if isinstance(version, dict):
                yield entry["key"], locale, version["body"]


def screen_labels(locale):
    """The texts of the screens in `locale`'s own catalogue (short ones:
    labels, buttons, links), as that catalogue writes them."""
    if locale == "en":
        return {text.id for text in texts.source_texts().values() if len(text.id) <= 40}
    with open(os.path.join(TRANSLATIONS, locale, "LC_MESSAGES", "messages.po"), "rb") as f:
        catalog = read_po(f)
    return {message.string for message in catalog
            if isinstance(message.string, str) and message.string and len(message.string) <= 40}


def text(response):
    return response.get_data(as_text=True)


def label_in(app, lang, msgid):
    """The text of `msgid` as the screens of `lang` show it."""
    with app.test_request_context(f"/{lang}/"), force_locale(READERS[lang]):
        return gettext(msgid)


def test_every_label_of_the_demo_articles_names_a_text_of_the_app():
    named = [(key, locale, label) for key, locale, body in versions()
             for label in help.LABEL.findall(body)]
    assert len(named) >= 20
    assert [(key, locale, label) for key, locale, label in named
            if help.unknown_labels(f"[[{label}]]")] == []


def test_no_demo_article_writes_a_label_of_the_screens_by_hand():
    labels = {locale: screen_labels(locale) for locale in ("en", "fr", "fr_CA", "de")}
    by_hand = [(key, locale, phrase) for key, locale, body in versions()
               for phrase in EMPHASIS.findall(body) if phrase in labels[locale]]
    assert by_hand == []


def test_no_demo_article_says_it_depends_on_the_country():
    for key, locale, body in versions():
        assert not re.search(r"depending on your country|selon votre pays|je nach land",
                             body, re.I), (key, locale)


def test_an_article_shows_each_label_as_the_readers_screens_do(app, client, db):
    demo.load_help()
    for lang in READERS:
        page = text(client.get(f"/{lang}/help/articles/forgotten-password"))
        label = label_in(app, lang, "Forgot your password?")
        assert f"<em>{html.escape(label)}</em>" in page, lang
        assert "[[" not in page
        login = text(client.get(f"/{lang}/login"))
        assert html.escape(label) in login, lang


def test_a_label_a_marketer_changes_changes_in_the_help_too(app, client, db):
    demo.load_help()
    marketer = app.test_client()
    staff_signed_in(marketer, role="marketer", name="Morgan Marketer")
    key = texts.message_key("Create an account")
    answer = marketer.post(f"/staff/texts/fr_CA/{key}",
                           data={"form_0": "Ouvrir un compte", "action": "publish"})
    assert answer.status_code == 303
    page = text(client.get("/fr-ca/help/articles/registering"))
    assert "<em>Ouvrir un compte</em>" in page
    assert "Ouvrir un compte" in text(client.get("/fr-ca/"))
    # France's readers keep their own.
    assert "<em>Ouvrir un compte</em>" not in text(client.get("/fr-fr/help/articles/registering"))


def test_search_and_lists_read_the_label_in_the_readers_words(app, client, db):
    demo.load_help()
    label = label_in(app, "de-at", "Forgot your password?")
    assert label != "Forgot your password?"
    found = text(client.get("/de-at/help/search", query_string={"q": label}))
    assert 'href="/de-at/help/articles/forgotten-password"' in found
    assert "[[" not in found and "<mark>" in found
    home = text(client.get("/de-at/help"))
    assert "[[" not in home
