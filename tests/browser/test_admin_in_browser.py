"""The admins' back office in Chromium, with JavaScript on (htmx swaps the
forms) and off (plain forms): an admin signs in with a TOTP code, adds an
agent and reads the initial password once, the agent signs in with it, the
admin deactivates them and the agent's next page is the sign-in; the admin
finds a customer locked by three wrong passwords at the login page and
unlocks them, the customer signs in; the security log shows the unlock
when filtered by its kind."""
import re
import secrets

import pyotp
import pytest
from playwright.sync_api import expect

from flows import new_customer, path_is

CUSTOMER_PASSWORD = "tulip river lantern 7"


def staff_sign_in(page, server, email, password):
    page.goto("/staff/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("main form button").click()


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_admin_manages_staff_unlocks_a_customer_and_reads_the_log(new_page, server, csp_watch, js):
    page = new_page(js=js)
    csp = csp_watch(page, events=js)

    # --- the admin signs in: password, then the app's code ---------------------------------
    email, password, secret = server.make_staff("admin")
    staff_sign_in(page, server, email, password)
    expect(page).to_have_url(path_is(server, "/staff/second-factor"))
    page.locator("#code").fill(pyotp.TOTP(secret).now())
    page.locator("main form button").click()
    expect(page).to_have_url(path_is(server, "/staff"))

    # --- adds an agent and sees the initial password once ------------------------------------
    page.get_by_role("link", name="Staff and roles").click()
    expect(page).to_have_url(path_is(server, "/staff/admin/staff"))
    expect(page.locator("h1")).to_have_text("Staff and roles")
    agent_email = f"agent-{secrets.token_hex(4)}@keyfob.example"
    page.locator("#email").fill("not an address")
    page.locator("#name").fill("Nia Agent")
    page.locator("#role-agent").check()
    page.get_by_role("button", name="Add the member").click()
    expect(page.locator(".error-summary")).to_contain_text("Enter an email address in the right format")
    expect(page.locator("#name")).to_have_value("Nia Agent")            # the input is kept
    page.locator("#email").fill(agent_email)
    page.get_by_role("button", name="Add the member").click()
    expect(page).to_have_url(re.compile(r"/staff/admin/staff/\d+/created$"))
    created_url = page.url
    initial = page.locator("#initial-password").inner_text()
    assert len(initial) >= 20
    page.reload()
    expect(page.locator("#initial-password")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("shown once already")

    # The agent signs in with it and sets up their app, in another browser.
    agent_page = new_page(js=js)
    staff_sign_in(agent_page, server, agent_email, initial)
    expect(agent_page).to_have_url(path_is(server, "/staff/second-factor/setup"))
    agent_secret = agent_page.locator("#totp-secret").inner_text().replace(" ", "")
    agent_page.locator("#code").fill(pyotp.TOTP(agent_secret).now())
    agent_page.locator("main form button").click()
    expect(agent_page).to_have_url(path_is(server, "/staff/second-factor/recovery-codes"))
    agent_page.goto("/staff")
    expect(agent_page.locator("h1")).to_have_text("Hello, Nia Agent")

    # --- deactivates the agent: signed out at once ------------------------------------------------
    page.get_by_role("link", name="Go to the page of Nia Agent").click()
    expect(page).to_have_url(path_is(server, created_url.removeprefix(server.base_url)
                                     .removesuffix("/created")))
    expect(page.locator("#member")).to_contain_text(agent_email)
    page.get_by_role("button", name="Deactivate").click()
    expect(page.locator("main [role=status]")).to_have_text(
        "Nia Agent is deactivated and signed out everywhere.")
    expect(page.locator("#member")).to_contain_text("Deactivated")
    agent_page.goto("/staff")
    expect(agent_page).to_have_url(path_is(server, "/staff/login"))

    # --- a customer locked by three wrong passwords at the login page --------------------------
    customer_page = new_page(js=js)
    customer_email = new_customer(customer_page, server, "en-ca")
    customer_page.goto("/en-ca/login")
    for _ in range(3):
        customer_page.locator("#email").fill(customer_email)
        customer_page.locator("#password").fill("copper meadow falcon 3")
        customer_page.locator("main form button").click()
        expect(customer_page.locator("#password")).to_have_value("")
        expect(customer_page.locator(".error-summary")).to_be_visible()

    page.goto("/staff")
    page.get_by_role("link", name="Customer accounts").click()
    expect(page).to_have_url(path_is(server, "/staff/admin/customers"))
    page.locator("#market-ca").check()
    page.locator("#email").fill(customer_email.upper())
    page.get_by_role("button", name="Find the account").click()
    expect(page.locator("#found")).to_contain_text("Customer")
    expect(page.locator("#lock-state")).to_contain_text("Locked since")
    customer_id = re.search(r"\d+", page.locator("#found").inner_text()).group(0)
    page.get_by_role("button", name="Unlock the account").click()
    expect(page).to_have_url(path_is(server, "/staff/admin/customers"))
    expect(page.locator("main [role=status]")).to_contain_text(f"Customer {customer_id} is unlocked")

    customer_page.locator("#email").fill(customer_email)
    customer_page.locator("#password").fill(CUSTOMER_PASSWORD)
    customer_page.locator("main form button").click()
    expect(customer_page).to_have_url(path_is(server, "/en-ca/account"))

    # --- the security log, filtered by kind ------------------------------------------------------
    page.goto("/staff")
    page.get_by_role("link", name="Security log").click()
    expect(page).to_have_url(path_is(server, "/staff/admin/security-log"))
    page.locator("#kind").select_option("customer_unlocked_by_staff")
    page.get_by_role("button", name="Show the entries").click()
    expect(page).to_have_url(re.compile(r"/staff/admin/security-log\?.*kind=customer_unlocked_by_staff"))
    entries = page.locator("#events li")
    expect(entries.first).to_contain_text(f"Customer {customer_id}")
    for text in entries.all_inner_texts():
        assert text.startswith("customer_unlocked_by_staff"), text
    expect(page.locator("#kind")).to_have_value("customer_unlocked_by_staff")
    # A bad date from a hand-made address: an error, the page still works.
    page.goto("/staff/admin/security-log?date_from=2026-02-30")
    expect(page.locator(".error-summary")).to_contain_text("Enter a real date, like 2026-11-02.")

    page.wait_for_timeout(30)       # securitypolicyviolation events are async
    assert csp.violations == []
