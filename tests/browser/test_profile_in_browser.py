"""The profile, click by click, with JavaScript on (htmx swaps the forms)
and off (plain forms), in Canada (English) and Austria (German): a phone
number saved with the code read from the SMS outbox, a new email address
confirmed with the link read from the mail outbox, then a sign-in with it;
in Canada the language of the emails changed to French. Then closing the
online account, after which its address signs in no more."""
from playwright.sync_api import expect

from flows import PASSWORD, each_variant_once, latest_sms, new_customer, path_is, sign_in, submit

HTML_LANG = {"en-ca": "en-CA", "de-at": "de-AT", "fr-ca": "fr-CA"}
# Numbers of no agreement and of no other test (the crawl's end in 43).
PHONES = {"en-ca": ("613 555 0147", "+16135550147"), "de-at": ("0664 1234547", "+436641234547")}


@each_variant_once("en-ca", "de-at", first_with_js=False)
def test_phone_and_e_mail_changed_then_sign_in_with_the_new_address(
        new_page, server, csp_watch, unique_email, lang, js):
    page = new_page(js=js)
    csp = csp_watch(page, events=js)
    html = page.locator("html")
    address = new_customer(page, server, lang)
    sign_in(page, lang, address)
    expect(page).to_have_url(path_is(server, f"/{lang}/account"))

    # --- the profile, from the account page ---------------------------------
    page.locator(f'main a[href="/{lang}/profile"]').click()
    expect(page).to_have_url(path_is(server, f"/{lang}/profile"))
    expect(page.locator("main dl.summary")).to_contain_text(address)

    # --- phone: a wrong number, then the code from the text message ---------
    page.locator(f'main a[href="/{lang}/profile/phone"]').click()
    expect(page).to_have_url(path_is(server, f"/{lang}/profile/phone"))
    page.locator("#phone").fill("12345")
    submit(page)
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#phone-error")).to_be_visible()
    typed, e164 = PHONES[lang]
    page.locator("#phone").fill(typed)
    submit(page)
    expect(page).to_have_url(path_is(server, f"/{lang}/profile/phone/code"))
    expect(page.locator("main")).to_contain_text("47")         # the masked number
    expect(page.locator("main")).not_to_contain_text(e164[-8:])
    page.locator("#code").fill(latest_sms(server, e164))
    submit(page)
    expect(page).to_have_url(path_is(server, f"/{lang}/profile"))
    expect(page.locator("main [role=status]")).to_be_visible()
    expect(page.locator("main dl.summary")).to_contain_text("47")
    expect(html).to_have_attribute("lang", HTML_LANG[lang])

    # --- email: the link comes to the new address, the old one is told -----
    old_mailbox = server.mailbox(address)      # empty: the account was made in the database
    page.locator(f'main a[href="/{lang}/profile/email"]').click()
    expect(page).to_have_url(path_is(server, f"/{lang}/profile/email"))
    page.locator("#email").fill(unique_email)
    submit(page)
    expect(page).to_have_url(path_is(server, f"/{lang}/profile/email/sent"))

    new_mailbox = server.mailbox(unique_email)
    link = new_mailbox.link(new_mailbox.next(), rf"/{lang}/profile/email/confirm/[A-Za-z0-9_\-]+")
    notice = old_mailbox.next()
    assert unique_email not in old_mailbox.text(notice)
    assert unique_email[:2] + "•••@example.com" in old_mailbox.text(notice)

    page.goto(link)
    expect(html).to_have_attribute("lang", HTML_LANG[lang])
    submit(page)
    expect(page).to_have_url(path_is(server, f"/{lang}/profile/email/changed"))
    old_mailbox.link(old_mailbox.next(), rf"/{lang}/login")       # "your email was changed"
    new_mailbox.assert_empty()

    # --- sign in with the new address ----------------------------------------
    page.locator("header form button").click()
    expect(page).to_have_url(path_is(server, f"/{lang}/"))
    sign_in(page, lang, unique_email)
    expect(page).to_have_url(path_is(server, f"/{lang}/account"))
    page.goto(f"/{lang}/profile")
    expect(page.locator("main dl.summary")).to_contain_text(unique_email)

    # --- in Canada, the emails in French from now on ------------------------
    if lang == "en-ca":
        page.locator('main a[href="/en-ca/profile/language"]').click()
        expect(page).to_have_url(path_is(server, "/en-ca/profile/language"))
        page.locator("#locale-fr_CA").check()
        submit(page)
        # A whole new page in French, not a swap under the English <html lang>.
        expect(page).to_have_url(path_is(server, "/fr-ca/profile"))
        expect(html).to_have_attribute("lang", "fr-CA")

    page.wait_for_timeout(30)   # securitypolicyviolation events are async
    assert csp.violations == []


@each_variant_once("fr-ca", "de-at")
def test_close_the_online_account_then_the_address_signs_in_no_more(
        new_page, server, csp_watch, lang, js):
    page = new_page(js=js)
    csp = csp_watch(page, events=js)
    address = new_customer(page, server, lang)
    mailbox = server.mailbox(address)
    sign_in(page, lang, address)
    expect(page).to_have_url(path_is(server, f"/{lang}/account"))
    page.goto(f"/{lang}/profile")
    page.locator(f'main a[href="/{lang}/profile/close"]').click()
    expect(page).to_have_url(path_is(server, f"/{lang}/profile/close"))
    # Nothing typed: the error, and the account still open.
    submit(page)
    expect(page.locator(".error-summary")).to_be_visible()
    page.locator("#current_password").fill(PASSWORD)
    submit(page)
    expect(page).to_have_url(path_is(server, f"/{lang}/profile/close/confirm"))
    submit(page)
    expect(page).to_have_url(path_is(server, f"/{lang}/profile/closed"))
    expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[lang])
    # Signed out: the header offers to sign in, and the address no longer does.
    expect(page.locator('header a[href$="/login"]')).to_be_visible()
    assert "http" not in mailbox.text(mailbox.next())        # the confirmation, without a link
    sign_in(page, lang, address)
    expect(page).to_have_url(path_is(server, f"/{lang}/login"))
    expect(page.locator(".error-summary")).to_be_visible()
    page.wait_for_timeout(30)   # securitypolicyviolation events are async
    assert csp.violations == []
