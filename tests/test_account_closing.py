"""Closing an online account (domain.account_closing, views/profile.py):
the pages ask for the password and once more; closing deletes the login
identity, the profile, sessions, devices, links and codes, unlinks the
agreements, keeps the messages and their files for the market's retention
period without the person, and `flask accounts purge` deletes them after
it. Agents see such a thread as a closed account's and cannot answer."""
import os
import re
import threading
from datetime import timedelta

import pytest

from domain import account_closing, accounts, outbox as mail_outbox, worker
from domain.clock import utcnow
from domain.db import database
from domain.markets import load_markets
from models import (Agreement, Attachment, Customer, DataExport, Document, LoginSession, Message, OneTimeCode,
                    OutboxMessage, Payment, PayoffQuote, RegistrationDraft, RememberedDevice,
                    SecurityEvent, Thread, Token)
from support.agreements import make_agreement
from support.customers import PASSWORD, authorize, customer, login, register, signed_in_with
from support.reading import errors, heading, text_of
from support.staff import staff_signed_in
from support.uploads import PDF, files

EMAIL = "ana.silva@example.com"
CLOSE = "/en-ca/profile/close"
CONFIRM = "/en-ca/profile/close/confirm"
WRONG_PASSWORD = "copper meadow falcon 3"


def text(response):
    return response.get_data(as_text=True)


def write_with_file(client, agreement, lang="en-ca", body="When is my next payment taken?"):
    """A message to customer care with a PDF; the thread."""
    response = client.post(f"/{lang}/messages/new", content_type="multipart/form-data", data={
        "topic": "payments", "agreement": str(agreement.id), "body": body,
        "attachments": files(("statement.pdf", PDF))})
    assert response.status_code == 303, response.status_code
    return Thread.get_by_id(int(re.search(r"/messages/(\d+)/sent", response.location).group(1)))


def close(client, lang="en-ca"):
    """Through both pages; the last answer."""
    response = client.post(f"/{lang}/profile/close", data={"current_password": PASSWORD})
    assert response.status_code == 303 and response.location.endswith("/profile/close/confirm")
    return client.post(f"/{lang}/profile/close/confirm")


def a_full_account(app, client, outbox, sms):
    """A Canadian customer with all the portal keeps: an agreement linked,
    this browser remembered, a phone, a payoff quote, a message with a file,
    a pending reset link and address change; their row."""
    (agreement,) = signed_in_with(client, outbox, sms, lang="en-ca")
    row = Customer.get(Customer.email_key == EMAIL)
    Customer.update(phone="+16135550143", street="1 Main St", city="Ottawa", region="ON",
                    postal_code="K1A 0B1").where(Customer.id == row.id).execute()
    RememberedDevice.create(customer=row, key_hash="d" * 64, expires_at=utcnow() + timedelta(days=30))
    PayoffQuote.create(number="Q-1", agreement=agreement, customer=row, payoff_date=utcnow().date(),
                       currency="CAD", lines="[]", total=1)
    thread = write_with_file(client, agreement)
    client.post("/en-ca/profile/email", data={"email": "ana.new@example.com"})
    Token.create(customer=row, purpose="reset", token_hash="r" * 64,
                 expires_at=utcnow() + timedelta(hours=1))
    # A data export the worker built (queued: the threshold is 0 for it).
    app.config["DATA_EXPORT_QUEUE_ABOVE"] = 0
    assert client.post("/en-ca/profile/data").status_code == 303
    with app.app_context():
        worker.run_once()
    app.config["DATA_EXPORT_QUEUE_ABOVE"] = 5000
    return Customer.get_by_id(row.id), agreement, thread


# --- the pages -------------------------------------------------------------------------

def test_the_profile_links_to_closing_and_the_page_says_what_it_does(client, outbox, sms, db):
    signed_in_with(client, outbox, sms, lang="en-ca")
    assert 'href="/en-ca/profile/close"' in text(client.get("/en-ca/profile"))
    page = client.get(CLOSE)
    assert page.status_code == 200 and heading(page) == "Close your online account"
    words = text_of(page)
    assert "It does not end your lease or loan." in words
    assert "Your messages with customer care are kept for 7 years" in words
    assert "Statements and letters that the law requires still come to you by post." in words


