"""The dashboard, the agreement page with its payments and documents, and
service requests: what a signed-in customer sees of their own agreements,
and never of anyone else's."""
import html
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale, gettext

from domain.clock import utcnow
from models import Agreement, Document, Message, Payment, Thread
from support.agreements import make_agreement
from support.customers import authorize, customer, login, signed_in_with
from support.queries import counted_queries
from support.reading import errors, heading, ntr, page_without_csrf, text_of, tr
from support.uploads import PDF

# --- dashboard --------------------------------------------------------------------------

def test_dashboard_greets_and_shows_a_card_per_agreement(client, outbox, db):
    lease, loan = signed_in_with(client, outbox, count=2)
    Agreement.update(kind="lease", residual_value=Decimal("9000.00")).where(
        Agreement.id == lease.id).execute()
    response = client.get("/de-at/account")
    assert response.status_code == 200
    assert heading(response) == "Willkommen, Frau Silva"
    page = text_of(response)
    for agreement in (lease, loan):
        assert agreement.contract_number in page
        assert f'href="/de-at/agreements/{agreement.id}"' in response.get_data(as_text=True)
    assert "Leasing" in page and "Kredit" in page
    # The next payment: the monthly amount on the next due date.
    assert "412,35" in page
    assert 'href="/de-at/agreements/link"' in response.get_data(as_text=True)


def test_next_due_date_follows_the_start_date(client, outbox, db, clock):
    # Started 15 January 2024 for 48 months: due on the 15th, the last time
    # on 15 January 2028. Paid 1 September and 1 October (support.agreements):
    # the installment of 15 October, paid two weeks ahead, is the last one paid.
    (agreement,) = signed_in_with(client, outbox, lang="fr-fr")
    clock.set_now(datetime(2026, 11, 16, 12, 0))
    # Missed: the one of 15 November shows as due, not the next one.
    # The sentence after the amount (its spaces are the locale's).
    overdue = tr(client, "fr_FR", "Payment of %(amount)s due since %(date)s",
                 amount="\x00", date="15 novembre 2026").split("\x00")[1]
    page = text_of(client.get("/fr-fr/account"))
    assert overdue in page and "15 décembre 2026" not in page
    detail = text_of(client.get(f"/fr-fr/agreements/{agreement.id}"))
    assert "15 novembre 2026" in detail and tr(client, "fr_FR", "Not paid yet") in detail
    # Paid (a day late): the next one is the one to come.
    Payment.create(agreement=agreement, reference="P-late", paid_on=date(2026, 11, 16),
                   amount=Decimal("412.35"))
    page = text_of(client.get("/fr-fr/account"))
    assert "15 décembre 2026" in page and overdue not in page
    # Due today in Paris (23:30 UTC on the 14th is already the 15th there): due, not late.
    clock.set_now(datetime(2026, 12, 14, 23, 30))
    login(client, lang="fr-fr")
    page = text_of(client.get("/fr-fr/account"))
    assert "15 décembre 2026" in page and "depuis" not in page
    # The last installment paid, the day after it: nothing is due any more.
    Payment.create(agreement=agreement, reference="P-last", paid_on=date(2028, 1, 15),
                   amount=Decimal("412.35"))
    clock.set_now(datetime(2028, 1, 16, 12, 0))
    login(client, lang="fr-fr")
    with client.application.test_request_context(), force_locale("fr_FR"):
        over = gettext("No payment is due any more.")
    assert over in text_of(client.get("/fr-fr/account"))


def test_dashboard_without_an_agreement_leads_to_linking(client, outbox, db):
    customer(client, outbox, "fr-fr")
    login(client, lang="fr-fr")
    response = client.get("/fr-fr/account")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'class="cards"' not in body
    assert 'class="button" href="/fr-fr/agreements/link"' in body
    assert 'href="/fr-fr/service-requests"' not in body


# --- the agreement page -----------------------------------------------------------------

def test_agreement_page_shows_terms_vehicle_and_payments(client, outbox, db):
    (agreement,) = signed_in_with(client, outbox, lang="fr-fr", kind="lease",
                                  residual_value=Decimal("9800.00"))
    response = client.get(f"/fr-fr/agreements/{agreement.id}")
    assert response.status_code == 200
    page = text_of(response)
    months = ntr(client, "fr_FR", "%(num)s month", "%(num)s months", 48)
    for shown in (agreement.vin, agreement.contract_number, "412,35", "12 000,00", "9 800,00",
                  months, "4,99", "15 janvier 2028", "1 oct. 2026", "400,00"):
        assert shown.replace(" ", "") in page.replace(" ", "").replace("\u202f", ""), shown
    assert f'href="/fr-fr/agreements/{agreement.id}/payoff"' in response.get_data(as_text=True)


