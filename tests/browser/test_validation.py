"""Errors shown the GOV.UK way, with and without JavaScript: a summary with
links to the fields, the message next to each field, "Error:" before the
page title; and pages in the language of their URL."""
import re
from pathlib import Path

import pytest
from babel.support import Translations
from playwright.sync_api import expect

from flows import each_variant_once, htmx_ready

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
LOCALES = {"en-ca": "en_CA", "fr-ca": "fr_CA", "de-at": "de_AT"}
HTML_LANG = {"en-ca": "en-CA", "fr-ca": "fr-CA", "de-at": "de-AT"}


def catalogue(lang):
    """The site's messages as the app layers them: the language's catalogue,
    then the region's over it (fr, then fr_CA)."""
    locale = LOCALES[lang]
    merged = Translations()
    for layer in (locale.split("_")[0], locale):
        loaded = Translations.load(str(TRANSLATIONS), [layer])
        if isinstance(loaded, Translations):    # else NullTranslations: no file
            merged.merge(loaded)
    return merged


def gettext(lang, message):
    return catalogue(lang).gettext(message)


def path_is(server, path):
    return re.compile("^" + re.escape(server.url(path)) + "$")


@each_variant_once("en-ca", "fr-ca", "de-at", first_with_js=False)
def test_empty_name_step_shows_summary_and_field_errors(new_page, server, lang, js):
    page = new_page(js=js)
    page.goto(f"/{lang}/register")
    if js:
        htmx_ready(page)
    title_before = page.title()
    responses = []
    page.on("response", lambda r: responses.append(r)
            if r.request.method == "POST" else None)

    page.locator("main form button").click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(page).to_have_url(path_is(server, f"/{lang}/register"))
    assert [r.status for r in responses] == [422]
    if js:
        assert responses[0].request.headers.get("hx-request") == "true"

    # The title: the translated "Error:" and the title the page had.
    error = gettext(lang, "Error:")
    if lang == "en-ca":
        assert error == "Error:"
    expect(page).to_have_title(f"{error} {title_before}")
    expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[lang])

    # The summary: one link per field in error, pointing at the field.
    expect(summary).to_have_attribute("role", "alert")
    links = summary.locator("a")
    expect(links).to_have_count(3)
    assert [links.nth(i).get_attribute("href") for i in range(3)] == \
        ["#title-mr", "#first_name", "#last_name"]
    expected = [gettext(lang, m) for m in
                ("Select your title.", "Enter your first name.", "Enter your last name.")]
    expect(links).to_have_text(expected)
    # Each link leads to an element that exists.
    for target in ("#title-mr", "#first_name", "#last_name"):
        expect(page.locator(target)).to_have_count(1)

    # Each field: its message, tied to it by aria-describedby.
    for field, message in (("first_name", expected[1]), ("last_name", expected[2])):
        error_text = page.locator(f"#{field}-error")
        expect(error_text).to_be_visible()
        expect(error_text).to_contain_text(message)
        field_input = page.locator(f"#{field}")
        expect(field_input).to_have_attribute("aria-invalid", "true")
        expect(field_input).to_have_attribute("aria-describedby", re.compile(rf"\b{field}-error\b"))
    expect(page.locator("#title-error")).to_contain_text(expected[0])
    expect(page.locator("fieldset")).to_have_attribute("aria-describedby", re.compile(r"\btitle-error\b"))

    # The summary has the focus, so a screen reader starts with it.
    expect(summary).to_be_focused()

    # A link of the summary takes the user to its field.
    links.nth(1).click()
    expect(page.locator("#first_name")).to_be_focused()

    # Fixing the errors leads on.
    page.locator("#title-ms").check()
    page.locator("#first_name").fill("Ana")
    page.locator("#last_name").fill("Silva")
    page.locator("main form button").click()
    expect(page).to_have_url(path_is(server, f"/{lang}/register/email"))
    expect(page.locator(".error-summary")).to_have_count(0)
    assert not page.title().startswith(error)


@pytest.mark.parametrize("lang", ["fr-ca", "de-at"])
def test_pages_are_in_the_language_of_the_url(new_page, lang):
    """The French and German sites must not show the English source text."""
    page = new_page(js=False)
    page.goto(f"/{lang}/register")
    expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[lang])
    english = {
        "heading": "What is your name?",
        "button": "Continue",
        "first name label": "First name",
        "sign-in link": "Sign in",
    }
    shown = {
        "heading": page.locator("main h1").inner_text().strip(),
        "button": page.locator("main form button").inner_text().strip(),
        "first name label": page.locator('label[for="first_name"]').inner_text().strip(),
        "sign-in link": page.locator('header a[href$="/login"]').inner_text().strip(),
    }
    page.locator("main form button").click()
    english["error prefix"] = "Error:"
    shown["error prefix"] = page.title().split(" ", 1)[0]
    untranslated = sorted(k for k in english if shown[k] == english[k])
    assert not untranslated, f"/{lang}/register shows English: " + \
        ", ".join(f"{k} {shown[k]!r}" for k in untranslated)
