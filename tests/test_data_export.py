"""Download my data (domain.data_export, views/profile.py): one zip with a
summary for people and data.json for machines, holding the customer's
profile, agreements with their payments and documents, quotes, devices,
messages with their files' names and security events, and nothing of
another customer with much the same data, nor anything meant for staff
only; the password asked again; three a day; a large one built by the
outbox worker and sent by email (over SMTP on loopback) as a link that
works once, for its customer only, and expires."""
import io
import json
import os
import secrets
import zipfile
from datetime import date, timedelta
from decimal import Decimal

from babel import numbers

from domain import data_export, messages, worker
from domain.clock import utcnow
from domain.security_log import log_event
from models import (Attachment, Customer, DataExport, Document, Message, Payment, PayoffQuote,
                    RememberedDevice, SecurityEvent)
from support.agreements import make_agreement
from support.customers import PASSWORD, customer, login, open_link
from support.queries import counted_queries
from support.reading import heading
from support.smtp import smtp_config
from support.staff import staff_member
from support.threads import make_thread

A_EMAIL = "ana.silva@example.com"
B_EMAIL = "ana.silva@example.org"
STAFF_NAME = "Quentin Staffname"
STAFF_EMAIL = "quentin.staffname@keyfob.example"


def give_data(app, owner, marker, payment, device, file_name, staff):
    """Much the same data for each customer, with a few things only theirs:
    (agreement, the strings only this customer's data holds)."""
    agreement = make_agreement("at", customer=owner, linked_at=utcnow(),
                               holder_first_name="Ana", holder_last_name="Silva")
    Payment.create(agreement=agreement, reference=f"P-{marker}", paid_on=date(2026, 11, 1),
                   amount=Decimal(payment))
    Document.create(agreement=agreement, kind="statement", title=f"Jahresauszug {marker}",
                    issued_on=date(2026, 1, 31), stored_name=secrets.token_hex(16) + ".pdf",
                    original_name=f"{marker}.pdf", size=2048)
    thread = make_thread(app, customer=owner, agreement=agreement,
                         body=f"Wann wird die Rate abgebucht? {marker}")
    first = Message.get(Message.thread == thread)
    Attachment.create(message=first, stored_name=secrets.token_hex(16), original_name=file_name,
                      content_type="application/pdf", size=3000)
    with app.test_request_context():
        messages.staff_reply(staff, thread, f"Am Ersten des Monats. Antwort {marker}")
    device_row = RememberedDevice.create(customer=owner, key_hash=secrets.token_hex(32),
                                         label=device, expires_at=utcnow() + timedelta(days=90))
    quote = PayoffQuote.create(number=f"Q-2026-{marker[-6:]}", agreement=agreement, customer=owner,
                               payoff_date=date(2026, 12, 20), currency="EUR",
                               lines=json.dumps([["balance", "11000.00"]]), total=Decimal("11000.00"))
    log_event("link_refused_taken", owner, f"agreement {agreement.id}")
    owner = Customer.get_by_id(owner.id)
    return agreement, [owner.email, agreement.contract_number, agreement.vin, marker, file_name,
                       device, quote.number, payment, owner.password_hash, device_row.key_hash]


def two_customers(app, client, outbox):
    """Customer A signed in on `client`, customer B with the same name and
    the same kind of data; (A, A's markers, B's markers)."""
    staff, _password, _totp = staff_member(name=STAFF_NAME, email=STAFF_EMAIL)
    a = customer(client, outbox, "de-at", A_EMAIL)
    b = customer(app.test_client(), outbox, "de-at", B_EMAIL)
    _a_agreement, a_marks = give_data(app, a, "A-000111", "555.55", "Firefox / Android",
                                      "rechnung-a.pdf", staff)
    _b_agreement, b_marks = give_data(app, b, "B-000999", "777.77", "Opera / Windows",
                                      "kontoauszug-b.pdf", staff)
    assert login(client, "de-at", A_EMAIL).status_code == 303
    return a, a_marks, b_marks


def unzipped(response):
    """(summary.html's text, data.json parsed, both texts together)."""
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert sorted(archive.namelist()) == ["data.json", "summary.html"]
    summary = archive.read("summary.html").decode("utf-8")
    data_text = archive.read("data.json").decode("utf-8")
    return summary, json.loads(data_text), summary + data_text


