"""The dashboard, click by click, with JavaScript on (htmx) and off (plain
forms), in Canada (identity, device by text) and France (contract and SMS
code): the card of the linked agreement, its page, a document downloaded,
a service request sent."""
import re

from playwright.sync_api import expect

from flows import each_variant_once, link, new_customer, path_is, sign_in, submit

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@each_variant_once("en-ca", "fr-fr")
def test_dashboard_agreement_document_and_service_request(new_page, server, csp_watch, lang, js):
    page = new_page(js=js, accept_downloads=True)
    csp = csp_watch(page, events=js)
    agreement = server.make_agreement("ca" if lang == "en-ca" else "fr")
    address = new_customer(page, server, lang)
    sign_in(page, lang, address)
    expect(page).to_have_url(path_is(server, f"/{lang}/account"))
    link(page, server, lang, agreement)
    server.add_document(agreement, "Statement October 2026", PDF)

    # The card: vehicle, contract, next payment, one new document.
    page.goto(f"/{lang}/account")
    card = page.locator("main .cards li")
    expect(card).to_contain_text(agreement.contract_number)
    expect(card).to_contain_text("412")
    expect(card.locator(".tag")).to_be_visible()

    # The agreement's page: terms, VIN, payments, the document.
    card.locator("a").click()
    expect(page).to_have_url(path_is(server, f"/{lang}/agreements/{agreement.id}"))
    expect(page.locator("main")).to_contain_text(agreement.vin)
    expect(page.locator("#payments tbody tr")).to_have_count(2)
    with page.expect_download() as download:
        page.locator("main a", has_text="Statement October 2026").click()
    with open(download.value.path(), "rb") as f:
        assert f.read() == PDF
    assert download.value.suggested_filename == "Statement-October-2026-2026-10-31.pdf"

    # Opened: the dashboard no longer says it is new.
    page.goto(f"/{lang}/account")
    expect(page.locator("main .cards .tag")).to_have_count(0)

    # A service request: what, for which agreement (the only one, chosen), the day.
    page.locator(f'main a[href="/{lang}/service-requests"]').click()
    expect(page).to_have_url(path_is(server, f"/{lang}/service-requests"))
    page.locator("#kind-payment_date").check()
    expect(page.locator(f"#agreement-{agreement.id}")).to_be_checked()
    submit(page)
    expect(page).to_have_url(path_is(server, f"/{lang}/service-requests/payment_date/{agreement.id}"))
    page.locator("#day").fill("31")
    submit(page)
    expect(page.locator(".error-summary")).to_be_visible()
    page.locator("#day").fill("15")
    page.locator("#note").fill("From next month, please.")
    submit(page)
    expect(page).to_have_url(re.compile(re.escape(server.url(f"/{lang}/service-requests/")) + r"\d+/sent$"))
    expect(page.locator("main h1")).to_have_count(1)

    page.wait_for_timeout(30)
    assert csp.violations == []
