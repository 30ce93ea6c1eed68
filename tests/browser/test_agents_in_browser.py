"""The agents' queue in Chromium, with JavaScript on (htmx boosts the filter
form and posts the thread's forms, the file included) and off (plain
forms): a customer in Austria wrote to customer care; an agent signs in
with a TOTP code, filters the queue, finds the thread, takes it, answers
with a PDF; the customer is told by an email without the answer's text,
and sees the answer unread."""
import re

import pytest
from playwright.sync_api import expect

from flows import path_is, sign_in, sign_in_as_staff

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
CONFIRMATION = {"name": "confirmation.pdf", "mimeType": "application/pdf", "buffer": PDF}
QUESTION = "Hello,\nwhen is my next payment taken?\n<b>Thanks</b>"
ANSWER = "Your next payment is taken on the 15th.\nBalance: 12,345.67"


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_an_agent_finds_takes_and_answers_a_thread_with_a_pdf(new_page, server, csp_watch, js):
    address, thread_id, agreement = server.make_thread("at", body=QUESTION)
    email, password, secret = server.make_staff("agent")
    page = new_page(js=js, accept_downloads=True)
    csp = csp_watch(page, events=js)
    sign_in_as_staff(page, server, email, password, secret)

    # From the back office's home to the queue, filtered to Austria and nobody's threads.
    page.locator('main a[href="/staff/queue"]').click()
    expect(page).to_have_url(path_is(server, "/staff/queue"))
    page.locator("#market").select_option("at")
    page.locator("#assignee").select_option("unassigned")
    page.locator("main form.filters button").click()
    expect(page).to_have_url(re.compile(re.escape(server.url("/staff/queue?")) + r".*market=at"))
    expect(page.locator("#market")).to_have_value("at")
    row = page.locator("main .queue li", has=page.locator(f'a[href="/staff/queue/{thread_id}"]'))
    expect(row).to_contain_text("Nora Writer")
    expect(row).to_contain_text(f"Contract {agreement.contract_number}")
    expect(row).to_contain_text("Waiting for")
    expect(row).to_contain_text("Not assigned")

    # The thread: the customer's text as typed (markup as text), who they are.
    row.locator(f'a[href="/staff/queue/{thread_id}"]').click()
    expect(page).to_have_url(path_is(server, f"/staff/queue/{thread_id}"))
    expect(page.locator("main h1")).to_have_text("Payments")
    expect(page.locator("main .conversation .text")).to_have_text(QUESTION)
    expect(page.locator("main")).to_contain_text(address)
    expect(page.locator("main")).to_contain_text("German (Austria)")

    # The agent takes it.
    page.get_by_role("button", name="Assign to me").click()
    expect(page.locator("main .notice")).to_contain_text("This conversation is now yours.")
    expect(page).to_have_url(path_is(server, f"/staff/queue/{thread_id}"))
    expect(page.get_by_role("button", name="Assign to me")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Assigned to Sam Staff")

    # No text: the error, then the answer with its file.
    page.locator("#attachments").set_input_files(files=[CONFIRMATION])
    page.get_by_role("button", name="Send the answer").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#body-error")).to_be_visible()
    if js:      # the address stays at the thread; a plain form shows the POST's URL
        expect(page).to_have_url(path_is(server, f"/staff/queue/{thread_id}"))
    page.locator("#body").fill(ANSWER)
    page.locator("#attachments").set_input_files(files=[CONFIRMATION])
    page.get_by_role("button", name="Send the answer").click()
    expect(page.locator("main .notice")).to_contain_text("Your answer is sent.")
    expect(page).to_have_url(path_is(server, f"/staff/queue/{thread_id}"))
    expect(page.locator("main .conversation > li")).to_have_count(2)
    expect(page.locator("main .conversation .from-care .text")).to_have_text(ANSWER)
    with page.expect_download() as download:
        page.locator("main .conversation a", has_text="confirmation.pdf").click()
    assert download.value.suggested_filename == "confirmation.pdf"
    with open(download.value.path(), "rb") as f:
        assert f.read() == PDF

    # Answered: out of the wait; the thread is the agent's.
    page.goto("/staff/queue?assignee=me")
    row = page.locator("main .queue li", has=page.locator(f'a[href="/staff/queue/{thread_id}"]'))
    expect(row).to_contain_text("Answered, not read by the customer yet")

    # The customer is told by email, without the answer's text.
    mailbox = server.mailbox(address)
    mail = mailbox.latest()
    assert mailbox.link(mail, f"/de-at/messages/{thread_id}") == \
        server.url(f"/de-at/messages/{thread_id}")
    assert "12,345.67" not in mailbox.text(mail) and "15th" not in mailbox.text(mail)

    page.wait_for_timeout(30)   # securitypolicyviolation events are async
    assert csp.violations == []

    # ... and finds the answer unread in their message center.
    customer = new_page(js=js)
    sign_in(customer, "de-at", address)
    expect(customer).to_have_url(path_is(server, "/de-at/account"))
    expect(customer.locator('#account-nav a[href="/de-at/messages"]')).to_contain_text("(1)")
    customer.goto("/de-at/messages")
    expect(customer.locator("main .threads .unread")).to_have_count(1)
