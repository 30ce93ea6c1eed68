"""The message center, click by click, with JavaScript on (htmx posts the
form with its file) and off (plain multipart forms), in Canada and France:
a message with a PDF, the confirmation, the thread; customer care answers;
the header counts it, an email without its text says so; the customer
reads it and answers."""
import re

from playwright.sync_api import expect

from flows import each_variant_once, link, new_customer, path_is, sign_in, submit

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
STATEMENT = {"name": "statement.pdf", "mimeType": "application/pdf", "buffer": PDF}
QUESTION = "Hello,\nwhen is my next payment taken?\n<b>Thanks</b>"
ANSWER = "Your next payment is taken on the 15th. Balance: 12,345.67"


def header_link(page, lang):
    return page.locator(f'#account-nav a[href="/{lang}/messages"]')


@each_variant_once("en-ca", "fr-fr")
def test_write_with_a_file_get_an_answer_read_it_and_answer(new_page, server, csp_watch, lang, js):
    page = new_page(js=js, accept_downloads=True)
    csp = csp_watch(page, events=js)
    agreement = server.make_agreement("ca" if lang == "en-ca" else "fr")
    address = new_customer(page, server, lang)
    sign_in(page, lang, address)
    expect(page).to_have_url(path_is(server, f"/{lang}/account"))
    link(page, server, lang, agreement)

    # From the dashboard to the form.
    page.goto(f"/{lang}/account")
    page.locator(f'main a[href="/{lang}/messages/new"]').click()
    expect(page).to_have_url(path_is(server, f"/{lang}/messages/new"))
    expect(page.locator(f"#agreement-{agreement.id}")).to_be_checked()     # the only one

    # No topic chosen: the error, the text kept, the file to choose again.
    page.locator("#body").fill(QUESTION)
    page.locator("#attachments").set_input_files(files=[STATEMENT])
    submit(page)
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#topic-error")).to_be_visible()
    expect(page.locator("#body")).to_have_value(QUESTION)
    expect(page.locator(f"#agreement-{agreement.id}")).to_be_checked()

    page.locator("#topic-payments").check()
    page.locator("#attachments").set_input_files(files=[STATEMENT])
    submit(page)
    expect(page).to_have_url(re.compile(re.escape(server.url(f"/{lang}/messages/")) + r"\d+/sent$"))
    thread_id = int(page.url.rsplit("/", 2)[1])
    expect(page.locator("main h1")).to_have_count(1)

    # The confirmation leads to the thread: the text as typed, the file.
    page.locator(f'main a[href="/{lang}/messages/{thread_id}"]').click()
    expect(page).to_have_url(path_is(server, f"/{lang}/messages/{thread_id}"))
    expect(page.locator("main .conversation .text")).to_have_text(QUESTION)
    with page.expect_download() as download:
        page.locator("main .conversation a", has_text="statement.pdf").click()
    assert download.value.suggested_filename == "statement.pdf"
    with open(download.value.path(), "rb") as f:
        assert f.read() == PDF
    expect(header_link(page, lang)).not_to_contain_text("(")

    # Customer care answers: the header counts it, an email says so.
    server.staff_reply(thread_id, ANSWER)
    page.goto(f"/{lang}/messages")
    expect(header_link(page, lang)).to_contain_text("(1)")
    expect(page.locator("main .threads .unread .tag")).to_have_count(1)
    mailbox = server.mailbox(address)
    mail = mailbox.latest()
    assert mailbox.link(mail, f"/{lang}/messages/{thread_id}") == \
        server.url(f"/{lang}/messages/{thread_id}")
    assert "12,345.67" not in mailbox.text(mail) and "15th" not in mailbox.text(mail)

    # The customer opens the thread and reads the answer: opening it marks
    # it read, with JavaScript or without, and says once that it is new.
    page.locator(f'main .threads a[href="/{lang}/messages/{thread_id}"]').click()
    expect(page).to_have_url(path_is(server, f"/{lang}/messages/{thread_id}"))
    expect(page.locator("main .conversation .from-care .text")).to_have_text(ANSWER)
    expect(page.locator("main [role=status]")).to_have_count(1)
    expect(header_link(page, lang)).not_to_contain_text("(1)")
    page.goto(f"/{lang}/messages")
    expect(page.locator("main .threads .unread")).to_have_count(0)

    # And answers.
    page.locator(f'main .threads a[href="/{lang}/messages/{thread_id}"]').click()
    page.locator("#body").fill("Thank you!")
    submit(page)
    expect(page).to_have_url(path_is(server, f"/{lang}/messages/{thread_id}"))
    expect(page.locator("main .conversation > li")).to_have_count(3)
    expect(page.locator("main .conversation > li").last.locator(".text")).to_have_text("Thank you!")
    expect(page.locator("main .notice")).to_be_visible()

    page.wait_for_timeout(30)   # securitypolicyviolation events are async
    assert csp.violations == []