def test_payments_are_paged_newest_first(client, outbox, db):
    (agreement,) = signed_in_with(client, outbox)
    for n in range(23):      # 25 payments with the two of make_agreement
        Payment.create(agreement=agreement, reference=f"old-{n}", paid_on=date(2020, 1, 1) + timedelta(days=30 * n),
                       amount=Decimal("100.00") + n)
    first = client.get(f"/de-at/agreements/{agreement.id}").get_data(as_text=True)
    assert html.escape(tr(client, "de_AT", "Page %(page)s of %(pages)s", page=1, pages=3)) in first
    table = first.split('id="payments"')[1]
    assert table.index("412,35") < table.index("400,00")     # October's, then September's
    last = client.get(f"/de-at/agreements/{agreement.id}?page=3").get_data(as_text=True)
    assert html.escape(tr(client, "de_AT", "Page %(page)s of %(pages)s", page=3, pages=3)) in last
    assert "100,00" in last
    for odd in ("abc", "0", "-4", "999999999999999999999"):
        response = client.get(f"/de-at/agreements/{agreement.id}?page={odd}")
        assert response.status_code == 200, odd


def test_payments_fragment_for_htmx(client, outbox, db):
    (agreement,) = signed_in_with(client, outbox)
    response = client.get(f"/de-at/agreements/{agreement.id}?page=1", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert "<html" not in body and 'id="payments"' in body


# --- nobody sees another's agreement ------------------------------------------------------

def test_another_customers_agreement_and_document_are_404_like_missing_ones(app, client, outbox, db,
                                                                         tokens_a_second_apart):
    (theirs,) = signed_in_with(client, outbox, email="them@example.com")
    document = Document.create(agreement=theirs, kind="letter", title="Brief", issued_on=date(2026, 1, 1),
                               stored_name="x" * 32 + ".pdf", original_name="a.pdf", size=10)
    other = app.test_client()
    (mine,) = signed_in_with(other, outbox, email="me@example.com")
    missing = other.get("/de-at/agreements/999999")
    for url in (f"/de-at/agreements/{theirs.id}",
                f"/de-at/agreements/{theirs.id}/documents/{document.id}",
                f"/de-at/agreements/{mine.id}/documents/{document.id}",
                f"/de-at/service-requests/payment_date/{theirs.id}"):
        response = other.get(url)
        assert response.status_code == 404, url
        assert page_without_csrf(response) == page_without_csrf(missing), url
    assert Document.get_by_id(document.id).opened_at is None


def test_signed_out_visitors_are_sent_to_sign_in(client, outbox, db):
    (agreement,) = signed_in_with(client, outbox)
    client.post("/de-at/logout")
    response = client.get(f"/de-at/agreements/{agreement.id}")
    assert response.status_code == 303 and "/de-at/login" in response.location


def test_canada_shows_agreements_only_on_an_authorized_device(client, outbox, sms, db):
    owner = customer(client, outbox, "en-ca")
    agreement = make_agreement("ca", customer=owner, linked_at=utcnow())
    login(client, lang="en-ca")
    response = client.get(f"/en-ca/agreements/{agreement.id}")
    assert response.status_code == 303 and response.location.endswith("/en-ca/device")
    authorize(client, agreement, sms)
    assert client.get(f"/en-ca/agreements/{agreement.id}").status_code == 200


# --- documents ----------------------------------------------------------------------------

MAPPING_HEADER = "market,contract_number,kind,title,issued_on,file"


def mapping(tmp_path, *rows):
    path = tmp_path / "documents.csv"
    path.write_text("\n".join((MAPPING_HEADER,) + rows) + "\n", encoding="utf-8")
    return str(path)


def test_documents_import_checks_each_file_by_content(runner, db, tmp_path):
    agreement = make_agreement("at")
    (tmp_path / "statement.pdf").write_bytes(PDF)
    (tmp_path / "fake.pdf").write_bytes(b"MZ\x90\x00 an executable with a PDF name")
    (tmp_path / "page.pdf").write_bytes(b"<html><script>alert(1)</script></html>")
    (tmp_path / "outside.pdf").write_bytes(PDF)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "statement.pdf").write_bytes(PDF)
    csv_path = str(folder / "documents.csv")
    with open(csv_path, "w", encoding="utf-8") as f:
        f.write("\n".join((
            MAPPING_HEADER,
            f"at,{agreement.contract_number},statement,Kontoauszug 2026,2026-10-31,statement.pdf",
            f"at,{agreement.contract_number},letter,Brief,2026-10-31,../fake.pdf",
            f"at,{agreement.contract_number},letter,Brief,2026-10-31,missing.pdf",
            f"at,{agreement.contract_number},memo,Brief,2026-10-31,statement.pdf",
            f"at,{agreement.contract_number},letter,Brief,31.10.2026,statement.pdf",
            f"at,{agreement.contract_number},letter,Brief,2026-10-31,{tmp_path}/outside.pdf",
            "at,99999999,letter,Brief,2026-10-31,statement.pdf")) + "\n")
    result = runner.invoke(args=["documents", "import", csv_path])
    assert result.exit_code == 1
    assert "documents: 1 added, 0 there already; 6 bad rows" in result.output
    for line, problem in ((3, "file must be a path inside the CSV's folder"),
                          (4, "file missing.pdf does not exist"),
                          (5, "kind must be statement or letter"),
                          (6, "issued_on must be a date"),
                          (7, "file must be a path inside the CSV's folder"),
                          (8, "no agreement 99999999 in market at")):
        assert f"documents.csv:{line}: {problem}" in result.output
    (folder / "renamed.pdf").write_bytes(b"MZ\x90\x00 an executable with a PDF name")
    (folder / "page.pdf").write_bytes(b"<html><body>not a pdf</body></html>")
    refused = runner.invoke(args=["documents", "import", mapping(
        folder, f"at,{agreement.contract_number},letter,Brief,2026-10-31,renamed.pdf",
        f"at,{agreement.contract_number},letter,Brief,2026-10-31,page.pdf")])
    assert "file renamed.pdf is not a PDF" in refused.output
    assert "file page.pdf is not a PDF" in refused.output
    again = runner.invoke(args=["documents", "import", mapping(
        folder, f"at,{agreement.contract_number},statement,Kontoauszug 2026,2026-10-31,statement.pdf")])
    assert again.exit_code == 0
    assert "documents: 0 added, 1 there already; 0 bad rows" in again.output
    assert Document.select().count() == 1


