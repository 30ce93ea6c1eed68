"""The back office's sign-in in Chromium, with JavaScript on (htmx swaps the
code steps) and off (plain forms): an admin made by `flask staff create`
signs in with the initial password, sets up the authenticator app with the
key the page shows (the code computed with pyotp, as the phone would), sees
the recovery codes once, reaches /staff, signs out, signs in again with a
TOTP code, and once more with a recovery code."""
import re
import secrets
import time

import pyotp
import pytest
from playwright.sync_api import expect

from flows import path_is, submit


def type_password(page, email, password):
    page.goto("/staff/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    submit(page)


def sign_out(page, server):
    page.locator("header form button").click()
    expect(page).to_have_url(path_is(server, "/staff/login"))
    expect(page.locator("main")).to_contain_text("You have signed out.")


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_admin_sets_up_the_app_and_signs_in_with_codes(new_page, server, csp_watch, js):
    email = f"admin-{secrets.token_hex(4)}@keyfob.example"
    created = server.flask("staff", "create", email, "--role", "admin", "--name", "Ada Admin")
    assert created.returncode == 0, created.stderr
    password = re.search(r"initial password \(shown only now\): (\S+)", created.stdout).group(1)

    page = new_page(js=js)
    csp = csp_watch(page, events=js)

    # A wrong password first: the one answer for every refusal.
    type_password(page, email, "not the password at all")
    expect(page.locator(".error-summary")).to_contain_text("email address or password is not right")

    # --- the first sign-in sets the app up ------------------------------------------------
    type_password(page, email, password)
    expect(page).to_have_url(path_is(server, "/staff/second-factor/setup"))
    expect(page.locator("h1")).to_have_text("Set up your authenticator app")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    qr = page.request.get(page.locator("img.qr").get_attribute("src"))
    assert qr.status == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    if js:
        page.wait_for_function("document.querySelector('img.qr').naturalWidth > 0")
    totp = pyotp.TOTP(secret)

    page.locator("#code").fill("000000" if totp.now() != "000000" else "111111")
    submit(page)
    expect(page.locator(".error-summary")).to_contain_text("This code is not right")
    page.locator("#code").fill(totp.now())
    submit(page)

    expect(page).to_have_url(path_is(server, "/staff/second-factor/recovery-codes"))
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    submit(page)                                        # "I have saved them"
    expect(page).to_have_url(path_is(server, "/staff"))
    expect(page.locator("h1")).to_have_text("Hello, Ada Admin")
    expect(page.locator("main")).to_contain_text("Security log")
    # Shown once: coming back shows no code.
    page.goto("/staff/second-factor/recovery-codes")
    expect(page.locator("#recovery-codes")).to_have_count(0)
    sign_out(page, server)
    page.goto("/staff")
    expect(page).to_have_url(path_is(server, "/staff/login"))

    # --- the next sign-in asks for a code --------------------------------------------------
    type_password(page, email, password)
    expect(page).to_have_url(path_is(server, "/staff/second-factor"))
    # The enrolment's code is spent; the next step's is accepted (phones drift).
    page.locator("#code").fill(totp.at(time.time() + 30))
    submit(page)
    expect(page).to_have_url(path_is(server, "/staff"))
    sign_out(page, server)

    # --- and a recovery code stands in for a lost phone -------------------------------------
    type_password(page, email, password)
    page.get_by_role("link", name="No phone? Use a recovery code").click()
    expect(page).to_have_url(path_is(server, "/staff/second-factor/recovery"))
    page.locator("#code").fill(codes[0])
    submit(page)
    expect(page).to_have_url(path_is(server, "/staff"))
    expect(page.locator("main")).to_contain_text("9 codes are left")

    page.wait_for_timeout(30)       # securitypolicyviolation events are async
    assert csp.violations == []
