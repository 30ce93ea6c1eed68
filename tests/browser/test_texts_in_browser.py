"""The marketers' text editor in Chromium, with JavaScript on (htmx boosts
the editor's plain forms) and off (plain POST, 303): a marketer signs in
with a TOTP code, finds a text of the login page in Canadian French, saves
a draft, turns preview on and sees the draft on /fr-ca/login, while a
customer in another browser does not; once published, the customer's
reload shows it. A text that drops its placeholder is refused with the
explanation, keeps what was typed and publishes nothing.

The server (and its database) is the session's: other tests and the other
parametrization may have published this text already, so every wording
here carries a token of its own."""
import re
import secrets

import pytest
from playwright.sync_api import expect

from domain.texts import message_key
from flows import path_is, sign_in_as_staff

FORGOT = "Forgot your password?"
HELLO = "Hello, %(name)s"


def forgot_link(page):
    """The login page's link to /fr-ca/forgot-password."""
    return page.locator('main a[href="/fr-ca/forgot-password"]')


def is_edit_post(response):
    return response.request.method == "POST" and "/staff/texts/fr_CA/" in response.url


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_a_marketer_drafts_previews_and_publishes_a_login_text(new_page, server, csp_watch, js):
    token = secrets.token_hex(3)
    wording = f"Mot de passe perdu ? (essai {token})"
    email, password, secret = server.make_staff("marketer")
    marketer = new_page(js=js)
    csp = csp_watch(marketer, events=js)
    sign_in_as_staff(marketer, server, email, password, secret)

    # --- from the back office's home to the text -------------------------------------------
    marketer.locator('main a[href="/staff/texts"]', has_text="Texts").click()
    expect(marketer).to_have_url(re.compile(re.escape(server.url("/staff/texts")) + r"(\?.*)?$"))
    expect(marketer.locator("h1")).to_have_text("Texts")
    marketer.locator("#variant").select_option("fr_CA")
    marketer.locator("#q").fill("login")
    marketer.locator("main form.filters button").click()
    expect(marketer).to_have_url(re.compile(re.escape(server.url("/staff/texts?")) + r".*q=login"))
    expect(marketer.locator("#variant")).to_have_value("fr_CA")
    expect(marketer.locator("#q")).to_have_value("login")
    row = marketer.locator("table.texts tbody tr",
                           has=marketer.get_by_role("link", name=FORGOT, exact=True))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Page: auth/login")
    row.get_by_role("link", name=FORGOT, exact=True).click()

    edit_path = f"/staff/texts/fr_CA/{message_key(FORGOT)}"
    expect(marketer).to_have_url(path_is(server, edit_path))
    expect(marketer.locator("h1")).to_have_text("A text in French (Canada)")
    expect(marketer.locator("main dl.summary")).to_contain_text(FORGOT)

    # --- a draft, seen in preview by its author only ---------------------------------------
    marketer.locator("#form_0").fill(wording)
    marketer.locator("button[name=action][value=save]").click()
    expect(marketer.locator("main .notice")).to_contain_text("The draft is saved.")
    expect(marketer).to_have_url(path_is(server, edit_path))
    expect(marketer.locator("#form_0")).to_have_value(wording)
    expect(marketer.locator("button[name=action][value=discard]")).to_be_visible()

    marketer.locator('main form[action="/staff/texts/preview"] button').click()
    expect(marketer.locator("main .notice").first).to_contain_text("Preview is on")
    expect(marketer.locator('main form[action="/staff/texts/preview"] button')).to_have_text(
        "Turn preview off")

    marketer.goto("/fr-ca/login")
    expect(marketer.locator("#text-preview")).to_be_visible()
    expect(forgot_link(marketer)).to_have_text(wording)

    customer = new_page(js=js)
    customer_csp = csp_watch(customer, events=js)
    customer.goto("/fr-ca/login")
    expect(forgot_link(customer)).to_be_visible()
    expect(forgot_link(customer)).not_to_have_text(wording)
    expect(customer.locator("main")).not_to_contain_text(token)
    expect(customer.locator("#text-preview")).to_have_count(0)

    # --- published: the customer's next request shows it ----------------------------------
    # From here the back office is in French (Canada): its pages take the
    # language of the `site` cookie, which /fr-ca/login just set (views/web.py,
    # chosen_site). The fr catalogue words few of the editor's texts yet, so
    # these steps find buttons by what they do, not by their words.
    publish_all = marketer.locator('main form[action="/staff/texts/publish"] button')
    if js:      # the list's button for all the marketer's drafts of the variant
        marketer.locator("#text-preview a").click()
        expect(marketer).to_have_url(path_is(server, "/staff/texts?variant=fr_CA"))
        expect(publish_all).to_have_count(1)
        publish_all.click()
        expect(marketer).to_have_url(path_is(server, "/staff/texts?variant=fr_CA"))
        expect(marketer.locator("main .notice[role=status]")).to_contain_text("1")
        expect(publish_all).to_have_count(0)           # no draft left
    else:       # the text's own button
        marketer.goto(edit_path)
        expect(marketer.locator("#form_0")).to_have_value(wording)
        marketer.locator("button[name=action][value=publish]").click()
        expect(marketer).to_have_url(path_is(server, edit_path))
        expect(marketer.locator("main .notice[role=status]")).to_be_visible()
        expect(marketer.locator("button[name=action][value=discard]")).to_have_count(0)
        expect(marketer.locator("#form_0")).to_have_value(wording)
    expect(marketer.locator("html")).to_have_attribute("lang", "fr-CA")

    customer.reload()
    expect(forgot_link(customer)).to_have_text(wording)
    expect(customer.locator("#text-preview")).to_have_count(0)

    # --- a dropped placeholder is refused, with its explanation ----------------------------
    # Once in the French back office (its explanation as the fr catalogue
    # words it: only the placeholder is checked), once in the English one
    # (the marketer goes to the Canadian site's English home, which the
    # cookie then says).
    hello_path = f"/staff/texts/fr_CA/{message_key(HELLO)}"
    broken = f"Bonjour à vous ({token})"
    for action, site, lang, words in (("save", None, "fr-CA", None),
                                      ("publish", "/en-ca/", "en-CA", "Put it back")):
        if site:
            marketer.goto(site)
            expect(marketer.locator("#text-preview")).to_be_visible()
        marketer.goto(hello_path)
        expect(marketer.locator("html")).to_have_attribute("lang", lang)
        expect(marketer.locator("main dl.summary")).to_contain_text(HELLO)
        marketer.locator("#form_0").fill(broken)
        with marketer.expect_response(is_edit_post) as answer:
            marketer.locator(f"button[name=action][value={action}]").click()
        assert answer.value.status == 422, (action, answer.value.status)
        # Boosted by htmx with JavaScript, a plain form post without.
        assert (answer.value.request.headers.get("hx-request") == "true") == js
        summary = marketer.locator(".error-summary")
        expect(summary).to_be_visible()
        expect(summary).to_contain_text("%(name)s")
        if words:
            expect(summary).to_contain_text(words)
            expect(summary).to_contain_text("This text cannot be saved yet")
        expect(summary.locator('a[href="#form_0"]')).to_have_count(1)
        expect(marketer.locator("#form_0")).to_have_value(broken)
        expect(marketer.locator("main .notice[role=status]")).to_have_count(0)
        expect(marketer.locator("button[name=action][value=discard]")).to_have_count(0)

    # Nothing of it was kept: the history's newest change is the login text's.
    marketer.goto("/staff/texts/history?variant=fr_CA")
    changes = marketer.locator("main table tbody tr")
    expect(changes.first).to_contain_text(FORGOT)
    expect(changes.first).to_contain_text(wording)
    expect(marketer.locator("main table")).not_to_contain_text(broken)
    # Nor as a draft: the text's page shows no draft of it.
    marketer.goto(hello_path)
    expect(marketer.locator("#form_0")).not_to_have_value(broken)
    expect(marketer.locator("button[name=action][value=discard]")).to_have_count(0)

    marketer.wait_for_timeout(30)      # securitypolicyviolation events are async
    assert csp.violations == []
    assert customer_csp.violations == []