def stored(app, row):
    """Where the worker keeps an export's file (instance/exports/ by default)."""
    return os.path.join(app.config["EXPORTS_DIR"], row.stored_name)


def download(client, lang="de-at"):
    return client.post(f"/{lang}/profile/data")


# --- what is in it ------------------------------------------------------------------

def test_the_export_holds_the_customers_data_and_nothing_of_another(app, client, outbox, db):
    a, a_marks, b_marks = two_customers(app, client, outbox)
    page = client.get("/de-at/profile/data")
    assert page.status_code == 200 and 'data-download' in page.get_data(as_text=True)
    response = download(client)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="mini-finance-my-data-') and disposition.isascii()
    summary, data, both = unzipped(response)

    # A's own, in both files (the hashes aside: below).
    for mark in a_marks[:8]:
        assert mark in data_text_of(data), mark
    assert data["profile"]["email"] == A_EMAIL and data["profile"]["first_name"] == "Ana"
    [agreement] = data["agreements"]
    assert {"paid_on": "2026-11-01", "amount": "555.55"} in agreement["payments"]
    assert agreement["documents"][0]["title"] == "Jahresauszug A-000111"
    assert "holder_birth_date" not in agreement and "customer_number" not in agreement
    [thread] = data["message_threads"]
    assert [m["from"] for m in thread["messages"]] == ["you", "customer_care"]
    assert thread["messages"][0]["attachments"] == [
        {"name": "rechnung-a.pdf", "type": "application/pdf", "size_bytes": 3000}]
    assert [d["label"] for d in data["remembered_devices"]] == ["Firefox / Android"]
    kinds = [event["kind"] for event in data["security_events"]]
    assert "login" in kinds and "link_refused_taken" in kinds
    assert all(set(event) == {"kind", "at"} for event in data["security_events"])
    assert data["sign_in_ip_addresses_kept"] is False
    assert data["profile"]["registered_at"].endswith("Z")

    # The summary, in German with Austria's formats.
    assert '<html lang="de-AT">' in summary and "<script" not in summary
    assert numbers.format_currency(Decimal("555.55"), "EUR", locale="de_AT") in summary
    assert "Angemeldet" in summary and "rechnung-a.pdf" in summary and "A-000111" in summary
    assert "Kundenservice" in summary

    # Nothing of B's, nothing for staff only, no hash.
    for mark in b_marks:
        assert mark not in both, mark
    for secret in a_marks[8:]:
        assert secret not in both
    assert STAFF_NAME not in both and STAFF_EMAIL not in both and "Quentin" not in both
    event = SecurityEvent.get(SecurityEvent.kind == "data_exported")
    assert event.customer_id == a.id and event.detail == "download"


def data_text_of(data):
    return json.dumps(data, ensure_ascii=False)


def test_the_summary_follows_the_language_of_the_site(app, client, outbox, db):
    customer(client, outbox, "fr-fr", A_EMAIL)
    make_agreement("fr", customer=Customer.get(Customer.email_key == A_EMAIL), linked_at=utcnow())
    login(client, "fr-fr", A_EMAIL)
    summary, data, _both = unzipped(download(client, "fr-fr"))
    assert '<html lang="fr-FR">' in summary and "Vos données" in summary
    assert numbers.format_currency(Decimal("412.35"), "EUR", locale="fr_FR") in summary
    # A machine's file is the same in every language.
    assert data["agreements"][0]["payments"][0] == {"paid_on": "2026-10-01", "amount": "412.35"}


def test_the_export_costs_the_same_queries_whatever_it_holds(app, client, outbox, db):
    """Read in a fixed number of queries: one more thread, agreement or
    file adds rows, not queries."""
    customer(client, outbox, "de-at", A_EMAIL)
    owner = Customer.get(Customer.email_key == A_EMAIL)
    login(client, "de-at", A_EMAIL)
    staff, _password, _totp = staff_member()
    # Only the request: the outbox's round after it sends what give_data queued.
    app.config["OUTBOX_SEND_AFTER_REQUEST"] = False

    def counted():
        with counted_queries() as queries:
            assert download(client).status_code == 200
        return len(queries)
    give_data(app, owner, "A-000001", "1.00", "Chrome / Windows", "a.pdf", staff)
    few = counted()
    for number in range(2, 5):
        give_data(app, owner, f"A-00000{number}", "1.00", "Chrome / Windows", "a.pdf", staff)
    assert counted() == few


