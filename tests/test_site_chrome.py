"""Each site's head, top and footer are rendered once and kept
(views.shared.chrome): what marketers publish shows in them at once, a
marketer's preview shows their drafts there and only to them, and each site
keeps its own."""
from domain import texts
from support.customers import signed_in_with
from support.reading import text_of
from support.staff import staff_signed_in

FOOTER_LINK = "Terms of use"


def publish(variant, msgid, wording):
    texts.publish_value(variant, texts.row(variant, texts.message_key(msgid)).text,
                        [wording], None, "test")


def test_a_published_text_shows_in_the_kept_footer_at_once(app, client, outbox, db):
    signed_in_with(client, outbox)                      # de-at: a page never kept
    for _ in range(2):
        assert "Nutzungsbedingungen" in text_of(client.get("/de-at/account"))
    publish("de_AT", FOOTER_LINK, "Bedingungen für die Nutzung")
    page = text_of(client.get("/de-at/account"))
    assert "Bedingungen für die Nutzung" in page and "Nutzungsbedingungen" not in page


def test_each_site_keeps_its_own_chrome(app, db):
    visitor = app.test_client()
    for _ in range(2):
        assert "MINI Financial Services" in text_of(visitor.get("/en-ca/help/categories/none"))
        french = text_of(visitor.get("/fr-ca/help/categories/none"))
        assert "Services financiers MINI" in french and "Skip to main content" not in french


def test_a_marketers_drafts_show_in_the_chrome_for_them_only(app, db):
    marketer, visitor = app.test_client(), app.test_client()
    staff_signed_in(marketer, "marketer")
    visitor.get("/en-ca/help/categories/none")           # the chrome kept first
    key = texts.message_key(FOOTER_LINK)
    marketer.post(f"/staff/texts/en_CA/{key}", data={"action": "save", "form_0": "Draft terms"})
    marketer.post("/staff/texts/preview", data={"preview": "on", "variant": "en_CA"})
    assert "Draft terms" in text_of(marketer.get("/en-ca/help/categories/none"))
    page = text_of(visitor.get("/en-ca/help/categories/none"))
    assert FOOTER_LINK in page and "Draft terms" not in page


def test_a_kept_url_is_the_one_flask_builds_for_each_site_and_value(app):
    from flask import url_for
    from views.shared.templating import site_url_for
    for path in ("/de-at/help", "/fr-ca/help", "/en-ca/help"):
        with app.test_request_context(path):
            app.preprocess_request()
            for _ in range(2):                   # built, then kept
                for endpoint, values in (("messages.inbox", {}), ("help.home", {}),
                                         ("agreements.detail", {"agreement_id": 7}),
                                         ("agreements.detail", {"agreement_id": 8, "page": 2}),
                                         ("help.home", {"lang": "fr-fr"}),
                                         ("site.sites", {}),
                                         ("help.home", {"_anchor": "top"})):
                    assert site_url_for(endpoint, **values) == url_for(endpoint, **values)
    with app.test_request_context("/staff/queue"):          # no site
        for _ in range(2):
            assert site_url_for("help.home", lang="de-at") == url_for("help.home", lang="de-at")
            assert site_url_for("site.sites") == url_for("site.sites")
    with app.test_request_context("/de-at/help", base_url="http://localhost/portal"):
        app.preprocess_request()
        assert site_url_for("help.home") == "/portal/de-at/help"
