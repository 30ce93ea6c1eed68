"""The help center in Chromium, with JavaScript on (the vote is swapped in
place by its thank-you) and off (plain forms, the thank-you as a flash), in
Canada and Austria: search, read, vote, ask a question."""
import pytest
from playwright.sync_api import expect

from flows import path_is
from help_helpers import unique_word

SEARCH = {"en-ca": ("Keyfob", "Your Keyfob password"),
          "de-at": ("Keyfob", "Ihr Keyfob-Passwort")}
QUESTION = {"en-ca": "How do I change my Keyfob password?",
            "de-at": "Wie ändere ich mein Keyfob-Passwort?"}
THANKS = {"en-ca": "Thank you for your answer.", "de-at": None}


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("lang", ["en-ca", "de-at"])
def test_search_read_vote_and_ask(new_page, server, csp_watch, lang, js):
    page = new_page(js=js)
    csp = csp_watch(page, events=js)
    key = server.make_help_article("ca" if lang == "en-ca" else "at")
    # The crawl made articles of the same text: a word of this one's own
    # finds it among them.
    query, title = SEARCH[lang]
    query += " " + unique_word(key)

    # From the footer to the help center, then a search.
    page.goto(f"/{lang}/")
    page.locator(f'footer a[href="/{lang}/help"]').click()
    expect(page).to_have_url(path_is(server, f"/{lang}/help"))
    page.locator("#q").fill(query)
    page.locator("form.help-search button").click()
    expect(page.locator("#q")).to_have_value(query)
    result = page.locator(f'.help-results a[href="/{lang}/help/articles/{key}"]')
    expect(result).to_have_text(title)
    expect(page.locator(".help-results mark").first).to_contain_text("Keyfob")

    # Read it, then vote.
    result.click()
    expect(page).to_have_url(path_is(server, f"/{lang}/help/articles/{key}"))
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator("main article strong").first).to_be_visible()
    page.locator('#help-vote button[value="yes"]').click()
    expect(page.locator('#help-vote button')).to_have_count(0)
    thanks = page.locator("#help-vote" if js else ".notice")
    expect(thanks).to_be_visible()
    if js:
        expect(page).to_have_url(path_is(server, f"/{lang}/help/articles/{key}"))
        expect(page.locator(".notice")).to_have_count(0)     # swapped in place, no flash
    # Once voted, the page has no form any more.
    page.reload()
    expect(page.locator('#help-vote button')).to_have_count(0)

    # A question in the customer's own words.
    page.goto(f"/{lang}/help")
    page.locator(f'main a[href="/{lang}/help/ask"]').click()
    expect(page).to_have_url(path_is(server, f"/{lang}/help/ask"))
    page.locator("#question").fill("x" * 201)
    page.locator("main form button").click()
    expect(page.locator(".error-summary")).to_be_visible()
    page.locator("#question").fill(QUESTION[lang] + " " + unique_word(key))
    page.locator("main form button").click()
    expect(page.locator(f'.help-results a[href="/{lang}/help/articles/{key}"]')).to_be_visible()
    assert csp.violations == []
