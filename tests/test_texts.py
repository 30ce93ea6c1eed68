"""The marketers' text editor: a published text is a layer over the
compiled catalogues, along each variant's chain; drafts show only to their
author in preview mode; checks block what would break a page, with the
explanation a marketer reads; every change is kept and can be reverted."""
import html

import pytest

from app import create_app
from domain import texts
from models import TextChange, TextEntry, TextRevision
from support.queries import counted_queries
from support.staff import staff_signed_in

FORGOT = "Forgot your password?"         # a link of the login page
SITES = ("en-ca", "fr-ca", "de-at", "fr-fr", "en-us")
ORIGINAL = {"en-ca": "Forgot your password?", "en-us": "Forgot your password?",
            "fr-ca": "Mot de passe oublié?", "fr-fr": "Mot de passe oublié\xa0?",
            "de-at": "Passwort vergessen?"}


def text(response):
    return response.get_data(as_text=True)


def key_of(msgid, plural=None):
    key = texts.message_key(msgid, plural)
    assert key in texts.source_texts(), msgid
    return key


@pytest.fixture
def marketer(client, db):
    return staff_signed_in(client, role="marketer", name="Morgan Marketer")


def edit_url(variant, msgid, plural=None):
    return f"/staff/texts/{variant}/{key_of(msgid, plural)}"


def post_text(client, variant, msgid, *forms, action="publish", plural=None):
    data = {f"form_{i}": form for i, form in enumerate(forms)}
    return client.post(edit_url(variant, msgid, plural), data=dict(data, action=action))


def shown(app, lang):
    """The login page as a customer (no staff session) sees it."""
    return text(app.test_client().get(f"/{lang}/login"))


@pytest.mark.parametrize("variant, changed", [
    ("en", {"en-ca", "en-us"}),
    ("en_CA", {"en-ca"}),
    ("en_US", {"en-us"}),
    # fr_CA writes this question its own way (no space before "?", Quebec
    # typography), so French's own text reaches only fr-fr.
    ("fr", {"fr-fr"}),
    ("fr_CA", {"fr-ca"}),
    ("fr_FR", {"fr-fr"}),
    ("de", {"de-at"}),
    ("de_AT", {"de-at"}),
])
def test_a_published_text_shows_along_each_variants_chain(app, client, marketer, variant, changed):
    assert post_text(client, variant, FORGOT, "Lost it? Click").status_code == 303
    for lang in SITES:
        page = shown(app, lang)
        if lang in changed:
            assert "Lost it? Click" in page, lang
        else:
            assert "Lost it? Click" not in page and ORIGINAL[lang] in page, lang


def test_the_regional_text_wins_over_its_language(app, client, marketer):
    post_text(client, "fr", FORGOT, "Oublié (France et Canada)")
    post_text(client, "fr_CA", FORGOT, "Oublié (Canada)")
    assert "Oublié (Canada)" in shown(app, "fr-ca")
    assert "Oublié (France et Canada)" in shown(app, "fr-fr")


def test_a_plural_is_published_per_form(app, client, marketer):
    singular, plural = "Read %(num)s time", "Read %(num)s times"
    answer = post_text(client, "fr_CA", singular, "Lu %(num)s fois (un)", "Lu %(num)s fois (plusieurs)",
                       plural=plural)
    assert answer.status_code == 303
    from support.help_articles import make_help_article
    make_help_article("ca", key="counted")
    page = text(app.test_client().get("/fr-ca/help/articles/counted"))
    assert "Lu 1 fois (un)" in page
    page = text(app.test_client().get("/fr-ca/help/articles/counted"))
    assert "Lu 2 fois (plusieurs)" in page


def test_a_draft_is_seen_only_by_its_author_in_preview(app, client, marketer):
    answer = post_text(client, "fr_CA", FORGOT, "Brouillon de Morgan", action="save")
    assert answer.status_code == 303
    assert "Brouillon de Morgan" not in text(client.get("/fr-ca/login"))
    client.post("/staff/texts/preview", data={"preview": "on", "variant": "fr_CA"})
    assert "Brouillon de Morgan" in text(client.get("/fr-ca/login"))
    assert "Brouillon de Morgan" not in shown(app, "fr-ca")
    other = app.test_client()
    staff_signed_in(other, role="marketer", name="Other Marketer")
    other.post("/staff/texts/preview", data={"preview": "on", "variant": "fr_CA"})
    assert "Brouillon de Morgan" not in text(other.get("/fr-ca/login"))
    client.post("/staff/texts/preview", data={"preview": "off", "variant": "fr_CA"})
    assert "Brouillon de Morgan" not in text(client.get("/fr-ca/login"))


def test_publishing_my_drafts_publishes_them_all(app, client, marketer):
    post_text(client, "fr_CA", FORGOT, "Oublié ?", action="save")
    post_text(client, "fr_CA", "Sign in", "Ouvrir une session", action="save")
    answer = client.post("/staff/texts/publish", data={"variant": "fr_CA"})
    assert answer.status_code == 303
    page = shown(app, "fr-ca")
    assert "Oublié ?" in page and "Ouvrir une session" in page
    assert TextEntry.select().where(TextEntry.draft.is_null(False)).count() == 0


