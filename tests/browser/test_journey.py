"""The whole life of an account through a real browser, with JavaScript on
(htmx swaps the form steps and boosts links) and off (plain HTML forms):
register, activate, sign in, sign out, get locked out by three wrong
passwords, unlock by resetting the password, sign in again."""
import re

import pytest
from playwright.sync_api import expect

from flows import each_variant_once, htmx_ready

PASSWORD = "tulip river lantern 7"
NEW_PASSWORD = "amber canyon whistle 42"
WRONG_PASSWORD = "copper meadow falcon 3"

HTML_LANG = {"en-ca": "en-CA", "fr-ca": "fr-CA", "de-at": "de-AT"}
HAS_TITLES = {"en-ca": True, "fr-ca": True, "de-at": True}
WIZARD_POSTS = ("/register", "/register/email", "/register/password", "/register/check")


# How the dashboard names Mr Ana Silva where the market is formal.
GREETING_NAME = {"de-at": "Herr Silva", "fr-fr": "Monsieur Silva"}


def path_is(server, path):
    """A URL matcher for exactly this path (no query, no fragment)."""
    return re.compile("^" + re.escape(server.url(path)) + "$")


def main_button(page):
    """The one button of the form in <main>: its name is translated."""
    return page.locator("main form button")


def sign_in(page, address, password):
    page.locator("#email").fill(address)
    page.locator("#password").fill(password)
    main_button(page).click()


def refused_sign_in(page, server, lang, address, password):
    """Sign in and be refused: returns (error summary text, <title>)."""
    sign_in(page, address, password)
    # The answer is a new page (or, with htmx, new content) whose password
    # field is empty again; the old one still holds what was typed.
    expect(page.locator("#password")).to_have_value("")
    expect(page).to_have_url(path_is(server, f"/{lang}/login"))
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    # The same answer as for an unknown address: no field error, only the summary.
    expect(page.locator("p.error")).to_have_count(0)
    return summary.inner_text(), page.title()