def test_the_last_question_comes_only_after_the_password_on_this_page(client, outbox, sms, db):
    signed_in_with(client, outbox, sms, lang="en-ca")
    # Signed in a moment ago, but the password was not typed here.
    response = client.get(CONFIRM)
    assert response.status_code == 303 and response.location.endswith(CLOSE)
    assert client.post(CONFIRM).location.endswith(CLOSE)
    assert Customer.get(Customer.email_key == EMAIL).status == "active"


def test_a_wrong_password_is_refused_and_counts_towards_the_lock(client, outbox, sms, db):
    signed_in_with(client, outbox, sms, lang="en-ca")
    response = client.post(CLOSE, data={"current_password": WRONG_PASSWORD})
    assert response.status_code == 422
    assert errors(response) == ["This password is not right. Check it and try again."]
    assert Customer.get(Customer.email_key == EMAIL).failed_logins == 1
    empty = client.post(CLOSE, data={"current_password": ""})
    assert empty.status_code == 422 and errors(empty) == ["Enter your password."]
    client.post(CLOSE, data={"current_password": WRONG_PASSWORD})
    locked = client.post(CLOSE, data={"current_password": WRONG_PASSWORD})
    assert locked.status_code == 403 and heading(locked) == "Your account is locked"
    assert Customer.get(Customer.email_key == EMAIL).status == "active"


def test_keeping_the_account_changes_nothing(client, outbox, sms, db):
    signed_in_with(client, outbox, sms, lang="en-ca")
    client.post(CLOSE, data={"current_password": PASSWORD})
    page = client.get(CONFIRM)
    assert page.status_code == 200 and heading(page) == "Close your online account now?"
    assert 'href="/en-ca/profile">Keep my account</a>' in text(page)
    assert client.get("/en-ca/account").status_code == 200
    assert Customer.get(Customer.email_key == EMAIL).status == "active"


def test_closing_signs_out_and_says_so_in_the_customers_language(client, outbox, sms, db):
    signed_in_with(client, outbox, sms, lang="fr-ca")
    response = close(client, lang="fr-ca")
    assert response.status_code == 303 and response.location.endswith("/fr-ca/profile/closed")
    done = client.get(response.location)
    assert done.status_code == 200 and heading(done) == "Votre compte en ligne est fermé"
    assert client.get("/fr-ca/account").location.startswith("/fr-ca/login")
    mail = outbox.last(EMAIL)
    assert "Services financiers MINI" in mail["Subject"]
    body = outbox.text(mail)
    assert "fermé" in body
    # No link that could open the account again, nor any other.
    assert "http" not in body and "href" not in outbox.html(mail).replace(
        'href="mailto:', "").replace('href="tel:', "")


# --- what goes and what stays ------------------------------------------------------------