def test_a_document_downloads_as_an_attachment_and_is_new_until_opened(app, client, runner, outbox, db,
                                                                       tmp_path):
    (agreement,) = signed_in_with(client, outbox)
    (tmp_path / "statement.pdf").write_bytes(PDF)
    runner.invoke(args=["documents", "import", mapping(
        tmp_path, f"at,{agreement.contract_number},statement,Kontoauszug Oktober,2026-10-31,statement.pdf")])
    document = Document.get()
    new = ntr(client, "de_AT", "%(num)s new document", "%(num)s new documents", 1)
    assert new in text_of(client.get("/de-at/account"))
    page = client.get(f"/de-at/agreements/{agreement.id}").get_data(as_text=True)
    assert "Kontoauszug Oktober" in page and tr(client, "de_AT", "New") in page

    response = client.get(f"/de-at/agreements/{agreement.id}/documents/{document.id}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename=Kontoauszug-Oktober-2026-10-31.pdf'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert Document.get_by_id(document.id).opened_at is not None
    assert new not in text_of(client.get("/de-at/account"))
    # The stored file has a random name, outside static/.
    assert document.stored_name != "statement.pdf"
    assert "static" not in app.config["DOCUMENTS_DIR"]


# --- service requests ---------------------------------------------------------------------

def test_service_request_for_a_new_payment_date(client, outbox, db):
    (agreement,) = signed_in_with(client, outbox)
    page = client.get("/de-at/service-requests")
    assert page.status_code == 200
    # One agreement: it is chosen already.
    assert f'value="{agreement.id}" checked' in page.get_data(as_text=True)
    response = client.post("/de-at/service-requests", data={"kind": "payment_date",
                                                           "agreement": str(agreement.id)})
    assert response.status_code == 303
    assert response.location.endswith(f"/de-at/service-requests/payment_date/{agreement.id}")
    done = client.post(response.location, data={"day": "15", "note": "Ab Dezember,\r\nbitte."})
    assert done.status_code == 303
    thread = Thread.get()
    assert (thread.kind, thread.topic, thread.agreement_id, thread.market, thread.status) == (
        "service", "payment_date", agreement.id, "at", "open")
    message = Message.get(Message.thread == thread)
    assert message.author == "customer"
    assert "15" in message.body and message.body.endswith("\n\nAb Dezember,\nbitte.")
    assert message.body != "Please change my payment date to day 15 of each month."
    sent = client.get(done.location)
    assert sent.status_code == 200 and str(thread.id) in text_of(sent)


def test_service_request_for_a_copy_of_a_document(client, outbox, db):
    (agreement,) = signed_in_with(client, outbox, lang="fr-fr")
    response = client.post(f"/fr-fr/service-requests/document_copy/{agreement.id}",
                           data={"document": "payment_schedule"})
    assert response.status_code == 303
    schedule = tr(client, "fr_FR", "Your payment schedule")
    assert Message.get().body == tr(client, "fr_FR", "Please send me a copy of this document: %(document)s.",
                                    document=schedule)
    assert schedule != "Your payment schedule"


@pytest.mark.parametrize("data, field, message", [
    ({}, "day", "Enter a day from 1 to 28."),
    ({"day": "29"}, "day", "Enter a day from 1 to 28."),
    ({"day": "0"}, "day", "Enter a day from 1 to 28."),
    ({"day": "1e1"}, "day", "Enter a day from 1 to 28."),
    ({"day": "15", "note": "x" * 1001}, "note", None),
    ({"day": "15", "note": "bad \x00 byte"}, "note", None),
])
def test_service_request_errors_keep_the_input(client, outbox, db, data, field, message):
    (agreement,) = signed_in_with(client, outbox)
    response = client.post(f"/de-at/service-requests/payment_date/{agreement.id}", data=data)
    assert response.status_code == 422
    shown = errors(response)
    assert len(shown) == 1
    if message:
        assert shown == [tr(client, "de_AT", message)] != [message]
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    if data.get("note"):
        assert html.escape(data["note"][:50]) in response.get_data(as_text=True)
    assert not Thread.select().exists()


def test_service_request_choice_errors_and_unknown_kinds(client, outbox, db):
    first, second = signed_in_with(client, outbox, lang="fr-fr", count=2)
    response = client.post("/fr-fr/service-requests", data={"kind": "nonsense", "agreement": "abc"})
    assert response.status_code == 422
    assert len(errors(response)) == 2
    # France does not offer balance confirmations online; unknown kinds are 404.
    for kind in ("balance_confirmation", "nonsense", "%00"):
        assert client.get(f"/fr-fr/service-requests/{kind}/{first.id}").status_code == 404
    assert client.get(f"/fr-fr/service-requests/payment_date/{second.id}").status_code == 200


def test_sent_page_of_another_customers_request_is_404(app, client, outbox, db):
    (agreement,) = signed_in_with(client, outbox, email="them@example.com")
    client.post(f"/de-at/service-requests/payment_date/{agreement.id}", data={"day": "3"})
    thread = Thread.get()
    other = app.test_client()
    signed_in_with(other, outbox, email="me@example.com")
    assert other.get(f"/de-at/service-requests/{thread.id}/sent").status_code == 404
    assert client.get(f"/de-at/service-requests/{thread.id}/sent").status_code == 200


# --- queries do not grow with the data ----------------------------------------------------

def queries_for(client, url):
    client.get(url)     # once to warm up (session touch, caches)
    with counted_queries() as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_dashboard_and_agreement_page_queries_do_not_grow_with_the_data(app, client, outbox, db,
                                                                        tmp_path):
    (few,) = signed_in_with(client, outbox, email="few@example.com")
    other = app.test_client()
    many = signed_in_with(other, outbox, email="many@example.com", count=6)
    for n in range(60):
        Payment.create(agreement=many[0], reference=f"n{n}", paid_on=date(2021, 1, 1) + timedelta(days=n),
                       amount=Decimal("1.00"))
        Document.create(agreement=many[n % 6], kind="statement", title=f"Statement {n}",
                        issued_on=date(2021, 1, 1), stored_name=f"{n:032d}.pdf",
                        original_name=f"{n}.pdf", size=100)
    assert queries_for(client, "/de-at/account") == queries_for(other, "/de-at/account")
    assert queries_for(client, f"/de-at/agreements/{few.id}") == \
        queries_for(other, f"/de-at/agreements/{many[0].id}")
