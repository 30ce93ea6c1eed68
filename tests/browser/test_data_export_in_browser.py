"""Download my data in Chromium, with JavaScript on (htmx boosts the site,
not this form: its answer is a file) and off: from the profile to the page,
its button gives the zip file, and the page stays on screen. (The crawl
visits the pages; it skips a form answered with a file.)"""
import re
import zipfile

from playwright.sync_api import expect

from flows import each_variant_once, path_is, sign_in


@each_variant_once("de-at", "fr-fr")
def test_the_button_downloads_the_zip(new_page, server, csp_watch, lang, js):
    page = new_page(js=js, accept_downloads=True)
    csp = csp_watch(page, events=js)
    customer, agreement = server.make_customer(lang, linked=True)
    sign_in(page, lang, customer.email)
    expect(page).to_have_url(path_is(server, f"/{lang}/account"))
    page.goto(f"/{lang}/profile")
    page.locator(f'main a[href="/{lang}/profile/data"]').click()
    expect(page).to_have_url(path_is(server, f"/{lang}/profile/data"))

    with page.expect_download() as download:
        page.locator("main form[data-download] button").click()
    assert re.fullmatch(r"[a-z0-9-]+-my-data-\d{4}-\d{2}-\d{2}\.zip",
                        download.value.suggested_filename)
    with zipfile.ZipFile(download.value.path()) as archive:
        assert sorted(archive.namelist()) == ["data.json", "summary.html"]
        summary = archive.read("summary.html").decode("utf-8")
    assert agreement.contract_number in summary and customer.email in summary
    expect(page).to_have_url(path_is(server, f"/{lang}/profile/data"))
    expect(page.locator("main h1")).to_have_count(1)
    assert csp.violations == []
