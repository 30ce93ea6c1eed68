"""An agent adds a statement or letter to one of the customer's agreements
from the thread page (views/agents.py upload_document, domain.documents
add_upload): the customer sees it on the agreement's page as new and
downloads the same bytes. The file is told by its content, never a PDF
that is also HTML, at most DOCUMENT_MAX_BYTES; mistakes are shown at their
field with the typed values kept; another customer's agreement is a 404;
only agents and admins get in."""
import html
import io
import os
import re
from datetime import date, timedelta

import pytest

from domain import documents
from domain.clock import utcnow
from models import Document
from support.agreements import make_agreement
from support.customers import make_customer, signed_in_with
from support.reading import error_at, errors, page_without_csrf, shown, text_of, tr
from support.staff import QUEUE, staff_signed_in
from support.threads import make_thread
from support.uploads import EXECUTABLE, PDF

SMALL_LIMIT = 100 * 1024        # shown as "100 kB"
HTML_PAGE = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
POLYGLOT = PDF + b"<html><script>alert(1)</script></html>\n"
ISSUED = date(2024, 3, 31)




@pytest.fixture
def world(app, client, outbox):
    """A customer of Austria signed in on `client` with one agreement, a
    thread of theirs about it, and an agent signed in on their own client."""
    (agreement,) = signed_in_with(client, outbox, lang="de-at")
    thread = make_thread(app, agreement.customer, agreement, waited=timedelta(hours=1))
    agent = app.test_client()
    staff_signed_in(agent, role="agent", name="Alex Agent")
    return agent, thread, agreement


def fields(chosen, **changes):
    values = {"agreement": str(chosen.id), "kind": "statement",
              "title": "Kontoauszug März 2024", "issued_day": str(ISSUED.day),
              "issued_month": str(ISSUED.month), "issued_year": str(ISSUED.year),
              "document": ("Kontoauszug März.pdf", PDF)}
    values.update(changes)
    return values


def upload(client, thread, values, headers=None):
    data = dict(values)
    if data.get("document") is not None:
        name, content = data["document"]
        data["document"] = (io.BytesIO(content), name)
    else:
        data.pop("document", None)
    return client.post(f"{QUEUE}/{thread.id}/documents", data=data,
                       content_type="multipart/form-data", headers=headers or {})


