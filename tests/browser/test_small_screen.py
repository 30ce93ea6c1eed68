"""At 320 CSS pixels wide (the narrowest phone WCAG 1.4.10 asks for), the
pages scroll only vertically, errors shown or not."""
import pytest
from playwright.sync_api import expect

WIDTH, HEIGHT = 320, 640

OVERFLOW = """() => {
    const width = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > width + 0.5)
        .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                  + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().replace(/\\s+/g, '.') : ''));
    return {scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 10)};
}"""


def assert_no_horizontal_overflow(page, what):
    result = page.evaluate(OVERFLOW)
    assert result["scrollWidth"] <= WIDTH, \
        f"{what} is {result['scrollWidth']} px wide at {WIDTH} px; too wide: {result['wide']}"


@pytest.mark.parametrize("lang", ["en-ca", "fr-ca", "de-at"])
def test_register_and_login_fit_320_pixels(new_page, lang):
    page = new_page(viewport={"width": WIDTH, "height": HEIGHT})
    for path in (f"/{lang}/register", f"/{lang}/login"):
        page.goto(path)
        page.wait_for_function("window.htmx !== undefined")
        assert_no_horizontal_overflow(page, path)
        # The same page with its error summary and field errors.
        page.locator("main form button").click()
        expect(page.locator(".error-summary")).to_be_visible()
        assert_no_horizontal_overflow(page, f"{path} with errors")