def test_closing_deletes_what_it_says_and_keeps_what_it_says(app, client, outbox, sms, db):
    customer, agreement, thread = a_full_account(app, client, outbox, sms)
    assert RegistrationDraft.select().where(RegistrationDraft.data.contains(EMAIL)).exists()
    attachment = Attachment.get()
    file_path = os.path.join(app.config["ATTACHMENTS_DIR"], attachment.stored_name)
    assert os.path.exists(file_path)
    export = DataExport.get(DataExport.customer == customer.id)
    export_path = os.path.join(app.config["EXPORTS_DIR"], export.stored_name)
    assert os.path.isfile(export_path)
    before_events = SecurityEvent.select().where(SecurityEvent.customer == customer.id).count()
    assert before_events > 0
    payments = Payment.select().where(Payment.agreement == agreement.id).count()
    documents = Document.select().where(Document.agreement == agreement.id).count()

    assert close(client).status_code == 303

    row = Customer.get_by_id(customer.id)
    assert row.status == "closed" and row.closed_at is not None
    assert row.email_key == f"closed {customer.id}"
    for column in ("email", "title", "first_name", "last_name", "password_hash", "phone",
                   "street", "postal_code", "city", "region"):
        assert getattr(row, column) == "", column
    assert row.last_login_at is None and row.activated_at is None
    assert not os.path.exists(export_path)
    for model in (LoginSession, RememberedDevice, Token, OneTimeCode, PayoffQuote, DataExport):
        assert not model.select().where(model.customer == customer.id).exists(), model.__name__
    # The agreement is the lender's: it stays, with its payments and documents, unlinked.
    kept = Agreement.get_by_id(agreement.id)
    assert kept.customer_id is None and kept.linked_at is None
    assert Payment.select().where(Payment.agreement == agreement.id).count() == payments
    assert Document.select().where(Document.agreement == agreement.id).count() == documents
    # The messages and their files stay for the retention period, out of the wait.
    kept_thread = Thread.get_by_id(thread.id)
    assert kept_thread.status == "closed" and kept_thread.waiting_since is None
    assert Message.select().where(Message.thread == thread.id).count() == 1
    assert Attachment.get_by_id(attachment.id) and os.path.exists(file_path)
    # The security log keeps its entries, without saying whose.
    assert not SecurityEvent.select().where(SecurityEvent.customer == customer.id).exists()
    closed = SecurityEvent.get(SecurityEvent.kind == "account_closed")
    assert closed.customer_id is None and closed.detail == "market ca"
    # Nothing waits to go to the old address but the confirmation, whose
    # text is erased once sent.
    pending = list(OutboxMessage.select().where(OutboxMessage.recipient == EMAIL,
                                                OutboxMessage.sent_at.is_null()))
    assert all(message.sensitive for message in pending)
    # Nor the registration's draft, which held the address.
    assert not RegistrationDraft.select().where(RegistrationDraft.data.contains(EMAIL)).exists()
    # Nothing left anywhere of the person's name, address or phone.
    for needle in ("Silva", "ana.silva", "Main St", "5550143"):
        assert needle not in repr(list(Customer.select().where(Customer.id == customer.id).dicts()))


def test_a_customer_without_messages_leaves_no_row(client, outbox, sms, db):
    signed_in_with(client, outbox, sms, lang="en-ca")
    customer_id = Customer.get(Customer.email_key == EMAIL).id
    close(client)
    assert not Customer.select().where(Customer.id == customer_id).exists()
    assert SecurityEvent.select().where(SecurityEvent.kind == "account_closed").count() == 1


def test_a_double_click_closes_once(app, client, outbox, sms, db):
    signed_in_with(client, outbox, sms, lang="en-ca")
    client.post(CLOSE, data={"current_password": PASSWORD})
    row = Customer.get(Customer.email_key == EMAIL)
    with app.test_request_context():
        assert account_closing.close_account(row) is True
        assert account_closing.close_account(row) is False
    # The page of the twin request: its session is gone, so it signs in again.
    assert client.post(CONFIRM).location.startswith("/en-ca/login")
    assert SecurityEvent.select().where(SecurityEvent.kind == "account_closed").count() == 1


# --- what no longer works ------------------------------------------------------------------

