"""The gates can fail: each is shown a page that breaks its rule. (The CSP
watch has its own in test_journey.py; the weight limit in test_pages.py.)"""
from gates import (SMALL_SCREEN, accessibility_violations, foreign_requests, horizontal_overflow,
                   large_text_problems, text_overlaps)


def test_axe_reports_a_field_without_a_label(new_page):
    page = new_page()
    page.goto("/en-ca/login")
    assert accessibility_violations(page) == []
    page.evaluate("document.querySelector('label[for=email]').remove()")
    violations = accessibility_violations(page)
    assert any(v.startswith("label ") for v in violations), violations


def test_axe_reports_poor_contrast(new_page):
    page = new_page()
    page.goto("/en-ca/login")
    page.evaluate("document.querySelector('main h1').style.color = '#ddd'")
    violations = accessibility_violations(page)
    assert any(v.startswith("color-contrast ") for v in violations), violations


def test_overflow_is_found(new_page):
    page = new_page(viewport=SMALL_SCREEN)
    page.goto("/en-ca/login")
    assert horizontal_overflow(page) == []
    # Something wider than the screen that no line break can help: a table
    # of many cells in a row.
    page.evaluate("document.querySelector('main h1').insertAdjacentHTML('afterend',"
                  " '<table><tr>' + '<td>xxxxxxxx</td>'.repeat(40) + '</tr></table>')")
    assert horizontal_overflow(page) != []


def test_overlapping_text_is_found(new_page):
    page = new_page(viewport=SMALL_SCREEN)
    page.goto("/en-ca/login")
    assert text_overlaps(page) == []
    # The heading pulls what follows it up over itself.
    page.evaluate("document.querySelector('main h1').style.marginBottom = '-2em'")
    assert text_overlaps(page) != []


def test_large_text_problems_are_found(new_page):
    page = new_page(viewport=SMALL_SCREEN)
    page.goto("/en-ca/login")
    assert large_text_problems(page) == []
    # A field 15rem wide fits 320 px at the usual size, not at twice it
    # (set through the CSSOM: the CSP refuses style attributes in markup).
    page.evaluate("""() => {
        const field = document.createElement('input');
        field.style.display = 'block';
        field.style.width = '15rem';
        document.querySelector('main').append(field);
    }""")
    assert horizontal_overflow(page) == []
    assert large_text_problems(page) != []
    assert horizontal_overflow(page) == [], "the text is back to its usual size"


def test_foreign_requests_are_found(new_page, server):
    # Our CSP would block the request before it is made: bypass it to show
    # that this second line of defence sees one.
    page = new_page(bypass_csp=True)
    requests = []
    page.on("request", lambda request: requests.append(request))
    page.route("https://fonts.example.net/**", lambda route: route.fulfill(body=""))
    page.goto("/en-ca/login")
    assert foreign_requests(requests, server.base_url) == []
    page.evaluate("fetch('https://fonts.example.net/a.woff2').catch(() => {})")
    page.wait_for_timeout(100)
    assert foreign_requests(requests, server.base_url) != []
