"""Linking an agreement and authorizing the device, click by click, with
JavaScript on (htmx swaps the steps) and off (plain forms): Canada by
identity in English and Canadian French, France by contract number and the
SMS code read from the outbox; the device by text and by email; a
remembered device skips the code at the next sign-in, a forgotten one is
asked again."""
import re

import pytest
from playwright.sync_api import expect

from flows import (authorize_by_sms, each_variant_once, latest_mail_code, latest_sms, new_customer,
                   path_is, sign_in, sign_out, submit)


@each_variant_once("en-ca", "fr-ca")
def test_canada_links_by_identity_and_remembers_the_device(new_page, server, csp_watch, lang, js):
    page = new_page(js=js)
    csp = csp_watch(page, events=js)
    agreement = server.make_agreement("ca")
    address = new_customer(page, server, lang)
    sign_in(page, lang, address)
    expect(page).to_have_url(path_is(server, f"/{lang}/account"))

    # No agreement yet: the account page leads to the wizard.
    page.locator(f'main a[href="/{lang}/agreements/link"]').click()
    expect(page).to_have_url(path_is(server, f"/{lang}/agreements/link"))
    page.locator("#first_name").fill("HÉLÈNE")          # case does not matter
    page.locator("#last_name").fill("Tremblay")
    page.locator("#birth_day").fill("27")
    page.locator("#birth_month").fill("3")
    page.locator("#birth_year").fill("1985")
    page.locator("#vin").fill(agreement.vin.lower())
    page.locator("#last_payment").fill("412,35" if lang == "fr-ca" else "412.35")
    submit(page)

    # Linked; the device comes next, by text message, remembered.
    authorize_by_sms(page, server, lang, agreement, remember=True)
    expect(page).to_have_url(path_is(server, f"/{lang}/agreements/link/done"))
    expect(page.locator("main")).to_contain_text(agreement.contract_number)
    page.locator(f'main a[href="/{lang}/account"]').click()
    # The done page lists the agreement in .cards too: wait for the account
    # page itself, or the sign-out below races the page being fetched.
    expect(page).to_have_url(path_is(server, f"/{lang}/account"))
    expect(page.locator("main .cards")).to_contain_text(agreement.contract_number)
    cookie = [c for c in page.context.cookies() if c["name"] == "keyfob_device"]
    assert cookie and cookie[0]["httpOnly"]

    # The remembered device goes straight in at the next sign-in...
    sign_out(page, server, lang)
    sign_in(page, lang, address)
    expect(page).to_have_url(path_is(server, f"/{lang}/account"))

    # ...until it is forgotten: then a code again, by email this time.
    page.goto(f"/{lang}/account/devices")
    page.locator("main form button").click()
    expect(page.locator("main .cards")).to_have_count(0)
    sign_out(page, server, lang)
    sign_in(page, lang, address)
    expect(page).to_have_url(path_is(server, f"/{lang}/device"))
    page.locator(f"#destination-mail-{agreement.id}").check()
    submit(page)
    expect(page).to_have_url(path_is(server, f"/{lang}/device/code"))
    page.locator("#code").fill(latest_mail_code(server, agreement.email))
    page.locator("#remember-no").check()
    submit(page)
    expect(page).to_have_url(path_is(server, f"/{lang}/account"))
    expect(page.locator("main .cards")).to_contain_text(agreement.contract_number)

    page.wait_for_timeout(30)
    assert csp.violations == []


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_france_links_by_contract_number_and_sms_code(new_page, server, csp_watch, js):
    page = new_page(js=js)
    csp = csp_watch(page, events=js)
    agreement = server.make_agreement("fr")
    address = new_customer(page, server, "fr-fr")
    sign_in(page, "fr-fr", address)
    expect(page).to_have_url(path_is(server, "/fr-fr/account"))
    page.goto("/fr-fr/agreements/link")

    # A wrong code first: the page says how many tries are left.
    page.locator("#contract_number").fill(agreement.contract_number)
    submit(page)
    expect(page).to_have_url(path_is(server, "/fr-fr/agreements/link/code"))
    expect(page.locator("main")).to_contain_text("•• 42")
    code = latest_sms(server, agreement.phone)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    page.locator("#code").fill(wrong)
    submit(page)
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^\S+ "))     # "Erreur : ..." before the title
    page.locator("#code").fill(code)
    submit(page)
    expect(page).to_have_url(path_is(server, "/fr-fr/agreements/link/done"))
    expect(page.locator("main")).to_contain_text(agreement.contract_number)
    # No device step in France: the account shows the agreement.
    page.goto("/fr-fr/account")
    expect(page.locator("main .cards")).to_contain_text(agreement.contract_number)

    page.wait_for_timeout(30)
    assert csp.violations == []
