"""A payoff quote, click by click, with JavaScript on (htmx) and off (plain
forms), in Canada and France: from the agreement's page to the form, a
date typed in the three boxes, the numbered quote with its total, and its
PDF downloaded."""
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from playwright.sync_api import expect

from flows import each_variant_once, link, new_customer, path_is, sign_in, submit

# At 0 % the total does not depend on the day the test runs:
# 12,000.00 + the fee (Canada 75.00, France 150.00).
TOTAL = {"en-ca": "$12,075.00", "fr-fr": "12 150,00 €"}


def spaces(text):
    return re.sub(r"[\u00a0\u202f]", " ", text)


@each_variant_once("en-ca", "fr-fr", first_with_js=False)
def test_a_quote_from_the_form_to_the_pdf(new_page, server, csp_watch, lang, js):
    page = new_page(js=js, accept_downloads=True)
    csp = csp_watch(page, events=js)
    agreement = server.make_agreement("ca" if lang == "en-ca" else "fr", rate=Decimal("0.0000"))
    address = new_customer(page, server, lang)
    sign_in(page, lang, address)
    expect(page).to_have_url(path_is(server, f"/{lang}/account"))
    link(page, server, lang, agreement)

    page.goto(f"/{lang}/agreements/{agreement.id}")
    page.locator(f'main a[href="/{lang}/agreements/{agreement.id}/payoff"]').click()
    expect(page).to_have_url(path_is(server, f"/{lang}/agreements/{agreement.id}/payoff"))

    # A date in the past first: the error, then the right date.
    page.locator("#payoff_day").fill("1")
    page.locator("#payoff_month").fill("1")
    page.locator("#payoff_year").fill("2020")
    submit(page)
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#payoff_year")).to_have_value("2020")
    # Two days after today in UTC is within 30 days of today anywhere.
    day = (datetime.now(timezone.utc) + timedelta(days=2)).date()
    page.locator("#payoff_day").fill(str(day.day))
    page.locator("#payoff_month").fill(str(day.month))
    page.locator("#payoff_year").fill(str(day.year))
    submit(page)

    expect(page).to_have_url(re.compile(re.escape(server.url(f"/{lang}/payoff-quotes/"))
                                        + r"Q-\d{4}-\d{6}$"))
    number = page.url.rsplit("/", 1)[1]
    main = page.locator("main")
    expect(main.locator("h1")).to_contain_text(number)
    expect(main).to_contain_text(agreement.contract_number)
    assert TOTAL[lang] in spaces(main.locator("tfoot").inner_text())

    with page.expect_download() as download:
        main.locator(f'a[href="/{lang}/payoff-quotes/{number}.pdf"]').click()
    assert download.value.suggested_filename == f"{number}.pdf"
    with open(download.value.path(), "rb") as f:
        assert f.read(5) == b"%PDF-"
    # The download left the quote on screen.
    expect(page).to_have_url(re.compile(re.escape(number) + "$"))
    assert csp.violations == []