def test_canadian_french_says_it_in_its_own_words(app, client, outbox, db):
    """The market's brand in its French and Canada's own words, over
    French's: «service à la clientèle», not «service client»."""
    customer(client, outbox, "fr-ca", A_EMAIL)
    login(client, "fr-ca", A_EMAIL)
    summary, _data, _both = unzipped(download(client, "fr-ca"))
    assert "Vos données chez Services financiers MINI" in summary
    assert "Messages avec le service à la clientèle" in summary and "service client" not in summary


def test_overview_links_to_the_download(app, client, outbox, db):
    customer(client, outbox, "de-at", A_EMAIL)
    login(client, "de-at", A_EMAIL)
    assert 'href="/de-at/profile/data"' in client.get("/de-at/profile").get_data(as_text=True)


# --- the password again, and the limit ----------------------------------------------

def test_the_password_is_asked_again(app, client, outbox, db, clock):
    customer(client, outbox, "de-at", A_EMAIL)
    login(client, "de-at", A_EMAIL)
    clock.set_now(utcnow() + timedelta(minutes=16))
    for answer in (client.get("/de-at/profile/data"), download(client)):
        assert answer.status_code == 303 and answer.location.endswith("/de-at/profile/confirm-password")
    assert not SecurityEvent.select().where(SecurityEvent.kind == "data_exported").exists()
    back = client.post("/de-at/profile/confirm-password", data={"current_password": PASSWORD})
    assert back.status_code == 303 and back.location.endswith("/de-at/profile/data")
    assert download(client).headers["Content-Type"] == "application/zip"


def test_three_a_day(app, client, outbox, db, clock):
    customer(client, outbox, "de-at", A_EMAIL)
    login(client, "de-at", A_EMAIL)
    for _ in range(3):
        assert download(client).status_code == 200
    refused = download(client)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 3600
    assert heading(refused) == "Ihre Daten herunterladen"
    assert "3-mal am Tag" in refused.get_data(as_text=True)
    clock.set_now(utcnow() + timedelta(days=1, minutes=1))
    login(client, "de-at", A_EMAIL)         # the session has ended meanwhile
    assert download(client).status_code == 200


def test_signed_out_or_without_the_csrf_token(app, client, outbox, db):
    assert client.get("/de-at/profile/data").status_code == 303
    assert download(client).status_code == 303
    customer(client, outbox, "de-at", A_EMAIL)
    login(client, "de-at", A_EMAIL)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = download(client)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert refused.status_code in (400, 422) and refused.headers["Content-Type"].startswith("text/html")


# --- a large one, by email ----------------------------------------------------------

def queued_link(app, client, smtp_server):
    """Ask with the threshold at 0: the request is queued, the worker builds
    the file and mails the link over SMTP; the link's path."""
    controller, handler = smtp_server
    smtp_config(app, controller.port)
    app.config["DATA_EXPORT_QUEUE_ABOVE"] = 0
    queued = download(client)
    assert queued.status_code == 303 and queued.location.endswith("/de-at/profile/data/queued")
    page = client.get("/de-at/profile/data/queued")
    assert page.status_code == 200 and heading(page) == "Wir bereiten Ihre Datei vor"
    with app.app_context():
        worker.run_once()
    mail = handler.received[-1]
    assert mail["To"] == A_EMAIL
    text = mail.get_payload()[0].get_payload(decode=True).decode("utf-8")
    link = next(word for word in text.split() if "/profile/data/download/" in word)
    assert link.startswith(app.config["PUBLIC_URL"] + "/de-at/profile/data/download/")
    return link.removeprefix(app.config["PUBLIC_URL"])


def test_a_large_export_is_built_by_the_worker_and_mailed_as_a_link_that_works_once(
        app, client, outbox, db, smtp_server):
    a, a_marks, b_marks = two_customers(app, client, outbox)
    link = queued_link(app, client, smtp_server)
    row = DataExport.get(DataExport.customer == a.id)
    assert row.token_hash and link.rsplit("/", 1)[1] not in (row.token_hash, row.stored_name)
    assert os.path.isfile(stored(app, row))

    ready = client.get(open_link(client, link))
    assert ready.status_code == 200 and heading(ready) == "Ihre Daten sind bereit"
    got = client.post("/de-at/profile/data/download")
    assert got.status_code == 200 and got.headers["Cache-Control"] == "no-store"
    _summary, data, both = unzipped(got)
    assert data["profile"]["email"] == A_EMAIL
    assert all(mark not in both for mark in b_marks)
    assert not os.path.exists(stored(app, row))      # served once, then gone

    again = client.get(open_link(client, link))
    assert again.status_code == 409 and heading(again) == "Dieser Download-Link wurde bereits verwendet"
    assert client.post("/de-at/profile/data/download").status_code == 409
    assert SecurityEvent.get(SecurityEvent.kind == "data_exported").detail == "by email"


