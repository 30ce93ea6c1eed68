"""Steps the browser tests share: signing up and in, reading codes from the
outbox, linking an agreement the way each market does."""
import re

import pyotp
import pytest

from playwright.sync_api import expect

from pages import PASSWORD


def each_variant_once(*langs, first_with_js=True):
    """Parametrize a flow over (lang, js): each variant once, JavaScript on
    and off in turn. The server answers htmx and plain requests with the
    same code in every variant, and a browser runs htmx the same way
    whatever the language, so one run per variant covers both settings and
    every variant's texts; the crawl (test_crawl.py) visits every page of
    every variant with JavaScript and without. A second flow of a module can
    start the other way round (`first_with_js=False`) so that each variant
    is also seen both ways."""
    return pytest.mark.parametrize("lang, js", [
        pytest.param(lang, (index % 2 == 0) == first_with_js,
                     id=f"{lang}-{'js' if (index % 2 == 0) == first_with_js else 'nojs'}")
        for index, lang in enumerate(langs)])


def path_is(server, path):
    return re.compile("^" + re.escape(server.url(path)) + "$")


def latest_sms(server, number):
    texts = [p.read_text(encoding="utf-8") for p in sorted(server.sms_dir.glob("*.txt"))]
    mine = [t for t in texts if t.split("\n", 1)[0] == number]
    assert mine, f"no SMS to {number}"
    return re.search(r"\b(\d{6})\b", mine[-1]).group(1)


def latest_mail_code(server, address):
    """The code in the newest email to `address` (agreements of several
    tests share the address on file)."""
    mailbox = server.mailbox(address)
    return re.search(r"\b(\d{6})\b", mailbox.text(mailbox.latest())).group(1)


def htmx_ready(page):
    """Wait until htmx has started on the page (conftest.HTMX_WATCH)."""
    page.wait_for_function("window.__keyfobHtmxLoaded === true")


def htmx_idle(page):
    """Wait until no htmx request is under way (htmx marks the element that
    asked with .htmx-request until the answer is swapped in). A test that
    acts while an earlier click is still being answered races it: content
    that the previous page showed too may have matched already. Without
    JavaScript there is never such a request."""
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def submit(page):
    htmx_idle(page)
    page.locator("main form button").first.click()


def sign_in(page, lang, address):
    page.goto(f"/{lang}/login")
    page.locator("#email").fill(address)
    page.locator("#password").fill(PASSWORD)
    submit(page)


def sign_out(page, server, lang):
    htmx_idle(page)
    page.locator("header form button").click()
    expect(page).to_have_url(path_is(server, f"/{lang}/"))


def new_customer(page, server, lang):
    """A new active account of the variant, who signs in with PASSWORD,
    made in the server's database (registering and activating are walked
    click by click in test_journey.py); its address."""
    customer, _agreement = server.make_customer(lang)
    return customer.email


def authorize_by_sms(page, server, lang, agreement, remember):
    expect(page).to_have_url(path_is(server, f"/{lang}/device"))
    page.locator(f"#destination-sms-{agreement.id}").check()
    submit(page)
    expect(page).to_have_url(path_is(server, f"/{lang}/device/code"))
    expect(page.locator("main")).to_contain_text("42")               # the masked number
    expect(page.locator("main")).not_to_contain_text(agreement.phone[-10:])
    page.locator("#code").fill(latest_sms(server, agreement.phone))
    page.locator(f"#remember-{'yes' if remember else 'no'}").check()
    submit(page)


def link(page, server, lang, agreement):
    page.goto(f"/{lang}/agreements/link")
    if lang == "fr-fr":
        page.locator("#contract_number").fill(agreement.contract_number)
        submit(page)
        expect(page).to_have_url(path_is(server, f"/{lang}/agreements/link/code"))
        page.locator("#code").fill(latest_sms(server, agreement.phone))
        submit(page)
    else:
        born = agreement.holder_birth_date
        for field, value in (("first_name", agreement.holder_first_name),
                             ("last_name", agreement.holder_last_name), ("birth_day", born.day),
                             ("birth_month", born.month), ("birth_year", born.year),
                             ("vin", agreement.vin), ("last_payment", "412.35")):
            page.locator(f"#{field}").fill(str(value))
        submit(page)
        authorize_by_sms(page, server, lang, agreement, remember=False)
    expect(page).to_have_url(path_is(server, f"/{lang}/agreements/link/done"))


def sign_in_as_staff(page, server, email, password, secret):
    """Password, then the authenticator's code, through the sign-in pages."""
    page.goto("/staff/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("main form button").first.click()
    expect(page).to_have_url(path_is(server, "/staff/second-factor"))
    page.locator("#code").fill(pyotp.TOTP(secret).now())
    page.locator("main form button").first.click()
    expect(page).to_have_url(path_is(server, "/staff"))