@each_variant_once("en-ca", "fr-ca", "de-at")
def test_register_activate_sign_in_lock_out_and_reset(new_page, server, csp_watch,
                                                      unique_email, lang, js):
    page = new_page(js=js)
    csp = csp_watch(page, events=js)
    requests = []
    page.on("request", lambda r: requests.append(r))
    mailbox = server.mailbox(unique_email)
    html = page.locator("html")

    # --- registration: name, email, password, check -----------------------
    response = page.goto(f"/{lang}/register")
    assert response.status == 200
    expect(html).to_have_attribute("lang", HTML_LANG[lang])
    if js:
        # Proves below that the wizard never leaves this document.
        htmx_ready(page)
        page.evaluate("window.__keyfobMarker = 'same document'")

    if HAS_TITLES[lang]:
        page.locator("#title-mr").check()
    page.locator("#first_name").fill("Ana")
    page.locator("#last_name").fill("Silva")
    main_button(page).click()
    expect(page).to_have_url(path_is(server, f"/{lang}/register/email"))
    expect(html).to_have_attribute("lang", HTML_LANG[lang])

    page.locator("#email").fill(unique_email)
    main_button(page).click()
    expect(page).to_have_url(path_is(server, f"/{lang}/register/password"))

    page.locator("#password").fill(PASSWORD)
    main_button(page).click()
    expect(page).to_have_url(path_is(server, f"/{lang}/register/check"))
    summary = page.locator("dl.summary")
    expect(summary).to_contain_text("Ana Silva")
    expect(summary).to_contain_text(unique_email)
    expect(summary).not_to_contain_text(PASSWORD)

    page.locator("#accept_terms").check()
    main_button(page).click()
    expect(page).to_have_url(path_is(server, f"/{lang}/register/sent"))
    expect(page.locator("main")).to_contain_text(unique_email)
    # The "send the email again" button.
    expect(page.locator("main form button")).to_have_count(1)
    expect(html).to_have_attribute("lang", HTML_LANG[lang])

    if js:
        assert page.evaluate("window.__keyfobMarker") == "same document", \
            "a wizard step loaded a whole new page instead of swapping #main"
        for path in WIZARD_POSTS:
            posts = [r for r in requests
                     if r.method == "POST" and r.url == server.url(f"/{lang}{path}")]
            assert len(posts) == 1, f"POST {path}: {len(posts)} requests"
            assert posts[0].headers.get("hx-request") == "true", f"POST {path} was not sent by htmx"
            assert posts[0].resource_type in ("xhr", "fetch")
            # The 303 is followed by the XHR, and the page it leads to comes
            # back as a fragment (the htmx header survives the redirect).
            follow = posts[0].redirected_to
            assert follow is not None, f"POST {path} was not answered with a redirect"
            assert follow.all_headers().get("hx-request") == "true"
            body = follow.response().text()
            assert not body.lstrip().lower().startswith("<!doctype"), \
                f"{follow.url} answered the htmx request with a whole page"
        # Only one document was ever loaded, with one header and one <main>.
        documents = [r for r in requests if r.resource_type == "document"]
        assert [r.url for r in documents] == [server.url(f"/{lang}/register")]
        expect(page.locator("header")).to_have_count(1)
        expect(page.locator("main")).to_have_count(1)

    # --- activation --------------------------------------------------------
    activation = mailbox.next()
    if lang == "en-ca":
        assert "Activate" in activation["Subject"]
    link = mailbox.link(activation, rf"/{lang}/activate/[A-Za-z0-9_\-]+")
    response = page.goto(link)
    assert response.status == 200
    expect(html).to_have_attribute("lang", HTML_LANG[lang])
    # The page's "Sign in" button (a boosted link with JavaScript).
    page.locator(f'main a[href="/{lang}/login"]').click()
    expect(page).to_have_url(path_is(server, f"/{lang}/login"))

    # --- sign in, sign out -------------------------------------------------
    sign_in(page, unique_email, PASSWORD)
    expect(page).to_have_url(path_is(server, f"/{lang}/account"))
    welcome = page.locator("main h1")
    # Formal markets greet by title and last name (domain.greeting).
    expect(welcome).to_contain_text(GREETING_NAME.get(lang, "Ana Silva"))
    if lang == "en-ca":
        expect(welcome).to_have_text("Welcome, Mr. Ana Silva")
    sign_out = page.locator("header form button")
    expect(sign_out).to_have_count(1)
    if lang == "en-ca":
        expect(sign_out).to_have_text("Sign out")

    sign_out.click()
    expect(page).to_have_url(path_is(server, f"/{lang}/"))
    expect(page.locator("header form button")).to_have_count(0)
    expect(page.locator("main [role=status]")).to_be_visible()
    if lang == "en-ca":
        expect(page.locator("main [role=status]")).to_have_text("You have signed out.")
    # Signed out for real: the account page sends back to sign in.
    page.goto(f"/{lang}/account")
    expect(page).to_have_url(path_is(server, f"/{lang}/login"))

    # --- three wrong passwords lock the account ----------------------------
    answers = [refused_sign_in(page, server, lang, unique_email, WRONG_PASSWORD)
               for _ in range(3)]
    assert answers[0] == answers[1] == answers[2]
    if lang == "en-ca":
        assert answers[0][1].startswith("Error: Sign in")
        assert "not right" in answers[0][0]
    # The right password is refused now, with exactly the same answer.
    assert refused_sign_in(page, server, lang, unique_email, PASSWORD) == answers[0]

    locked = mailbox.next()
    if lang == "en-ca":
        assert locked["Subject"].endswith("locked")
    forgot_link = mailbox.link(locked, rf"/{lang}/forgot-password")
    mailbox.assert_empty()     # one email for the lock, none for the refusals

    # --- reset the password from the lock email ---------------------------
    page.goto(forgot_link)
    expect(page).to_have_url(path_is(server, f"/{lang}/forgot-password"))
    expect(html).to_have_attribute("lang", HTML_LANG[lang])
    page.locator("#email").fill(unique_email)
    main_button(page).click()
    expect(page).to_have_url(path_is(server, f"/{lang}/forgot-password/sent"))

    reset = mailbox.next()
    reset_link = mailbox.link(reset, rf"/{lang}/reset-password/[A-Za-z0-9_\-]+")
    page.goto(reset_link)
    # The token moved into the session: the form's address carries none.
    expect(page).to_have_url(path_is(server, f"/{lang}/reset-password"))
    page.locator("#password").fill(NEW_PASSWORD)
    main_button(page).click()
    expect(page).to_have_url(path_is(server, f"/{lang}/forgot-password/done"))
    expect(html).to_have_attribute("lang", HTML_LANG[lang])
    changed = mailbox.next()        # "your password was changed"
    mailbox.link(changed, rf"/{lang}/login")

    # --- sign in with the new password -------------------------------------
    page.locator(f'main a[href="/{lang}/login"]').click()
    expect(page).to_have_url(path_is(server, f"/{lang}/login"))
    sign_in(page, unique_email, NEW_PASSWORD)
    expect(page).to_have_url(path_is(server, f"/{lang}/account"))
    expect(page.locator("main h1")).to_contain_text(GREETING_NAME.get(lang, "Ana Silva"))
    expect(page.locator("header form button")).to_have_count(1)
    expect(html).to_have_attribute("lang", HTML_LANG[lang])

    page.wait_for_timeout(50)   # securitypolicyviolation events are async
    assert csp.violations == [], "Content-Security-Policy violations:\n" + "\n".join(csp.violations)


def test_csp_watch_sees_a_violation(new_page, csp_watch):
    """The check above is worth something: an inline script is reported."""
    page = new_page()
    csp = csp_watch(page)
    page.goto("/en-ca/login")
    page.evaluate("""() => {
        const s = document.createElement('script');
        s.textContent = 'window.__inline = 1';
        document.body.append(s);
    }""")
    for _ in range(20):
        if csp.violations:
            break
        page.wait_for_timeout(50)
    assert any("script-src" in v for v in csp.violations), csp.violations
    assert page.evaluate("window.__inline") is None


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_language_link_follows_the_wizard(new_page, server, unique_email, js):
    """The header's "Français" link leads to the page being shown, in French,
    also after htmx replaced only <main>."""
    page = new_page(js=js)
    page.goto("/en-ca/register")
    french = page.locator('header a[hreflang="fr-CA"]')
    expect(french).to_have_attribute("href", "/fr-ca/register")

    page.locator("#title-ms").check()
    page.locator("#first_name").fill("Ana")
    page.locator("#last_name").fill("Silva")
    main_button(page).click()
    expect(page).to_have_url(path_is(server, "/en-ca/register/email"))
    expect(french).to_have_attribute("href", "/fr-ca/register/email")

    page.locator("#email").fill(unique_email)
    main_button(page).click()
    expect(page).to_have_url(path_is(server, "/en-ca/register/password"))
    expect(french).to_have_attribute("href", "/fr-ca/register/password")

    # Switching language keeps the registration where it was.
    french.click()
    expect(page).to_have_url(path_is(server, "/fr-ca/register/password"))
    expect(page.locator("html")).to_have_attribute("lang", "fr-CA")
    expect(page.locator("#password")).to_be_visible()
