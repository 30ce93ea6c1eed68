"""Every upload goes through ClamAV's daemon before anything is stored
(domain.virus_scan): customers' attachments, agents' answers and documents,
the operator's document import. Against a real clamd (the `clamd` fixture,
with the EICAR signature of tests/clamav): malware is refused at the field
with the typed text kept, nothing stored and a security-log entry; clean
files pass. With clamd down, VIRUS_SCAN "required" (the default) refuses
with "try again later" and "off" takes the file unchecked."""
import html
import io
import os
import re
import socket
import threading

import pytest
from flask_babel import force_locale, gettext
from PIL import Image
from pypdf import PdfReader

from app import create_app
from domain import messages, virus_scan
from domain.clock import utcnow
from models import Attachment, Customer, Document, Message, SecurityEvent, Thread
from support.agreements import make_agreement
from support.apps import fresh_database_url
from support.customers import login, registered
from support.outboxes import Outbox
from support.reading import error_at, errors
from support.staff import staff_signed_in
from support.uploads import EICAR, files, jpeg, pdf, png
from views.shared.sites import current_locale

LANG = "de-at"
TYPED = "Guten Tag,\nanbei mein Kontoauszug."
TITLE = "Kontoauszug März 2024"
SIGNATURE = "Keyfob-Test.EICAR.UNOFFICIAL"     # tests/clamav/keyfob-test.ndb, as clamd names it

INFECTED = "Our virus check found harmful content in the file %(name)s. Nothing was sent. " \
           "Choose another file."
UNAVAILABLE = "We cannot check files for viruses right now, so nothing was sent. " \
              "Try again in a few minutes."
DOCUMENT_INFECTED = "Our virus check found harmful content in this file. Nothing was added. " \
                    "Choose another file."
DOCUMENT_UNAVAILABLE = "We cannot check files for viruses right now, so nothing was added. " \
                       "Try again in a few minutes."

CARRIERS = [("eicar.pdf", EICAR), ("Kontoauszug.pdf", pdf(EICAR)), ("Foto.png", png(EICAR)),
            ("Foto.jpg", jpeg(EICAR))]
CARRIER_IDS = ["raw", "in-pdf", "in-png", "in-jpeg"]


# --- helpers -------------------------------------------------------------------------------

@pytest.fixture
def scanning(custom_app, clamd):
    """An app that scans with the session's clamd."""
    return custom_app(VIRUS_SCAN="required", CLAMD_SOCKET=clamd)


@pytest.fixture
def dead_socket(tmp_path):
    """A unix socket nobody listens on any more: clamd stopped or crashed."""
    path = str(tmp_path / "clamd.ctl")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.bind(path)
    return path


def shown(client, message, **values):
    """`message` as the pages of `client` show it (customers: de_AT; staff:
    the back office's language for a browser that asks for none)."""
    with client.application.test_request_context(), force_locale(client.locale):
        return gettext(message, **values)


def customer_client(app):
    """A customer of Austria, signed in, with one agreement."""
    client = app.test_client()
    client.locale = "de_AT"
    outbox = Outbox(app.config["MAIL_OUTBOX_DIR"])
    email = "ana.silva@example.com"
    registered(client, outbox, lang=LANG, email=email)
    customer = Customer.get(Customer.email_key == email)
    agreement = make_agreement("at", customer=customer, linked_at=utcnow())
    login(client, lang=LANG, email=email)
    return client, customer, agreement


def agent_client(app):
    client = app.test_client()
    with app.test_request_context():
        client.locale = str(current_locale())
    return client, staff_signed_in(client, role="agent", name="Alex Agent")


def compose(client, agreement, attach=()):
    return client.post(f"/{LANG}/messages/new", data={
        "topic": "documents", "agreement": str(agreement.id), "body": TYPED,
        "attachments": files(*attach)}, content_type="multipart/form-data")