def test_old_cookies_and_links_of_a_closed_account_fail(app, client, outbox, sms, db):
    owner = customer(client, outbox, lang="en-ca", email=EMAIL)
    activation = outbox.link(outbox.messages(EMAIL)[0], "/activate/")
    agreement = make_agreement("ca", customer=owner, linked_at=utcnow())
    # Remember this browser, then ask for a reset link and an address change.
    login(client, lang="en-ca")
    authorize(client, agreement, sms, remember="yes")
    device_cookie = client.get_cookie("keyfob_device").value
    client.post("/en-ca/profile/email", data={"email": "ana.new@example.com"})
    change = outbox.link(outbox.last("ana.new@example.com"), "/profile/email/confirm/")
    with app.test_request_context():        # as the forgot-password page and the worker do
        accounts.request_password_reset("ca", EMAIL)
        assert accounts.answer_reset_requests() == 1
        mail_outbox.send_pending()
    reset = outbox.link(outbox.last(EMAIL), "/reset-password/")
    session_cookie = client.get_cookie("keyfob").value

    close(client)

    thief = app.test_client()
    thief.set_cookie("keyfob", session_cookie)
    assert thief.get("/en-ca/account").location.startswith("/en-ca/login")
    for link in (reset, activation, change):
        opened = thief.get(link)
        page = thief.get(opened.location) if opened.status_code == 303 else opened
        assert page.status_code in (404, 409, 410), (link, page.status_code)
    # The same address registers anew; the old device cookie spares no code.
    register(thief, lang="en-ca", email=EMAIL)
    thief.get(outbox.link(outbox.last(EMAIL), "/activate/"))
    new = Customer.get(Customer.email_key == EMAIL)
    Agreement.update(customer=new.id, linked_at=utcnow()).where(Agreement.id == agreement.id).execute()
    thief.set_cookie("keyfob_device", device_cookie)
    signed_in = login(thief, lang="en-ca")
    assert thief.get(signed_in.location).request.path == "/en-ca/device"


def test_registering_again_with_the_address_is_a_new_customer(app, client, outbox, sms, db):
    customer, agreement, thread = a_full_account(app, client, outbox, sms)
    close(client)
    fresh = app.test_client()
    register(fresh, lang="en-ca", email=EMAIL, first_name="Ana", last_name="Silva")
    mail = outbox.last(EMAIL)
    assert "/activate/" in outbox.text(mail)           # not "you already have an account"
    assert fresh.get(outbox.link(mail, "/activate/")).status_code == 200
    new = Customer.get(Customer.email_key == EMAIL)
    assert new.id != customer.id and new.status == "active" and new.phone == ""
    login(fresh, lang="en-ca")
    inbox = fresh.get("/en-ca/messages")
    assert inbox.status_code in (200, 303)
    assert not Thread.select().where(Thread.customer == new.id).exists()
    assert not Agreement.select().where(Agreement.customer == new.id).exists()
    assert "1 Main St" not in text(fresh.get("/en-ca/profile"))


# --- the back office -----------------------------------------------------------------------

def test_agents_see_a_closed_account_and_cannot_answer(app, client, outbox, sms, db):
    customer, agreement, thread = a_full_account(app, client, outbox, sms)
    close(client)
    agent = app.test_client()
    staff_signed_in(agent, role="agent")
    page = agent.get(f"/staff/queue/{thread.id}")
    assert page.status_code == 200
    words = text_of(page)
    assert "Customer who closed their account" in words and "Silva" not in words
    assert f'action="/staff/queue/{thread.id}/reply"' not in text(page)
    assert f'action="/staff/queue/{thread.id}/reopen"' not in text(page)
    queue = text_of(agent.get("/staff/queue?status=closed"))
    assert "Customer who closed their account" in queue
    # A form from before the closing is refused, and nothing is written.
    answer = agent.post(f"/staff/queue/{thread.id}/reply", data={"body": "Hello?"})
    assert answer.status_code == 303
    assert "closed their online account" in text_of(agent.get(answer.location))
    assert Message.select().where(Message.thread == thread.id).count() == 1
    agent.post(f"/staff/queue/{thread.id}/reopen")
    assert Thread.get_by_id(thread.id).status == "closed"


def test_admins_see_the_closing_in_the_security_log_without_personal_data(app, client, outbox,
                                                                         sms, db):
    a_full_account(app, client, outbox, sms)
    close(client)
    admin = app.test_client()
    staff_signed_in(admin, role="admin")
    page = text_of(admin.get("/staff/admin/security-log?kind=account_closed"))
    assert "account_closed" in page and "market ca" in page
    assert "Silva" not in page and "ana.silva" not in page


# --- retention ------------------------------------------------------------------------------

