"""Every page of tests/pages.py, in every language variant, in Chromium:

- with JavaScript: the Content-Security-Policy raises nothing, the only
  scripts are htmx and our own from static/js, kept a year by the browser, nothing is fetched from another origin, at
  320 × 640 nothing overflows sideways, and axe-core finds no WCAG 2.1 AA
  violation. axe runs once per page and language: a second variant of a
  language (en-us after en-ca, fr-fr after fr-ca) shows the same templates
  and markup, and the one thing that differs for axe, the market's brand
  colour, must pass its contrast when the markets load
  (domain.markets.contrast_ratio); the other checks run on every variant;
  after the first visit of each page, the same visitor's cookies go to a
  page where htmx never arrives, and every form is submitted there
  (check_forms_without_htmx);
- without JavaScript: every form of the page submits as a plain form to a
  page in the same language (an error page is fine, a 5xx is not). The
  forms are submitted once per page and market: a market's second language
  (fr-ca after en-ca) posts the same forms to the same code, only their
  texts differ, and those are checked in every catalogue
  (tests/test_catalogues.py: placeholders, plural forms). A page with no
  form to submit is read over HTTP only: its HTML is the same with
  JavaScript off, and the visit with JavaScript rendered it.

Each visit starts without cookies, on a page this worker keeps for the
crawl's visits (conftest.KeptPage: a new browser context a visit cost
Chromium more than the visit itself).

The steps that lead to a page (signing in, sending a code, opening an
email's link) go through the browser context's own request API, which
shares its cookies; the states behind them (a customer, a linked agreement)
are written into the server's database (tests/pages.py): the flows
themselves are walked click by click in test_journey.py and the focused
browser tests."""
import re

import pytest
from playwright.sync_api import expect

from flows import htmx_ready
from gates import (SMALL_SCREEN, accessibility_violations, foreign_requests, horizontal_overflow,
                   large_text_problems, text_overlaps)
from domain.markets import SITES
from pages import MARKET_OF, first_visits, shown_visits
from visitor import BrowserVisitor

DESKTOP = {"width": 1280, "height": 800}
HTMX = re.compile(r"^/static/vendor/htmx-\d+\.\d+\.\d+\.min\.js$")
# Our own small scripts (static/js), each with its content's fingerprint.
OWN_SCRIPT = re.compile(r"^/static/js/[a-z-]+\.js\?v=[0-9a-f]{10}$")
HTML_LANG = {code: site.html_lang for code, site in SITES.items()}


VISITS = shown_visits()


def with_axe(visits):
    """The visits, each with whether axe runs on it: the first visit of each
    page (a Page entry: the staff home of each role is one) in each language."""
    seen = set()
    for page, lang in visits:
        key = (id(page), lang.split("-")[0])
        yield pytest.param(page, lang, key not in seen, id=f"{page.endpoint}-{lang}")
        seen.add(key)


def with_forms(visits):
    """The visits, each with whether its forms are submitted: the first
    visit of each page in each market."""
    seen = set()
    for page, lang in visits:
        key = (id(page), MARKET_OF[lang])
        yield pytest.param(page, lang, key not in seen, id=f"{page.endpoint}-{lang}")
        seen.add(key)


# The first visit of each page (in the first variant where it is): there,
# its forms are also submitted with htmx absent (check_forms_without_htmx).
FIRST_VISITS = {(id(page), lang) for page, lang in first_visits(VISITS)}


@pytest.mark.parametrize("page_spec, lang, axe", list(with_axe(VISITS)))
def test_page_with_javascript(kept_page, server, screenshots_dir, page_spec, lang, axe):
    kept = kept_page(js=True, viewport=SMALL_SCREEN)
    requests = []

    def seen(request):
        requests.append(request)
    kept.page.on("request", seen)
    try:
        url = check_with_javascript(kept.page, kept.csp, requests, server, screenshots_dir,
                                    page_spec, lang, axe)
    finally:
        kept.page.remove_listener("request", seen)
    if (id(page_spec), lang) in FIRST_VISITS:
        # The same visitor (its cookies: the steps' state) on a page where
        # htmx never arrives: the steps are not walked twice.
        cookies = kept.context.cookies()
        without = kept_page(js=True, without_htmx=True)
        without.context.add_cookies(cookies)
        check_forms_without_htmx(without, server, page_spec, lang, url)