def upload_document(client, thread, agreement, name, content):
    return client.post(f"/staff/queue/{thread.id}/documents", data={
        "agreement": str(agreement.id), "kind": "statement", "title": TITLE,
        "issued_day": "31", "issued_month": "3", "issued_year": "2024",
        "document": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def open_thread(app, customer, agreement):
    with app.test_request_context():
        return messages.open_thread(customer, agreement, "payments", "Eine Frage.")


def textarea(response, field_id):
    match = re.search(rf'<textarea id="{field_id}"[^>]*>(.*?)</textarea>',
                      response.get_data(as_text=True), re.S)
    return html.unescape(match.group(1)) if match else None


def input_value(response, field_id):
    tag = re.search(rf'<input id="{field_id}"[^>]*>', response.get_data(as_text=True))
    assert tag, f"no input {field_id}"
    value = re.search(r' value="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else ""


def stored(app, setting):
    folder = app.config[setting]
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def infected_events():
    return list(SecurityEvent.select().where(SecurityEvent.kind == "upload_infected")
                .order_by(SecurityEvent.id))


# --- the samples and the client itself ------------------------------------------------------

def test_the_samples_are_real_files():
    """The carriers are what they claim, so the refusal is the scanner's."""
    for hidden in (b"", EICAR):
        reader = PdfReader(io.BytesIO(pdf(hidden)), strict=True)
        assert "Statement" in reader.pages[0].extract_text()
        for data in (png(hidden), jpeg(hidden)):
            Image.open(io.BytesIO(data)).load()
        assert (EICAR in pdf(hidden)) == bool(hidden)


@pytest.mark.parametrize("data", [content for _name, content in CARRIERS], ids=CARRIER_IDS)
def test_clamd_names_the_test_signature_wherever_it_is(clamd, data):
    assert virus_scan.instream(data, clamd, 5) == SIGNATURE


@pytest.mark.parametrize("data", [b"", b"Guten Tag", pdf(), png(), jpeg(), bytes(200_000)],
                         ids=["empty", "text", "pdf", "png", "jpeg", "200-kB"])
def test_clean_bytes_pass(clamd, data):
    assert virus_scan.instream(data, clamd, 5) is None


def test_no_verdict_is_unavailable(dead_socket, tmp_path):
    with pytest.raises(virus_scan.Unavailable):
        virus_scan.instream(EICAR, dead_socket, 2)
    with pytest.raises(virus_scan.Unavailable):
        virus_scan.instream(EICAR, str(tmp_path / "missing.sock"), 2)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(virus_scan.Unavailable):
        virus_scan.instream(EICAR, f"127.0.0.1:{port}", 2)


def test_a_daemon_that_never_answers_is_unavailable_after_the_timeout(tmp_path):
    """A hung clamd costs CLAMD_TIMEOUT, not a gunicorn worker."""
    path = str(tmp_path / "hung.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(path)
        server.listen(1)
        accepted = []
        thread = threading.Thread(target=lambda: accepted.append(server.accept()[0]), daemon=True)
        thread.start()
        with pytest.raises(virus_scan.Unavailable):
            virus_scan.instream(pdf(), path, 0.3)
        thread.join(2)
        for conn in accepted:
            conn.close()


def test_production_scans_by_default_and_a_mistyped_mode_stops_the_start(tmp_path):
    config = {"DATABASE_URL": fresh_database_url(tmp_path), "SECRET_KEY": "x"}
    app = create_app(config, instance_path=str(tmp_path / "instance"))
    assert app.config["VIRUS_SCAN"] == "required"
    assert app.config["CLAMD_SOCKET"] == "/var/run/clamav/clamd.ctl"
    with pytest.raises(ValueError, match="VIRUS_SCAN"):
        create_app(dict(config, VIRUS_SCAN=False), instance_path=str(tmp_path / "instance"))


# --- customers' attachments --------------------------------------------------------------

@pytest.mark.parametrize("name, content", CARRIERS, ids=CARRIER_IDS)
def test_a_customer_file_with_malware_is_refused_and_logged(scanning, name, content):
    client, customer, agreement = customer_client(scanning)
    response = compose(client, agreement, attach=[("Rechnung.pdf", pdf()), (name, content)])
    assert response.status_code == 422
    assert error_at(response, "attachments") == shown(client, INFECTED, name=name)
    assert errors(response) == [error_at(response, "attachments")]
    assert textarea(response, "body") == TYPED
    assert Thread.select().count() == 0 and Attachment.select().count() == 0
    assert stored(scanning, "ATTACHMENTS_DIR") == []
    (event,) = infected_events()
    assert (event.customer_id, event.staff_id) == (customer.id, None)
    # The signature and what the file was for: no name, no content.
    assert event.detail == f"message attachment: {SIGNATURE}"


def test_an_answer_in_a_thread_is_scanned_too(scanning):
    client, customer, agreement = customer_client(scanning)
    thread = open_thread(scanning, customer, agreement)
    response = client.post(f"/{LANG}/messages/{thread.id}/reply",
                           data={"body": TYPED, "attachments": files(("scan.jpg", jpeg(EICAR)))},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert error_at(response, "attachments") == shown(client, INFECTED, name="scan.jpg")
    assert textarea(response, "body") == TYPED
    assert Message.select().count() == 1 and stored(scanning, "ATTACHMENTS_DIR") == []
    assert [e.customer_id for e in infected_events()] == [customer.id]


def test_clean_files_pass_the_scan(scanning):
    client, _customer, agreement = customer_client(scanning)
    response = compose(client, agreement,
                       attach=[("a.pdf", pdf()), ("b.png", png()), ("c.jpg", jpeg())])
    assert response.status_code == 303, errors(response)
    assert Attachment.select().count() == 3 and len(stored(scanning, "ATTACHMENTS_DIR")) == 3
    assert infected_events() == []


def test_clamd_down_with_scanning_required_asks_to_try_again(custom_app, dead_socket):
    app = custom_app(VIRUS_SCAN="required", CLAMD_SOCKET=dead_socket)
    client, _customer, agreement = customer_client(app)
    response = compose(client, agreement, attach=[("Kontoauszug.pdf", pdf())])
    assert response.status_code == 503
    assert error_at(response, "attachments") == shown(client, UNAVAILABLE)
    assert textarea(response, "body") == TYPED
    assert Thread.select().count() == 0 and stored(app, "ATTACHMENTS_DIR") == []
    assert infected_events() == []


def test_clamd_down_with_scanning_off_takes_the_file(custom_app, dead_socket):
    """The operator's choice (development, `make run`): nothing is checked."""
    app = custom_app(VIRUS_SCAN="off", CLAMD_SOCKET=dead_socket)
    client, _customer, agreement = customer_client(app)
    response = compose(client, agreement, attach=[("Kontoauszug.pdf", pdf(EICAR))])
    assert response.status_code == 303
    assert Attachment.select().count() == 1 and len(stored(app, "ATTACHMENTS_DIR")) == 1


# --- staff uploads ---------------------------------------------------------------------------

def test_an_agents_answer_with_malware_is_refused_and_logged(scanning):
    _client, customer, agreement = customer_client(scanning)
    thread = open_thread(scanning, customer, agreement)
    agent, staff = agent_client(scanning)
    response = agent.post(f"/staff/queue/{thread.id}/reply",
                          data={"body": TYPED, "attachments": files(("x.png", png(EICAR)))},
                          content_type="multipart/form-data")
    assert response.status_code == 422
    assert error_at(response, "attachments") == shown(agent, INFECTED, name="x.png")
    assert textarea(response, "body") == TYPED
    assert Message.select().count() == 1 and stored(scanning, "ATTACHMENTS_DIR") == []
    (event,) = infected_events()
    assert (event.customer_id, event.staff_id, event.detail) == (
        None, staff.id, f"message attachment: {SIGNATURE}")


@pytest.mark.parametrize("name, content", CARRIERS, ids=CARRIER_IDS)
def test_an_agents_document_with_malware_is_refused_and_logged(scanning, name, content):
    _client, customer, agreement = customer_client(scanning)
    thread = open_thread(scanning, customer, agreement)
    agent, staff = agent_client(scanning)
    response = upload_document(agent, thread, agreement, name, content)
    assert response.status_code == 422
    assert error_at(response, "document") == shown(agent, DOCUMENT_INFECTED)
    assert input_value(response, "title") == TITLE
    assert input_value(response, "issued_day") == "31"
    assert Document.select().count() == 0 and stored(scanning, "DOCUMENTS_DIR") == []
    (event,) = infected_events()
    assert (event.customer_id, event.staff_id, event.detail) == (
        None, staff.id, f"document upload: {SIGNATURE}")


def test_a_clean_document_passes_the_scan(scanning):
    _client, customer, agreement = customer_client(scanning)
    thread = open_thread(scanning, customer, agreement)
    agent, _staff = agent_client(scanning)
    response = upload_document(agent, thread, agreement, "Kontoauszug.pdf", pdf())
    assert response.status_code == 303, errors(response)
    assert Document.select().count() == 1 and infected_events() == []


def test_a_document_while_clamd_is_down_asks_to_try_again(custom_app, dead_socket):
    app = custom_app(VIRUS_SCAN="required", CLAMD_SOCKET=dead_socket)
    _client, customer, agreement = customer_client(app)
    thread = open_thread(app, customer, agreement)
    agent, _staff = agent_client(app)
    response = upload_document(agent, thread, agreement, "Kontoauszug.pdf", pdf())
    assert response.status_code == 503
    assert error_at(response, "document") == shown(agent, DOCUMENT_UNAVAILABLE)
    assert input_value(response, "title") == TITLE
    assert Document.select().count() == 0 and stored(app, "DOCUMENTS_DIR") == []


def test_the_document_import_scans_each_file(scanning, tmp_path):
    agreement = make_agreement("at")
    folder = tmp_path / "import"
    folder.mkdir()
    (folder / "clean.pdf").write_bytes(pdf())
    (folder / "infected.pdf").write_bytes(pdf(EICAR))
    (folder / "documents.csv").write_text(
        "market,contract_number,kind,title,issued_on,file\n"
        f"at,{agreement.contract_number},statement,März,2024-03-31,clean.pdf\n"
        f"at,{agreement.contract_number},letter,Brief,2024-04-02,infected.pdf\n", encoding="utf-8")
    result = scanning.test_cli_runner().invoke(
        args=["documents", "import", str(folder / "documents.csv")])
    assert result.exit_code == 1
    assert f"documents.csv:3: file infected.pdf holds malware ({SIGNATURE})" in result.output
    assert [d.original_name for d in Document.select()] == ["clean.pdf"]
    assert [e.detail for e in infected_events()] == [f"document import: {SIGNATURE}"]