@pytest.mark.parametrize("msgid, typed, message", [
    ("Hello, %(name)s", "Bonjour",
     "The text must keep %(name)s: the page puts a person's name there. Put it back where it "
     "belongs, written exactly like this."),
    ("Hello, %(name)s", "Bonjour %(nom)s, %(name)s",
     "%(nom)s is not in the original text, so the page has nothing to put there: it would "
     "break or show the wrong thing. Remove it, or use one of: %(name)s."),
    (FORGOT, "Oublié à 100 % ?", "The % sign near"),
    (FORGOT, "<b>Oublié</b> ?", "This text may not contain markup such as <b>. Remove it."),
    (FORGOT, "   ", "This text is empty, so the page would show nothing."),
])
def test_what_would_break_a_page_is_refused_with_its_explanation(client, marketer, msgid, typed,
                                                                 message):
    answer = post_text(client, "fr_CA", msgid, typed)
    assert answer.status_code == 422
    page = text(answer)
    assert "This text cannot be saved yet" in page
    import html
    assert message in html.unescape(page)
    assert TextEntry.select().count() == 0
    # What was typed stays in the box.
    if typed.strip():
        assert html.escape(typed, quote=False) in page


def test_a_glossary_word_warns_and_saves(app, client, marketer):
    answer = post_text(client, "fr_CA", FORGOT, "Oublié ? Écrivez-nous par e-mail")
    assert answer.status_code == 303
    page = text(client.get(answer.location))
    assert "courriel" in page        # the warning names the word to use
    assert "Écrivez-nous par e-mail" in shown(app, "fr-ca")


def test_every_change_is_kept_and_can_be_reverted(app, client, marketer):
    post_text(client, "fr_CA", FORGOT, "Premier")
    post_text(client, "fr_CA", FORGOT, "Second")
    first, second = TextChange.select().order_by(TextChange.id)
    assert (first.staff_id, first.before, first.after) == (marketer.id, None, '["Premier"]')
    assert second.before == '["Premier"]'
    history = text(client.get("/staff/texts/history"))
    assert "Morgan Marketer" in history and "Second" in history
    client.post(f"/staff/texts/history/{second.id}/revert", data={"scope": "one"})
    assert "Premier" in shown(app, "fr-ca")
    client.post(f"/staff/texts/history/{first.id}/revert", data={"scope": "one"})
    assert ORIGINAL["fr-ca"] in shown(app, "fr-ca")


def test_all_changes_since_a_point_are_reverted_together(app, client, marketer):
    post_text(client, "fr_CA", "Sign in", "Avant")
    post_text(client, "fr_CA", FORGOT, "Un")
    since = TextChange.select().order_by(TextChange.id.desc()).get()
    post_text(client, "fr_CA", FORGOT, "Deux")
    post_text(client, "de", "Sign in", "Einloggen bitte")
    answer = client.post(f"/staff/texts/history/{since.id}/revert", data={"scope": "since"})
    assert answer.status_code == 303
    page = shown(app, "fr-ca")
    assert "Avant" in page and ORIGINAL["fr-ca"] in page and "Deux" not in page
    assert "Einloggen bitte" not in shown(app, "de-at")


def test_revert_to_inherited_shows_the_language_again(app, client, marketer):
    post_text(client, "fr_CA", FORGOT, "Canadien")
    client.post(edit_url("fr_CA", FORGOT), data={"action": "revert"})
    assert ORIGINAL["fr-ca"] in shown(app, "fr-ca")
    assert TextEntry.get().published is None


def test_each_publish_raises_the_revision_once(client, marketer):
    before = TextRevision.get_by_id(1).number
    post_text(client, "fr_CA", FORGOT, "Un")
    assert TextRevision.get_by_id(1).number == before + 1


def test_another_process_sees_a_change_by_the_revision(tmp_path, app, client, marketer):
    """A second app on the same database (as a second server process would
    be) served the old text; after a change published through the first it
    serves the new one on its next request."""
    second = create_app(dict(app.config), instance_path=str(tmp_path / "second"))
    assert ORIGINAL["fr-ca"] in text(second.test_client().get("/fr-ca/login"))
    assert post_text(client, "fr_CA", FORGOT, "Vu par l'autre").status_code == 303
    # A translation is markup (Flask-Babel's Jinja gettext): the quote stays as typed.
    assert "Vu par l'autre" in text(second.test_client().get("/fr-ca/login"))


@pytest.mark.parametrize("query, show, present, absent", [
    ("password", "", FORGOT, "Sign in"),
    ("auth/login", "", "Sign in", "Your Keyfob password"),
    ("Mot de passe oublié", "", FORGOT, "Sign in"),
])
def test_the_list_searches_source_translation_and_where_used(client, marketer, query, show,
                                                              present, absent):
    page = text(client.get("/staff/texts", query_string={"variant": "fr_CA", "q": query, "show": show}))
    assert present in page and absent not in page