def test_another_customer_cannot_use_the_link(app, client, outbox, db, smtp_server):
    two_customers(app, client, outbox)
    link = queued_link(app, client, smtp_server)
    other = app.test_client()
    assert login(other, "de-at", B_EMAIL).status_code == 303
    page = other.get(open_link(other, link))
    assert page.status_code == 404 and heading(page) == "Dieser Download-Link ist ungültig"
    assert other.post("/de-at/profile/data/download").status_code == 404
    # Signed out, the page says to sign in first; the file stays for its owner.
    stranger = app.test_client()
    page = stranger.get(open_link(stranger, link))
    assert page.status_code == 200 and 'href="/de-at/login"' in page.get_data(as_text=True)
    assert client.get(open_link(client, link)).status_code == 200


def test_the_link_expires(app, client, outbox, db, clock, smtp_server, runner):
    customer(client, outbox, "de-at", A_EMAIL)
    login(client, "de-at", A_EMAIL)
    link = queued_link(app, client, smtp_server)
    clock.set_now(utcnow() + timedelta(hours=48, seconds=1))
    login(client, "de-at", A_EMAIL)
    page = client.get(open_link(client, link))
    assert page.status_code == 410 and heading(page) == "Dieser Download-Link ist abgelaufen"
    assert client.post("/de-at/profile/data/download").status_code == 410
    # The daily purge deletes it, file and row.
    path = stored(app, DataExport.get())
    assert os.path.isfile(path)
    assert runner.invoke(args=["accounts", "purge"]).exit_code == 0
    assert not os.path.exists(path) and not DataExport.select().exists()


def test_bad_tokens_answer_a_clear_page(app, client, outbox, db):
    customer(client, outbox, "de-at", A_EMAIL)
    login(client, "de-at", A_EMAIL)
    for token in ("x", "x" * 43, "%00", "a" * 500, "ü"):
        page = client.get(open_link(client, f"/de-at/profile/data/download/{token}"))
        assert page.status_code == 404 and heading(page) == "Dieser Download-Link ist ungültig"
    assert client.get("/de-at/profile/data/download").status_code == 404


def test_forget_customer_deletes_the_rows_and_files(app, client, outbox, db, smtp_server):
    customer(client, outbox, "de-at", A_EMAIL)
    login(client, "de-at", A_EMAIL)
    queued_link(app, client, smtp_server)
    row = DataExport.get()
    path = stored(app, row)
    assert os.path.isfile(path)
    with app.app_context():
        assert data_export.forget_customer(Customer.get_by_id(row.customer_id)) == 1
    assert not os.path.exists(path) and not DataExport.select().exists()


def test_an_export_that_cannot_be_built_waits_and_the_emails_still_go(app, client, outbox, db,
                                                                      clock, tmp_path):
    """A full disk or a folder that cannot be written: the request is
    answered, the worker's round goes on to the emails, and the export is
    built at a later round, once its claim has run out."""
    customer(client, outbox, "de-at", A_EMAIL)
    login(client, "de-at", A_EMAIL)
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    folder = app.config["EXPORTS_DIR"]
    app.config.update(DATA_EXPORT_QUEUE_ABOVE=0, EXPORTS_DIR=str(blocked / "exports"))
    assert download(client).status_code == 303
    assert DataExport.get().ready_at is None
    client.post("/de-at/profile/email", data={"email": "ana.new@example.com"})
    assert outbox.last("ana.new@example.com")            # the round's emails went
    app.config["EXPORTS_DIR"] = folder
    with app.app_context():
        worker.run_once()
        assert DataExport.get().ready_at is None            # still claimed
        clock.set_now(utcnow() + timedelta(seconds=data_export.CLAIM_SECONDS + 1))
        worker.run_once()
    assert DataExport.get().ready_at is not None
    assert "/de-at/profile/data/download/" in outbox.text(outbox.last(A_EMAIL))
