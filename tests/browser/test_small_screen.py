"""At 320 CSS pixels wide (the narrowest phone WCAG 1.4.10 asks for), the
pages scroll only vertically, errors shown or not."""
import pytest
from playwright.sync_api import expect

from flows import htmx_ready
from gates import SMALL_SCREEN, horizontal_overflow

WIDTH, HEIGHT = SMALL_SCREEN["width"], SMALL_SCREEN["height"]


def assert_no_horizontal_overflow(page, what):
    wide = horizontal_overflow(page)
    assert not wide, f"{what} is wider than {WIDTH} px: {wide}"


@pytest.mark.parametrize("lang", ["en-ca", "fr-ca", "de-at"])
def test_register_and_login_fit_320_pixels(new_page, lang):
    page = new_page(viewport={"width": WIDTH, "height": HEIGHT})
    for path in (f"/{lang}/register", f"/{lang}/login"):
        page.goto(path)
        htmx_ready(page)
        assert_no_horizontal_overflow(page, path)
        # The same page with its error summary and field errors.
        page.locator("main form button").click()
        expect(page.locator(".error-summary")).to_be_visible()
        assert_no_horizontal_overflow(page, f"{path} with errors")