def check_with_javascript(page, csp, requests, server, screenshots_dir, page_spec, lang, axe):
    """The checks with JavaScript; the URL of the page."""
    url = page_spec.reach(BrowserVisitor(page.context, server), lang)

    response = page.goto(url)
    assert response.status == page_spec.status
    htmx_ready(page)
    if page_spec.per_variant:
        expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[lang])

    scripts = page.eval_on_selector_all("script", "s => s.map(e => e.getAttribute('src'))")
    assert [s for s in scripts if HTMX.match(s or "")], scripts
    assert all(HTMX.match(s or "") or OWN_SCRIPT.match(s or "") for s in scripts), scripts
    for script in scripts:
        loaded = [r for r in requests if r.url.endswith(script)]
        assert "max-age=31536000" in loaded[0].response().headers["cache-control"], script
    assert foreign_requests(requests, server.base_url) == []
    assert horizontal_overflow(page) == []
    assert text_overlaps(page) == []
    if axe:     # once per page and language, like axe: the same text
        problems = large_text_problems(page)
        assert not problems, problems

    page.wait_for_timeout(30)   # securitypolicyviolation events are async
    assert csp.violations == []
    # Last: axe's own injection is not part of the page.
    if axe:
        assert accessibility_violations(page) == []
    if screenshots_dir:
        save_screenshots(page, screenshots_dir / lang, page_spec.endpoint)
    return url


def save_screenshots(page, directory, name):
    """`make screenshots`: the page as a phone and as a desktop shows it."""
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=directory / f"{name}-phone.png", full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=directory / f"{name}-desktop.png", full_page=True)


@pytest.mark.parametrize("page_spec, lang, submit_forms", list(with_forms(VISITS)))
def test_page_without_javascript(kept_page, server, page_spec, lang, submit_forms):
    page = kept_page(js=False).page
    url = page_spec.reach(BrowserVisitor(page.context, server), lang)
    # The server sends the same HTML with JavaScript on or off, and the
    # visit with JavaScript has rendered it: a page with no form to submit
    # here is read over HTTP (with the browser's cookies), not rendered again.
    html = page.context.request.get(url, max_redirects=0)
    assert html.status == page_spec.status
    main = re.search(r"<main\b.*?</main>", html.text(), re.S).group(0)
    if not submit_forms or "<form" not in main:
        assert main.count("<h1") == 1
        if page_spec.per_variant:
            assert f'<html lang="{HTML_LANG[lang]}"' in html.text()
        return
    response = page.goto(url)
    assert response.status == page_spec.status
    expect(page.locator("main h1")).to_have_count(1)
    if page_spec.per_variant:
        expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[lang])

    for index, _method, answer in submit_each_form(page, server, page_spec, lang, url):
        assert answer.status < 500, f"form {index} of {url} answered {answer.status}"


def submit_each_form(page, server, page_spec, lang, url):
    """Submit each form of <main> in turn from the page as first shown (by
    its first button, as sent empty or as filled in); yields the form's
    index, its method and the navigation's answer once the new page is
    there, a whole page in the language of the visit."""
    forms = page.locator("main form")
    # A form answered with a file, not a page, is left to its own test
    # (tests/browser/test_data_export_in_browser.py).
    downloads = page.eval_on_selector_all(
        "main form", "forms => forms.map(form => form.hasAttribute('data-download'))")
    for index in range(forms.count()):
        if downloads[index]:
            continue
        if index:       # the first form is on the page as first shown
            page.goto(url)
        if page.locator("main form").count() <= index:
            # An earlier form changed what the page offers (a draft was
            # published, and its Discard button went): reach it anew.
            url = page_spec.reach(BrowserVisitor(page.context, server), lang)
            page.goto(url)
        form = page.locator("main form").nth(index)
        method = (form.get_attribute("method") or "get").upper()
        with page.expect_navigation() as navigation:
            form.locator("button").first.click()
        answer = navigation.value
        expect(page.locator("main h1")).to_have_count(1)
        if page_spec.per_variant:
            expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[lang])
        yield index, method, answer


def check_forms_without_htmx(kept, server, page_spec, lang, url):
    """JavaScript on, but htmx never arrives (a browser too old for it skips
    the module; here the request for it fails): every form still posts the
    plain way, and a valid one is answered by 303 and a whole page, an
    invalid one by its page with the errors. No script error on the way.
    Once per page, after its first visit with JavaScript (whose cookies
    `kept` has): the forms are the same in every variant (the crawl
    without JavaScript submits them once per market)."""
    page = kept.page
    html = page.context.request.get(url, max_redirects=0).text()
    if "<form" not in re.search(r"<main\b.*?</main>", html, re.S).group(0):
        return      # nothing to submit (the visit with JavaScript ran its scripts)
    errors = []

    def script_error(error):
        errors.append(error)
    page.on("pageerror", script_error)
    try:
        response = page.goto(url)
        assert response.status == page_spec.status
        for index, method, answer in submit_each_form(page, server, page_spec, lang, url):
            what = f"form {index} of {url}"
            sent = answer.request
            while sent.redirected_from:
                sent = sent.redirected_from
            assert sent.method == method, f"{what} sent {sent.method}, not {method}"
            assert "hx-request" not in sent.headers, f"{what} went through htmx"
            if sent is not answer.request and sent.method == "POST":
                assert sent.response().status == 303, f"{what}: {sent.response().status}"
            assert answer.status < 500, f"{what} answered {answer.status}"
            # A whole page, not a fragment.
            expect(page.locator("body > main")).to_have_count(1)
    finally:
        page.remove_listener("pageerror", script_error)
    assert kept.htmx_requests and all(r.failure for r in kept.htmx_requests)
    assert errors == []