SMS_DEVICE_CODE = ("%(brand)s: your code to confirm this device is %(code)s. It works for "
                   "%(minutes)s minutes. Never give it to anyone, not even to us.")


def test_the_list_says_where_each_text_shows_and_finds_by_it(client, marketer):
    """Each text with where customers meet it (a page, an email, a text
    message; the back office), and a search by either: "Text message" finds
    the SMS texts, "email" the emails' (seed 000: marketers change every text
    of pages, emails and SMS)."""
    sms = text(client.get("/staff/texts", query_string={"variant": "fr_CA", "q": "Text message"}))
    assert "your code to confirm this device is" in sms and "Text message: code" in sms
    assert "Sign in" not in sms and "Email:" not in sms
    emails = text(client.get("/staff/texts", query_string={"variant": "en_US", "q": "email: reset"}))
    assert "Email: reset" in emails and "Text message:" not in emails
    login = text(client.get("/staff/texts", query_string={"variant": "fr_CA", "q": FORGOT}))
    assert "Page: auth/login" in login
    assert "Text message: code" in text(client.get(edit_url("fr_CA", SMS_DEVICE_CODE)))


def test_the_filters(client, marketer):
    post_text(client, "fr_CA", FORGOT, "Canadien")
    overridden = text(client.get("/staff/texts?variant=fr_CA&show=overridden"))
    assert FORGOT in overridden and "Sign in" not in overridden
    inherited = text(client.get("/staff/texts?variant=fr_CA&show=inherited&q=Sign"))
    assert "Sign in" in inherited
    # A text the code no longer has is listed as unused, or as changed
    # when the source has a close one.
    TextEntry.create(locale="fr_CA", key="0" * 32, msgid="Forgot your passwords?",
                     published='["Oublié"]')
    TextEntry.create(locale="fr_CA", key="1" * 32, msgid="A text nobody has any more at all",
                     published='["Vieux"]')
    changed = text(client.get("/staff/texts?variant=fr_CA&show=changed"))
    assert "Forgot your passwords?" in changed and "nobody" not in changed
    unused = text(client.get("/staff/texts?variant=fr_CA&show=unused"))
    assert "nobody" in unused and "Forgot your passwords?" not in unused


def test_the_edit_page_shows_the_siblings_side_by_side(client, marketer):
    post_text(client, "fr_FR", FORGOT, "Version de France")
    page = text(client.get(edit_url("fr_CA", FORGOT)))
    assert "Version de France" in page and "Mot de passe oublié" in page


@pytest.mark.parametrize("email", ["activation", "reset", "code", "new_message", "data_export_ready"])
@pytest.mark.parametrize("variant", ["fr_CA", "de_AT", "en", "fr"])
def test_emails_preview_in_every_variant(client, marketer, email, variant):
    page = client.get("/staff/texts/emails", query_string={"variant": variant, "email": email})
    # The sample customer, greeted as the variant's market does: "Camille" or "Frau Roy".
    assert page.status_code == 200 and ("Camille" in text(page) or "Roy" in text(page))
    html = client.get(f"/staff/texts/emails/{variant}/{email}.html")
    assert html.status_code == 200 and "sandbox" in html.headers["Content-Security-Policy"]


def test_an_email_preview_shows_a_published_change(client, marketer):
    msgid = "Activate my account"
    post_text(client, "fr_CA", msgid, "Activez votre compte maintenant")
    assert "Activez votre compte maintenant" in text(
        client.get("/staff/texts/emails/fr_CA/activation.html"))


def test_unknown_variants_and_texts_are_not_found(client, marketer):
    assert client.get("/staff/texts?variant=xx").status_code == 404
    assert client.get(f"/staff/texts/fr_CA/{'f' * 32}").status_code == 404
    assert client.get(f"/staff/texts/xx/{key_of(FORGOT)}").status_code == 404


def test_the_history_costs_the_same_queries_for_many_changes(client, marketer):
    post_text(client, "fr_CA", FORGOT, "Un")
    with counted_queries() as few:
        client.get("/staff/texts/history")
    for n in range(8):
        post_text(client, "de", FORGOT, f"Vergessen {n}")
    with counted_queries() as many:
        page = text(client.get("/staff/texts/history"))
    assert "Vergessen 7" in page and page.count("Morgan Marketer") == 9
    assert len(many) == len(few)


def test_the_list_counts_only_my_drafts(app, client, marketer):
    post_text(client, "fr_CA", FORGOT, "Le mien", action="save")
    other = app.test_client()
    staff_signed_in(other, role="marketer", name="Other Marketer")
    post_text(other, "fr_CA", "Sign in", "Le sien", action="save")
    assert "1 draft of yours waits in this variant." in text(client.get("/staff/texts?variant=fr_CA"))