def input_value(response, field_id):
    tag = re.search(rf'<input id="{field_id}"[^>]*>', response.get_data(as_text=True))
    assert tag, f"no input {field_id}"
    value = re.search(r' value="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else ""


# --- the good way ----------------------------------------------------------------------

def test_the_customer_sees_the_document_as_new_and_gets_the_same_bytes(app, client, world):
    agent, thread, agreement = world
    page = agent.get(f"{QUEUE}/{thread.id}").get_data(as_text=True)
    assert f'action="{QUEUE}/{thread.id}/documents"' in page
    assert 'enctype="multipart/form-data"' in page and 'accept=".pdf"' in page
    # The agreement of the conversation is chosen already.
    assert f'<option value="{agreement.id}" selected>' in page

    response = upload(agent, thread, fields(agreement))
    assert response.status_code == 303
    assert response.location == f"{QUEUE}/{thread.id}"
    assert shown(agent, "The document is added to the agreement. The customer sees it as new.") \
        in text_of(agent.get(response.location))

    row = Document.get()
    assert (row.agreement_id, row.kind, row.title, row.issued_on, row.size) == (
        agreement.id, "statement", "Kontoauszug März 2024", ISSUED, len(PDF))
    # Made safe, and unique per agreement by a random token.
    assert re.fullmatch(r"upload-[0-9a-f]{8}-Kontoauszug-Marz\.pdf", row.original_name)
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", row.stored_name)

    detail = client.get(f"/de-at/agreements/{agreement.id}")
    assert detail.status_code == 200
    text = text_of(detail)
    assert "Kontoauszug März 2024" in text and tr(client, "de_AT", "New") in text
    download = client.get(f"/de-at/agreements/{agreement.id}/documents/{row.id}")
    assert download.status_code == 200 and download.get_data() == PDF
    assert download.mimetype == "application/pdf"
    assert tr(client, "de_AT", "New") not in text_of(client.get(f"/de-at/agreements/{agreement.id}"))


def test_the_same_file_twice_makes_two_documents(app, client, world):
    agent, thread, agreement = world
    for kind in ("statement", "letter"):
        assert upload(agent, thread, fields(agreement, kind=kind)).status_code == 303
    rows = list(Document.select().order_by(Document.id))
    assert [row.kind for row in rows] == ["statement", "letter"]
    assert rows[0].original_name != rows[1].original_name
    assert rows[0].stored_name != rows[1].stored_name
    for row in rows:
        assert os.path.isfile(os.path.join(app.config["DOCUMENTS_DIR"], row.stored_name))


def test_an_admin_may_upload_too(app, client, world):
    _agent, thread, agreement = world
    admin = app.test_client()
    staff_signed_in(admin, role="admin", name="Ada Admin")
    assert upload(admin, thread, fields(agreement)).status_code == 303
    assert Document.select().count() == 1


def test_the_limit_defaults_to_the_imports(app):
    assert app.config["DOCUMENT_MAX_BYTES"] == documents.MAX_BYTES


# --- mistakes --------------------------------------------------------------------------

@pytest.mark.parametrize("changes, status, field, message, values", [
    ({"document": ("statement.pdf", EXECUTABLE)}, 422, "document",
     "The file is not a PDF. Choose a PDF file.", {}),
    ({"document": ("page.pdf", HTML_PAGE)}, 422, "document",
     "The file is not a PDF. Choose a PDF file.", {}),
    ({"document": ("both.pdf", POLYGLOT)}, 422, "document",
     "The file is not a PDF. Choose a PDF file.", {}),
    ({"document": ("big.pdf", PDF + b"0" * SMALL_LIMIT)}, 413, "document",
     "The file is larger than %(size)s. Choose a smaller file.", {"size": "100 kB"}),
    ({"document": ("empty.pdf", b"")}, 422, "document",
     "The file is empty. Choose another file.", {}),
    ({"document": None}, 422, "document", "Choose the PDF file.", {}),
    ({"title": "  "}, 422, "title", "Enter the title the customer sees.", {}),
    ({"title": "x" * 201}, 422, "title", "Write at most %(max)s characters.", {"max": 200}),
    ({"title": "a\x07b"}, 422, "title", "Remove the special characters from this field.", {}),
    ({"issued_day": "31", "issued_month": "2"}, 422, "issued_day",
     "Enter a real date, for example %(example)s.", {"example": None}),
    ({"issued_year": "24"}, 422, "issued_day",
     "Enter a real date, for example %(example)s.", {"example": None}),
    ({"issued_day": "", "issued_month": "", "issued_year": ""}, 422, "issued_day",
     "Enter the date the document was issued.", {}),
    ({"issued_year": str(utcnow().year + 2)}, 422, "issued_day",
     "The date cannot be in the future. Enter the date on the document.", {}),
    ({"kind": "invoice"}, 422, "kind", "Choose whether it is a statement or a letter.", {}),
    ({"agreement": ""}, 422, "agreement", "Choose the agreement the document belongs to.", {}),
], ids=["renamed-executable", "html-named-pdf", "pdf-with-html", "too-large", "empty-file",
        "no-file", "empty-title", "long-title", "control-title", "no-such-date", "short-year",
        "no-date", "future", "bad-kind", "no-agreement"])
def test_mistakes_are_shown_at_their_field(custom_app, outbox, changes, status, field, message,
                                           values):
    app = custom_app(DOCUMENT_MAX_BYTES=SMALL_LIMIT)
    customer_client = app.test_client()
    (agreement,) = signed_in_with(customer_client, outbox, lang="de-at")
    thread = make_thread(app, agreement.customer, agreement, waited=timedelta(hours=1))
    agent = app.test_client()
    staff_signed_in(agent, role="agent")
    typed = fields(agreement, **changes)
    for headers in ({}, {"HX-Request": "true"}):
        response = upload(agent, thread, typed, headers=headers)
        assert response.status_code == status
        if values.get("example") is None and "example" in values:
            values = dict(values, example=re.search(
                r'id="issued_day-hint">[^<]*?(\d+ \d+ \d{4})', response.get_data(as_text=True)).group(1))
        assert error_at(response, field) == shown(agent, message, **values)
        assert errors(response) == [error_at(response, field)]
        source = response.get_data(as_text=True)
        assert 'class="error-summary"' in source
        # What was typed is still there (the file cannot be).
        if field != "title":
            assert input_value(response, "title") == typed["title"]
        if field != "issued_day":
            assert [input_value(response, f"issued_{part}") for part in ("day", "month", "year")] \
                == [typed["issued_day"], typed["issued_month"], typed["issued_year"]]
        if field not in ("kind", "agreement"):
            assert f'id="kind-{typed["kind"]}" name="kind" value="{typed["kind"]}" checked' in source
            assert f'<option value="{agreement.id}" selected>' in source
    assert Document.select().count() == 0
    folder = app.config["DOCUMENTS_DIR"]
    assert not os.path.isdir(folder) or not os.listdir(folder)


def test_a_good_file_with_a_mistake_elsewhere_must_be_chosen_again(app, client, world):
    agent, thread, agreement = world
    response = upload(agent, thread, fields(agreement, title=""))
    assert response.status_code == 422
    assert shown(agent, "Choose the file again before you add it.") in text_of(response)


def test_a_body_beyond_the_limit_gets_the_413_page(custom_app, outbox):
    app = custom_app(DOCUMENT_MAX_BYTES=SMALL_LIMIT)
    customer_client = app.test_client()
    (agreement,) = signed_in_with(customer_client, outbox, lang="de-at")
    thread = make_thread(app, agreement.customer, agreement, waited=timedelta(hours=1))
    agent = app.test_client()
    staff_signed_in(agent, role="agent")
    response = upload(agent, thread, fields(agreement, document=("huge.pdf", PDF + b"0" * 2 * 1024 * 1024)))
    assert response.status_code == 413
    assert shown(agent, "A PDF file, at most %(size)s.", size="100 kB") in text_of(response)
    assert Document.select().count() == 0


def test_another_customers_agreement_is_a_404_like_a_missing_one(app, client, world, db,
                                                                 tokens_a_second_apart):
    agent, thread, agreement = world
    theirs = make_agreement("at", customer=make_customer(), linked_at=utcnow())
    foreign = upload(agent, thread, fields(agreement, agreement=str(theirs.id)))
    missing = upload(agent, thread, fields(agreement, agreement="999999"))
    assert foreign.status_code == missing.status_code == 404
    assert page_without_csrf(foreign) == page_without_csrf(missing)
    assert upload(agent, thread, fields(agreement, agreement="x")).status_code == 404
    assert Document.select().count() == 0


def test_a_missing_thread_is_a_404(app, client, world):
    agent, _thread, agreement = world
    response = agent.post(f"{QUEUE}/999999/documents", data=fields(agreement, document=None))
    assert response.status_code == 404


# --- who may -----------------------------------------------------------------------------

def test_only_agents_and_admins_may_upload(app, client, world):
    _agent, thread, agreement = world
    marketer = app.test_client()
    staff_signed_in(marketer, role="marketer")
    assert upload(marketer, thread, fields(agreement)).status_code == 403
    # The customer themself, and a visitor, are sent to the staff sign-in.
    for visitor in (client, app.test_client()):
        response = upload(visitor, thread, fields(agreement))
        assert response.status_code == 303 and response.location == "/staff/login"
    assert Document.select().count() == 0
