"""Every page of tests/pages.py, in every language variant, in Chromium:

- with JavaScript: the Content-Security-Policy raises nothing, htmx is the
  only script and comes from us, nothing is fetched from another origin, at
  320 × 640 nothing overflows sideways, and axe-core finds no WCAG 2.1 AA
  violation;
- without JavaScript: the page renders, and every form in it submits as a
  plain form to a page in the same language (an error page is fine, a 5xx
  is not).

The steps that lead to a page (registering, opening the activation e-mail)
go through the browser context's own request API, which shares its cookies:
the flows themselves are walked click by click in test_journey.py."""
import re

import pytest
from playwright.sync_api import expect

from gates import SMALL_SCREEN, accessibility_violations, foreign_requests, horizontal_overflow
from domain.markets import SITES
from pages import VARIANTS, visits
from visitor import BrowserVisitor

DESKTOP = {"width": 1280, "height": 800}
HTMX = re.compile(r"^/static/vendor/htmx-\d+\.\d+\.\d+\.min\.js$")
HTML_LANG = {code: site.html_lang for code, site in SITES.items()}


VISITS = [(page, lang) for page, lang in visits(VARIANTS) if not 300 <= page.status < 400]


def visit_id(value):
    return getattr(value, "endpoint", value)


@pytest.mark.parametrize("page_spec, lang", VISITS, ids=visit_id)
def test_page_with_javascript(new_page, server, csp_watch, screenshots_dir, page_spec, lang):
    page = new_page(viewport=SMALL_SCREEN)
    csp = csp_watch(page)
    requests = []
    page.on("request", lambda request: requests.append(request))
    url = page_spec.reach(BrowserVisitor(page.context, server), lang)

    response = page.goto(url)
    assert response.status == page_spec.status
    page.wait_for_function("window.htmx !== undefined")
    if page_spec.per_variant:
        expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[lang])

    scripts = page.eval_on_selector_all("script", "s => s.map(e => e.getAttribute('src'))")
    assert len(scripts) == 1 and HTMX.match(scripts[0] or ""), scripts
    htmx = [r for r in requests if r.url.endswith(scripts[0])]
    assert "max-age=31536000" in htmx[0].response().headers["cache-control"]
    assert foreign_requests(requests, server.base_url) == []
    assert horizontal_overflow(page) == []

    page.wait_for_timeout(30)   # securitypolicyviolation events are async
    assert csp.violations == []
    # Last: axe's own injection is not part of the page.
    assert accessibility_violations(page) == []
    if screenshots_dir:
        save_screenshots(page, screenshots_dir / lang, page_spec.endpoint)


def save_screenshots(page, directory, name):
    """`make screenshots`: the page as a phone and as a desktop shows it."""
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=directory / f"{name}-phone.png", full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=directory / f"{name}-desktop.png", full_page=True)


@pytest.mark.parametrize("page_spec, lang", VISITS, ids=visit_id)
def test_page_without_javascript(new_page, server, page_spec, lang):
    page = new_page(js=False)
    url = page_spec.reach(BrowserVisitor(page.context, server), lang)
    response = page.goto(url)
    assert response.status == page_spec.status
    expect(page.locator("main h1")).to_have_count(1)

    forms = page.locator("main form")
    for index in range(forms.count()):
        page.goto(url)
        if page.locator("main form").count() <= index:
            # An earlier form changed what the page offers (a draft was
            # published, and its Discard button went): reach it anew.
            url = page_spec.reach(BrowserVisitor(page.context, server), lang)
            page.goto(url)
        with page.expect_navigation() as navigation:
            page.locator("main form").nth(index).locator("button").first.click()
        answer = navigation.value
        assert answer.status < 500, f"form {index} of {url} answered {answer.status}"
        expect(page.locator("main h1")).to_have_count(1)
        if page_spec.per_variant:
            expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[lang])