def test_purge_deletes_closed_accounts_once_their_markets_period_has_passed(app, runner, clock,
                                                                           outbox, sms, db):
    accounts = {}
    for lang, email in (("en-ca", "ca@example.com"), ("fr-fr", "fr@example.com")):
        client = app.test_client()
        (agreement,) = signed_in_with(client, outbox, sms, lang=lang, email=email)
        thread = write_with_file(client, agreement, lang=lang)
        customer_id = Customer.get(Customer.email_key == email).id
        close(client, lang=lang)
        accounts[lang] = (customer_id, thread, Attachment.select().join(Message).where(
            Message.thread == thread.id).get())
    closed_at = Customer.get_by_id(accounts["fr-fr"][0]).closed_at

    def left(lang):
        customer_id, thread, attachment = accounts[lang]
        path = os.path.join(app.config["ATTACHMENTS_DIR"], attachment.stored_name)
        rows = (Customer.select().where(Customer.id == customer_id).exists(),
                Thread.select().where(Thread.id == thread.id).exists(),
                Attachment.select().where(Attachment.id == attachment.id).exists())
        assert len(set(rows)) == 1, rows
        assert os.path.exists(path) == rows[0]
        return rows[0]

    clock.set_now(closed_at + timedelta(days=365 * 5))        # France keeps 5 years
    assert "deleted 0 closed accounts" in runner.invoke(args=["accounts", "purge"]).output
    assert left("fr-fr") and left("en-ca")
    assert not RegistrationDraft.select().exists()      # long past an activation link
    clock.set_now(closed_at + timedelta(days=365 * 5 + 2))
    assert "deleted 1 closed accounts" in runner.invoke(args=["accounts", "purge"]).output
    assert not left("fr-fr") and left("en-ca")
    clock.set_now(closed_at + timedelta(days=365 * 7 + 3))    # Canada 7
    assert "deleted 1 closed accounts" in runner.invoke(args=["accounts", "purge"]).output
    assert not left("en-ca")


def test_every_market_must_say_how_long_it_keeps_a_closed_accounts_messages(tmp_path):
    markets = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                           "config", "markets.toml")
    with open(markets, encoding="utf-8") as f:
        source = f.read()
    found = re.findall(r"^message_retention_years = (\d+)$", source, re.M)
    assert len(found) == len(re.findall(r"^\[markets\.\w+\]$", source, re.M))
    try:
        for broken in ("", "message_retention_years = 0\n", 'message_retention_years = "7"\n'):
            path = tmp_path / "markets.toml"
            path.write_text(re.sub(r"^message_retention_years = 5\n", broken, source, flags=re.M),
                            encoding="utf-8")
            with pytest.raises(ValueError, match="message_retention_years"):
                load_markets(str(path))
    finally:
        load_markets(markets)


def test_an_answer_at_the_moment_of_closing_comes_wholly_before_or_is_refused(app, client, outbox,
                                                                             sms, db):
    """An agent answers while the customer presses "Close my account": the
    answer is written before the closing (and kept, closed) or refused; a
    closed account's thread never opens again and no mail goes to an
    emptied address."""
    customer, agreement, thread = a_full_account(app, client, outbox, sms)
    client.post(CLOSE, data={"current_password": PASSWORD})
    agent = app.test_client()
    staff_signed_in(agent, role="agent")
    barrier = threading.Barrier(2)
    answers, failures = {}, []

    def run(name, request):
        try:
            barrier.wait(timeout=30)
            answers[name] = request()
        except Exception as error:      # shown by the assertion below
            failures.append(error)
        finally:
            database.close()

    both = [threading.Thread(target=run, args=("close", lambda: client.post(CONFIRM))),
            threading.Thread(target=run, args=("reply", lambda: agent.post(
                f"/staff/queue/{thread.id}/reply", data={"body": "Your payment is on the 15th."})))]
    for each in both:
        each.start()
    for each in both:
        each.join(timeout=60)
    assert failures == []
    assert answers["close"].status_code == 303 and answers["reply"].status_code == 303
    assert Customer.get_by_id(customer.id).status == "closed"
    kept = Thread.get_by_id(thread.id)
    assert kept.status == "closed" and kept.waiting_since is None
    assert Message.select().where(Message.thread == thread.id).count() in (1, 2)
    assert not OutboxMessage.select().where(OutboxMessage.recipient == "").exists()
