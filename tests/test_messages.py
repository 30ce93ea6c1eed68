"""The customer's message center (views/messages.py, domain.messages,
domain.attachments): the inbox, a new message with files checked by their
content, a thread and its answer, reading as a POST, an agent's answer
that is told by email without its text, and nobody sees another's
thread or files."""
import html
import os
import re
import struct
import threading
import zlib
from datetime import datetime, timedelta
from html.parser import HTMLParser

import pytest
from flask_babel import force_locale, gettext, ngettext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain import messages, outbox as mail_outbox, service
from domain.db import database
from models import Attachment, Customer, Message, Staff, Thread
from support.agreements import make_agreement
from support.customers import customer, signed_in_with
from support.outboxes import Outbox
from support.queries import counted_queries
from support.reading import error_at, errors, heading, page_without_csrf, text_of
from support.uploads import PDF, files

LANG, LOCALE = "de-at", "de_AT"
INBOX = f"/{LANG}/messages"
NEW = f"/{LANG}/messages/new"

# Tiny real files, told apart by their content.
JPEG = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        b"\xff\xdb\x00\x43\x00" + bytes(64) + b"\xff\xd9")
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48) + b"PE\x00\x00"
POLYGLOT = b"%PDF-1.4\n<html><script>alert(document.cookie)</script></html>\n%%EOF\n"
SMALL_LIMIT = 100 * 1024        # shown as "100 kB"


def png():
    """A 1 x 1 PNG, chunk by chunk."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


# Messages with a plural: (singular, plural).
TOO_MANY_FILES = ("Choose at most %(num)s file.", "Choose at most %(num)s files.")
TOO_MANY_FILES_HINT = ("PDF, JPEG or PNG, at most %(size)s, at most %(num)s file.",
                       "PDF, JPEG or PNG, at most %(size)s each, at most %(num)s files.")


# --- helpers -------------------------------------------------------------------------------

def shown(client, message, **values):
    """`message` as the page shows it in LOCALE; a (singular, plural) pair
    takes its number from values["num"]."""
    with client.application.test_request_context(), force_locale(LOCALE):
        if isinstance(message, tuple):
            return ngettext(*message, values.pop("num"), **values)
        return gettext(message, **values)


def compose(client, about=None, attach=(), headers=None, **fields):
    """Post the new-message form; `about`: the agreement to choose."""
    data = {"topic": "payments", "body": "Wann wird die nächste Rate abgebucht?"}
    if about is not None:
        data["agreement"] = str(about.id)
    data.update(fields)
    data["attachments"] = files(*attach)
    return client.post(NEW, data=data, content_type="multipart/form-data", headers=headers or {})


def reply(client, thread, body="Danke, noch eine Frage.", attach=(), headers=None):
    return client.post(f"/{LANG}/messages/{thread.id}/reply",
                       data={"body": body, "attachments": files(*attach)},
                       content_type="multipart/form-data", headers=headers or {})


def thread_id_of(response):
    assert response.status_code == 303, response.status_code
    return int(re.fullmatch(rf"/{LANG}/messages/(\d+)/sent", response.location).group(1))


def field_value(response, field_id):
    page = response.get_data(as_text=True)
    match = re.search(rf'<textarea id="{field_id}"[^>]*>(.*?)</textarea>', page, re.S)
    return html.unescape(match.group(1)) if match else None


def checked(response, name):
    return re.findall(rf'name="{name}" value="([^"]*)" checked', response.get_data(as_text=True))


def stored_files(app):
    folder = app.config["ATTACHMENTS_DIR"]
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def make_staff():
    return Staff.create(email="agent@example.com", name="Alex Agent", role="agent",
                        password_hash="x")


def staff_answers(app, thread, text):
    """An agent's answer (the staff pages call the same function), and the
    outbox sent as after a request."""
    staff = Staff.get_or_none(Staff.email == "agent@example.com") or make_staff()
    with app.test_request_context():
        messages.staff_reply(staff, Thread.get_by_id(thread.id), text)
        mail_outbox.send_pending()




# --- the inbox and the form ----------------------------------------------------------------

def test_empty_inbox_leads_to_the_form(client, outbox, db):
    signed_in_with(client, outbox)
    page = client.get(INBOX)
    assert page.status_code == 200
    assert heading(page) == shown(client, "Messages")
    assert shown(client, "You have no messages yet. Write to customer care and their answer "
                              "will appear here.") in text_of(page)
    assert f'href="{NEW}"' in page.get_data(as_text=True)


def test_the_form_offers_topics_agreements_and_files(client, outbox, db):
    first, second = signed_in_with(client, outbox, count=2)
    page = client.get(NEW)
    source = page.get_data(as_text=True)
    assert re.findall(r'name="topic" value="([^"]+)"', source) == [
        "payments", "contract_end", "documents", "vehicle", "account", "other"]
    assert re.findall(r'name="agreement" value="([^"]+)"', source) == [
        str(first.id), str(second.id), "none"]
    assert checked(page, "agreement") == []        # two: the customer chooses
    assert 'enctype="multipart/form-data"' in source
    assert re.search(r'<input id="attachments" name="attachments" type="file" multiple '
                     r'accept="\.pdf,\.jpg,\.jpeg,\.png"', source)
    hint = shown(client, TOO_MANY_FILES_HINT, size="10 MB", num=3)
    assert hint in text_of(page)
    assert shown(client, "At most %(max)s characters.", max=2000) in text_of(page)


def test_one_agreement_is_chosen_already(client, outbox, db):
    (agreement,) = signed_in_with(client, outbox)
    assert checked(client.get(NEW), "agreement") == [str(agreement.id)]


def test_without_agreements_the_message_is_about_none(client, outbox, db):
    customer(client, outbox, LANG)
    client.post(f"/{LANG}/login", data={"email": "ana.silva@example.com",
                                        "password": "tulip river lantern 7"})
    page = client.get(NEW)
    assert 'name="agreement"' not in page.get_data(as_text=True)
    thread = Thread.get_by_id(thread_id_of(compose(client, topic="account")))
    assert thread.agreement is None and thread.topic == "account" and thread.kind == "message"
    inbox = client.get(INBOX)
    assert inbox.status_code == 200
    assert shown(client, "Your online account") in text_of(inbox)


def test_not_about_an_agreement_when_there_are_some(client, outbox, db):
    signed_in_with(client, outbox)
    thread = Thread.get_by_id(thread_id_of(compose(client, topic="other", agreement="none")))
    assert thread.agreement is None


def test_a_message_is_sent_and_shown(client, outbox, db):
    (agreement,) = signed_in_with(client, outbox)
    body = "Guten Tag,\nwann wird die nächste Rate abgebucht?\n\nDanke"
    sent = compose(client, agreement, topic="payments", body=body)
    thread = Thread.get_by_id(thread_id_of(sent))
    assert (thread.customer.email, thread.agreement_id, thread.topic, thread.kind, thread.status) == \
        ("ana.silva@example.com", agreement.id, "payments", "message", "open")
    assert thread.waiting_since is not None and not thread.customer_unread

    confirmation = client.get(sent.location)
    assert confirmation.status_code == 200
    assert heading(confirmation) == shown(client, "Your message is sent")
    assert f'href="/{LANG}/messages/{thread.id}"' in confirmation.get_data(as_text=True)

    page = client.get(f"/{LANG}/messages/{thread.id}")
    assert page.status_code == 200
    assert heading(page) == shown(client, "Payments")
    # Line breaks kept as typed; CSS shows them (white-space: pre-line).
    assert f'<p class="text">{html.escape(body)}</p>' in page.get_data(as_text=True)
    assert agreement.contract_number in text_of(page)
    assert shown(client, "You") in text_of(page)


def test_the_inbox_lists_threads_newest_first_twenty_a_page(client, outbox, db, clock,
                                                            tokens_a_second_apart):
    (agreement,) = signed_in_with(client, outbox)
    owner = Customer.get(Customer.email_key == "ana.silva@example.com")
    start = datetime(2026, 3, 1, 9, 0)
    for n in range(25):
        clock.set_now(start + timedelta(hours=n))
        messages.open_thread(owner, agreement if n % 2 else None, "documents",
                             f"Nachricht {n:02d} " + "lang " * 40)
    clock.set_now(start + timedelta(days=2))
    service.open_request(owner, agreement, "payment_date", "Bitte den Tag ändern.")
    clock.set_now(None)

    first = client.get(INBOX)
    source = first.get_data(as_text=True)
    links = re.findall(rf'<a href="/{LANG}/messages/(\d+)">', source)
    assert len(links) == 20
    ids = [int(i) for i in links]
    assert ids == sorted(ids, reverse=True)
    # The service request is newest and says what it asked for.
    assert shown(client, "Change of payment date") in text_of(first)
    # The start of the last message, about 80 characters, on one line.
    excerpt = re.search(r"Nachricht 24 [^<]*", html.unescape(source)).group(0)
    assert excerpt.endswith("…") and len(excerpt) <= 81
    assert agreement.contract_number in text_of(first)
    assert "?page=2" in source

    second = client.get(INBOX + "?page=2")
    assert len(re.findall(rf'<a href="/{LANG}/messages/\d+">', second.get_data(as_text=True))) == 6
    assert "Nachricht 00" in text_of(second)
    # A page out of range or not a number shows the nearest one.
    assert page_without_csrf(client.get(INBOX + "?page=99")) == \
        page_without_csrf(client.get(INBOX + "?page=2"))
    assert client.get(INBOX + "?page=x").status_code == 200


def test_the_dashboard_links_to_the_message_center(client, outbox, db):
    signed_in_with(client, outbox)
    page = client.get(f"/{LANG}/account").get_data(as_text=True)
    assert f'href="{NEW}"' in page and f'href="{INBOX}"' in page


def test_canada_asks_for_the_device_first(client, outbox, db):
    owner = customer(client, outbox, "en-ca")
    make_agreement("ca", customer=owner)
    client.post("/en-ca/login", data={"email": "ana.silva@example.com",
                                      "password": "tulip river lantern 7"})
    for url in ("/en-ca/messages", "/en-ca/messages/new", "/en-ca/messages/1"):
        response = client.get(url)
        assert response.status_code == 303 and response.location.endswith("/en-ca/device")


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    for url in (INBOX, NEW, f"{INBOX}/1", f"{INBOX}/1/sent", f"{INBOX}/1/attachments/1"):
        response = client.get(url)
        assert response.status_code == 303 and f"/{LANG}/login" in response.location


# --- what the form refuses, with the text kept ----------------------------------------------

TYPED = "Meine Frage zum Vertrag:\nbitte rufen Sie mich an."


@pytest.mark.parametrize("fields, field, message", [
    ({"body": ""}, "body", "Write your message."),
    ({"body": "   \n  "}, "body", "Write your message."),
    ({"body": "x" * 2001}, "body", "Write at most %(max)s characters."),
    ({"body": "Hallo\x00Welt"}, "body", "Remove the special characters from this field."),
    ({"body": "Hallo\u202eWelt"}, "body", "Remove the special characters from this field."),
    ({"topic": ""}, "topic", "Choose what your message is about."),
    ({"topic": "lottery"}, "topic", "Choose what your message is about."),
    ({"agreement": ""}, "agreement", "Choose the agreement your message is about."),
    ({"agreement": "999999"}, "agreement", "Choose the agreement your message is about."),
])
def test_compose_errors_keep_what_was_typed(client, outbox, db, fields, field, message):
    (agreement,) = signed_in_with(client, outbox)
    data = {"body": TYPED, "topic": "vehicle", "agreement": str(agreement.id)}
    data.update(fields)
    response = compose(client, **data)
    assert response.status_code == 422
    assert error_at(response, field) == shown(client, message, max=2000)
    assert len(errors(response)) == 1
    assert field_value(response, "body") == data["body"].strip()
    if field != "topic":
        assert checked(response, "topic") == ["vehicle"]
    if field != "agreement":
        assert checked(response, "agreement") == [str(agreement.id)]
    assert Thread.select().count() == 0


def test_a_body_of_exactly_the_limit_is_accepted_and_windows_line_ends_count_once(client, outbox, db):
    (agreement,) = signed_in_with(client, outbox)
    body = ("a" * 99 + "\r\n") * 20        # 2,000 characters once the line ends are \n
    thread_id_of(compose(client, agreement, body=body))
    assert Message.get().body == body.replace("\r\n", "\n").strip()


def test_someone_elses_agreement_is_refused_like_a_missing_one(app, client, outbox, db,
                                                               tokens_a_second_apart):
    (theirs,) = signed_in_with(app.test_client(), outbox, email="them@example.com")
    (mine,) = signed_in_with(client, outbox)
    response = compose(client, body=TYPED, topic="vehicle", agreement=str(theirs.id))
    assert response.status_code == 422
    missing = compose(client, body=TYPED, topic="vehicle", agreement="999999")
    assert page_without_csrf(response) == page_without_csrf(missing)
    assert field_value(response, "body") == TYPED
    assert Thread.select().count() == 0


@pytest.mark.parametrize("attach, status, message, values", [
    ([("a.pdf", PDF), ("b.pdf", PDF), ("c.pdf", PDF), ("d.pdf", PDF)], 422,
     TOO_MANY_FILES, {"num": 3}),
    ([("big.pdf", PDF + b"0" * SMALL_LIMIT)], 413,
     "The file %(name)s is larger than %(size)s. Choose a smaller file.",
     {"name": "big.pdf", "size": "100 kB"}),
    ([("invoice.pdf", EXECUTABLE)], 422,
     "The file %(name)s is not a PDF, JPEG or PNG file. Choose another file.",
     {"name": "invoice.pdf"}),
    ([("statement.pdf", POLYGLOT)], 422,
     "The file %(name)s is not a PDF, JPEG or PNG file. Choose another file.",
     {"name": "statement.pdf"}),
    ([("notes.txt", b"just text")], 422,
     "The file %(name)s is not a PDF, JPEG or PNG file. Choose another file.",
     {"name": "notes.txt"}),
    ([("empty.pdf", b"")], 422, "The file %(name)s is empty. Choose another file.",
     {"name": "empty.pdf"}),
], ids=["too-many", "too-large", "renamed-executable", "pdf-and-html", "text", "empty"])
def test_refused_files_keep_the_text_topic_and_agreement(custom_app, attach, status, message,
                                                         values):
    app = custom_app(ATTACHMENT_MAX_BYTES=SMALL_LIMIT)
    client = app.test_client()
    (agreement,) = signed_in_with(client, Outbox(app.config["MAIL_OUTBOX_DIR"]))
    response = compose(client, agreement, attach=attach, body=TYPED, topic="documents")
    assert response.status_code == status
    assert error_at(response, "attachments") == shown(client, message, **values)
    assert errors(response) == [error_at(response, "attachments")]
    assert field_value(response, "body") == TYPED
    assert checked(response, "topic") == ["documents"]
    assert checked(response, "agreement") == [str(agreement.id)]
    assert Thread.select().count() == 0 and stored_files(app) == []


def test_good_files_with_another_mistake_must_be_chosen_again(client, outbox, db):
    (agreement,) = signed_in_with(client, outbox)
    response = compose(client, agreement, attach=[("a.pdf", PDF)], body="")
    assert response.status_code == 422
    assert shown(client, "Add your files again before you send.") in text_of(response)


def test_with_htmx_an_error_comes_back_as_the_fragment(client, outbox, db):
    (agreement,) = signed_in_with(client, outbox)
    response = compose(client, agreement, body="", headers={"HX-Request": "true"})
    assert response.status_code == 422
    source = response.get_data(as_text=True)
    assert not source.startswith("<!doctype") and '<main id="main"' in source
    assert 'hx-swap-oob="true"' in source


# --- files that are accepted ------------------------------------------------------------------

def test_pdf_jpeg_and_png_are_stored_outside_static_under_random_names(app, client, outbox, db):
    (agreement,) = signed_in_with(client, outbox)
    image = png()
    sent = compose(client, agreement, attach=[("Kontoauszug März.pdf", PDF), ("foto.jpeg", JPEG),
                                              ("screenshot.PNG", image)])
    thread = Thread.get_by_id(thread_id_of(sent))
    rows = list(Attachment.select().order_by(Attachment.id))
    assert [(r.original_name, r.content_type, r.size) for r in rows] == [
        ("Kontoauszug-Marz.pdf", "application/pdf", len(PDF)),
        ("foto.jpg", "image/jpeg", len(JPEG)),
        ("screenshot.png", "image/png", len(image))]
    folder = os.path.realpath(app.config["ATTACHMENTS_DIR"])
    static = os.path.realpath(app.static_folder)
    assert not folder.startswith(static + os.sep)
    for row, content in zip(rows, (PDF, JPEG, image)):
        assert re.fullmatch(r"[0-9a-f]{32}\.(pdf|jpg|png)", row.stored_name)
        with open(os.path.join(folder, row.stored_name), "rb") as f:
            assert f.read() == content
    page = client.get(f"/{LANG}/messages/{thread.id}").get_data(as_text=True)
    for row in rows:
        assert f'href="/{LANG}/messages/{thread.id}/attachments/{row.id}"' in page
        assert row.original_name in page


def test_a_file_downloads_as_an_attachment_that_runs_nothing(client, outbox, db):
    (agreement,) = signed_in_with(client, outbox)
    thread = Thread.get_by_id(thread_id_of(compose(client, agreement, attach=[("brief.pdf", PDF)])))
    row = Attachment.get()
    response = client.get(f"/{LANG}/messages/{thread.id}/attachments/{row.id}")
    assert response.status_code == 200 and response.get_data() == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment; filename=brief.pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"


def test_a_path_in_the_file_name_goes_nowhere(app, client, outbox, db, tmp_path):
    (agreement,) = signed_in_with(client, outbox)
    thread = Thread.get_by_id(thread_id_of(
        compose(client, agreement, attach=[("../../etc/passwd.pdf", PDF)])))
    row = Attachment.get()
    assert row.original_name == "passwd.pdf"
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", row.stored_name)
    assert stored_files(app) == [row.stored_name]
    assert not (tmp_path / "etc").exists()
    page = client.get(f"/{LANG}/messages/{thread.id}")
    assert ">passwd.pdf</a>" in page.get_data(as_text=True)
    download = client.get(f"/{LANG}/messages/{thread.id}/attachments/{row.id}")
    assert download.headers["Content-Disposition"] == "attachment; filename=passwd.pdf"


def test_a_request_too_large_for_any_message_gets_the_413_page(custom_app):
    app = custom_app(ATTACHMENT_MAX_BYTES=2000)
    client = app.test_client()
    (agreement,) = signed_in_with(client, Outbox(app.config["MAIL_OUTBOX_DIR"]))
    # Three files of 2,000 bytes and 1 MB of text fit; this does not.
    response = compose(client, agreement, attach=[("huge.pdf", PDF + b"0" * (1024 * 1024 + 7000))])
    assert response.status_code == 413
    assert f'<html lang="de-AT">' in response.get_data(as_text=True)
    assert heading(response) == shown(client, "What you sent is too large")
    page = text_of(response)
    assert shown(client, "Go back with the Back button of your browser: what you typed is "
                              "still there. Then choose smaller files.") in page
    assert "2 kB" in page         # the limit of each file, 2,000 bytes
    assert Thread.select().count() == 0


def test_the_raised_limit_is_for_messages_only(app, client, outbox, db):
    """A file of 2 MB fits in a message (10 MB each), not in the sign-in form (1 MB)."""
    (agreement,) = signed_in_with(client, outbox)
    big = PDF + b"0" * (2 * 1024 * 1024)
    thread_id_of(compose(client, agreement, attach=[("gross.pdf", big)]))
    assert Attachment.get().size == len(big)
    login = app.test_client().post(f"/{LANG}/login", data={"email": "x" * (2 * 1024 * 1024)})
    assert login.status_code == 413


def test_the_limit_is_raised_before_the_csrf_check_reads_the_form(app, client, outbox, db):
    """CSRFProtect reads the form before any view: with the token checked,
    as in production, a message of 2 MB still goes through."""
    (agreement,) = signed_in_with(client, outbox)
    app.config["WTF_CSRF_ENABLED"] = True
    token = re.search(r'name="csrf_token" value="([^"]*)"',
                      client.get(NEW).get_data(as_text=True)).group(1)
    big = PDF + b"0" * (2 * 1024 * 1024)
    assert compose(client, agreement, attach=[("gross.pdf", big)]).status_code == 400
    thread_id_of(compose(client, agreement, attach=[("gross.pdf", big)], csrf_token=token))
    assert Attachment.get().size == len(big)


# --- the answer --------------------------------------------------------------------------------

def test_an_answer_is_added_and_the_thread_opens_again(client, outbox, db):
    (agreement,) = signed_in_with(client, outbox)
    thread = Thread.get_by_id(thread_id_of(compose(client, agreement)))
    Thread.update(status="closed", waiting_since=None).where(Thread.id == thread.id).execute()
    response = reply(client, thread, "Noch eine Frage:\nund die Rate?", attach=[("bild.png", png())])
    assert response.status_code == 303
    assert response.location == f"/{LANG}/messages/{thread.id}"
    thread = Thread.get_by_id(thread.id)
    assert thread.status == "open" and thread.waiting_since is not None
    last = Message.select().order_by(Message.id.desc()).get()
    assert last.body == "Noch eine Frage:\nund die Rate?" and last.author == "customer"
    assert Attachment.get().original_name == "bild.png"
    page = client.get(response.location)
    assert shown(client, "Your answer is sent.") in text_of(page)


@pytest.mark.parametrize("body, attach, status, field, message, values", [
    ("", (), 422, "body", "Write your message.", {}),
    ("x" * 2001, (), 422, "body", "Write at most %(max)s characters.", {"max": 2000}),
    ("a\x07b", (), 422, "body", "Remove the special characters from this field.", {}),
    (TYPED, [("a.pdf", PDF)] * 4, 422, "attachments", TOO_MANY_FILES, {"num": 3}),
    (TYPED, [("big.pdf", PDF + b"0" * SMALL_LIMIT)], 413, "attachments",
     "The file %(name)s is larger than %(size)s. Choose a smaller file.",
     {"name": "big.pdf", "size": "100 kB"}),
    (TYPED, [("x.pdf", EXECUTABLE)], 422, "attachments",
     "The file %(name)s is not a PDF, JPEG or PNG file. Choose another file.", {"name": "x.pdf"}),
    (TYPED, [("x.pdf", POLYGLOT)], 422, "attachments",
     "The file %(name)s is not a PDF, JPEG or PNG file. Choose another file.", {"name": "x.pdf"}),
    (TYPED, [("leer.png", b"")], 422, "attachments",
     "The file %(name)s is empty. Choose another file.", {"name": "leer.png"}),
], ids=["empty", "too-long", "control", "too-many", "too-large", "executable", "pdf-and-html",
        "empty-file"])
def test_answer_errors_keep_the_text(custom_app, body, attach, status, field, message, values):
    app = custom_app(ATTACHMENT_MAX_BYTES=SMALL_LIMIT)
    client = app.test_client()
    (agreement,) = signed_in_with(client, Outbox(app.config["MAIL_OUTBOX_DIR"]))
    thread = Thread.get_by_id(thread_id_of(compose(client, agreement)))
    for headers in ({}, {"HX-Request": "true"}):
        response = reply(client, thread, body, attach=attach, headers=headers)
        assert response.status_code == status
        assert error_at(response, field) == shown(client, message, **values)
        assert field_value(response, "body") == body
        # The conversation is still on the page, above the form.
        assert 'class="conversation"' in response.get_data(as_text=True)
    assert Message.select().count() == 1 and stored_files(app) == []


def test_the_answer_form_keeps_the_address_of_the_thread(client, outbox, db):
    """Its URL takes only POSTs: with htmx the address bar must not go there."""
    (agreement,) = signed_in_with(client, outbox)
    thread = Thread.get_by_id(thread_id_of(compose(client, agreement)))
    page = client.get(f"/{LANG}/messages/{thread.id}").get_data(as_text=True)
    form = re.search(rf'<form [^>]*action="/{LANG}/messages/{thread.id}/reply"[^>]*>', page).group(0)
    assert 'enctype="multipart/form-data"' in form and 'hx-push-url="false"' in form
    assert client.get(f"/{LANG}/messages/{thread.id}/reply").status_code == 405


# --- markup in messages stays text -------------------------------------------------------------

HOSTILE = "<script>alert(1)</script><b hx-get=/x>"


class Attributes(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.found.extend(attrs)


def attributes_and_tags(source):
    parser = Attributes()
    parser.feed(source)
    return parser.found, parser.tags


def test_markup_in_messages_is_shown_as_text(app, client, outbox, db):
    (agreement,) = signed_in_with(client, outbox)
    thread = Thread.get_by_id(thread_id_of(compose(client, agreement, body=HOSTILE)))
    staff_answers(app, thread, HOSTILE + "\n<img src=x onerror=alert(2)>")
    for url in (INBOX, f"{INBOX}/{thread.id}"):
        source = client.get(url).get_data(as_text=True)
        assert html.escape(HOSTILE, quote=False) in source
        attributes, tags = attributes_and_tags(source)
        assert ("hx-get", "/x") not in attributes and ("onerror", "alert(2)") not in attributes
        assert tags.count("script") == 2        # htmx and static/js/count.js, nothing else
        assert "b" not in tags and "img" not in tags


# --- an agent answers ----------------------------------------------------------------------------

def test_a_staff_answer_is_unread_told_by_email_without_its_text_and_read_when_opened(
        app, client, outbox, db):
    (agreement,) = signed_in_with(client, outbox)
    thread = Thread.get_by_id(thread_id_of(compose(client, agreement)))
    answer = "Ihre Rate wird am 15. abgebucht. Kontostand: 12.345,67 EUR"
    staff_answers(app, thread, answer)

    assert Thread.get_by_id(thread.id).customer_unread
    assert Thread.get_by_id(thread.id).waiting_since is None
    mail = outbox.last("ana.silva@example.com")
    assert outbox.link(mail, "/messages/") == f"/{LANG}/messages/{thread.id}"
    for part in (outbox.text(mail), outbox.html(mail)):
        assert "12.345,67" not in part and "abgebucht" not in part

    # The header of every page says so, in one COUNT of the threads.
    with counted_queries() as queries:
        home = client.get(f"/{LANG}/account")
    nav = re.search(r'<nav id="account-nav".*?</nav>', home.get_data(as_text=True), re.S).group(0)
    assert f'<a href="{INBOX}">' in nav and "(1)" in nav
    thread_queries = [q for q in queries if 'FROM "thread"' in q]
    assert len(thread_queries) == 1 and "COUNT" in thread_queries[0]

    inbox = client.get(INBOX)
    assert shown(client, "Unread") in text_of(inbox)

    # A browser fetching the page ahead of the customer is not them reading.
    for purpose in ({"Sec-Purpose": "prefetch"}, {"Purpose": "prefetch"},
                    {"Sec-Purpose": "prefetch;prerender"}):
        assert client.get(f"/{LANG}/messages/{thread.id}", headers=purpose).status_code == 200
        assert Thread.get_by_id(thread.id).customer_unread
    assert client.head(f"/{LANG}/messages/{thread.id}").status_code == 200
    assert Thread.get_by_id(thread.id).customer_unread

    # Opening it is reading it, with JavaScript or without (a plain GET):
    # the page says once that the answer is new, and the header's count goes.
    new_answer = shown(client, "There is a new answer in this conversation.")
    page = client.get(f"/{LANG}/messages/{thread.id}")
    assert answer in text_of(page) and shown(client, "Customer care") in text_of(page)
    assert new_answer in text_of(page) and "(1)" not in page.get_data(as_text=True)
    assert not Thread.get_by_id(thread.id).customer_unread
    again = client.get(f"/{LANG}/messages/{thread.id}")
    assert answer in text_of(again) and new_answer not in text_of(again)
    assert "(1)" not in client.get(f"/{LANG}/account").get_data(as_text=True)
    assert shown(client, "Unread") not in text_of(client.get(INBOX))


def test_a_thread_page_seen_before_the_answer_shows_it_read(app, client, outbox, db):
    """Opening a thread seen before an answer reads the answer and shows the
    page as read (no page seen before comes back: views.shared.cache keeps
    no signed-in page)."""
    (agreement,) = signed_in_with(client, outbox)
    thread = Thread.get_by_id(thread_id_of(compose(client, agreement)))
    url = f"/{LANG}/messages/{thread.id}"
    client.get(url)
    client.get(url)
    staff_answers(app, thread, "Erledigt.")
    page = client.get(url)
    assert "Erledigt." in text_of(page)
    assert shown(client, "There is a new answer in this conversation.") in text_of(page)
    assert not Thread.get_by_id(thread.id).customer_unread
    assert "(1)" not in page.get_data(as_text=True)


def test_opening_one_of_two_answered_threads_leaves_one_in_the_header(app, client, outbox, db):
    (agreement,) = signed_in_with(client, outbox)
    first, second = (Thread.get_by_id(thread_id_of(compose(client, agreement))) for _ in range(2))
    for thread in (first, second):
        staff_answers(app, thread, "Erledigt.")
    assert "(2)" in client.get(INBOX).get_data(as_text=True)
    assert "(1)" in client.get(f"/{LANG}/messages/{first.id}").get_data(as_text=True)
    assert "(1)" in client.get(f"/{LANG}/messages/{first.id}").get_data(as_text=True)
    page = client.get(f"/{LANG}/messages/{second.id}").get_data(as_text=True)
    assert "(1)" not in page and "(2)" not in page


def test_answering_marks_the_thread_read(app, client, outbox, db):
    (agreement,) = signed_in_with(client, outbox)
    thread = Thread.get_by_id(thread_id_of(compose(client, agreement)))
    staff_answers(app, thread, "Welche Rate meinen Sie?")
    reply(client, thread, "Die vom März.")
    assert not Thread.get_by_id(thread.id).customer_unread


# --- nobody sees another's thread ---------------------------------------------------------------

def test_every_url_of_another_customers_thread_is_the_404_of_a_missing_one(app, client, outbox, db,
                                                                           tokens_a_second_apart):
    (theirs,) = signed_in_with(client, outbox, email="them@example.com")
    their_thread = Thread.get_by_id(thread_id_of(compose(client, theirs, attach=[("a.pdf", PDF)])))
    their_file = Attachment.get()
    staff_answers(app, their_thread, "Antwort")

    other = app.test_client()
    (mine,) = signed_in_with(other, outbox, email="me@example.com")
    my_thread = Thread.get_by_id(thread_id_of(compose(other, mine, attach=[("b.pdf", PDF)])))
    my_file = Attachment.select().order_by(Attachment.id.desc()).get()

    def urls(thread_id, file_id, own_thread_id):
        return [("GET", f"{INBOX}/{thread_id}"),
                ("GET", f"{INBOX}/{thread_id}/sent"),
                ("GET", f"{INBOX}/{thread_id}/attachments/{file_id}"),
                ("GET", f"{INBOX}/{own_thread_id}/attachments/{file_id}"),
                ("POST", f"{INBOX}/{thread_id}/reply")]

    def ask(method, url, headers):
        if method == "GET":
            return other.get(url, headers=headers)
        return other.post(url, data={"body": "Hallo", "attachments": files(("c.pdf", PDF))},
                          content_type="multipart/form-data", headers=headers)

    theirs_urls = urls(their_thread.id, their_file.id, my_thread.id)
    missing_urls = urls(999999, 999999, my_thread.id)
    for headers in ({}, {"HX-Request": "true"}):
        for (method, url), (_, missing_url) in zip(theirs_urls, missing_urls):
            response, missing = ask(method, url, headers), ask(method, missing_url, headers)
            assert response.status_code == 404, (url, headers)
            assert page_without_csrf(response) == page_without_csrf(missing), url
    # Nothing of theirs changed: no answer, still unread, no file added.
    assert Message.select().where(Message.thread == their_thread.id).count() == 2
    assert Thread.get_by_id(their_thread.id).customer_unread
    assert Attachment.select().count() == 2
    # Their own files are theirs: each customer downloads only their own.
    assert other.get(f"{INBOX}/{my_thread.id}/attachments/{my_file.id}").status_code == 200
    assert client.get(f"{INBOX}/{their_thread.id}/attachments/{their_file.id}").status_code == 200


# --- any input --------------------------------------------------------------------------------

@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.dictionaries(st.sampled_from(["topic", "agreement", "body"]),
                              st.one_of(st.text(max_size=2100), st.sampled_from(
                                  ["", "none", "payments", "1", "-1", "\x00", "9" * 30])),
                              max_size=3),
       htmx=st.booleans())
def test_any_input_is_answered_without_a_server_error(app, client, outbox, db, fields, htmx):
    if not Customer.select().exists():
        signed_in_with(client, outbox)
    headers = {"HX-Request": "true"} if htmx else {}
    answer = client.post(NEW, data=fields, headers=headers)
    assert answer.status_code in (303, 422), answer.status_code
    thread = Thread.select().first()
    if thread is not None:
        answer = client.post(f"{INBOX}/{thread.id}/reply", data=fields, headers=headers)
        assert answer.status_code in (303, 422), answer.status_code


# --- how much a customer may send --------------------------------------------------------------

SENDING_LIMIT = ("You have sent us many messages in a short time. Wait %(num)s minute, then send "
                 "this one again.",
                 "You have sent us many messages in a short time. Wait %(num)s minutes, then send "
                 "this one again.")


def limited_customer(custom_app, count, seconds=3600):
    """A signed-in customer with one agreement, on an app that lets one
    customer send `count` messages in `seconds`; (app, client, agreement)."""
    app = custom_app(MESSAGES_PER_CUSTOMER=(count, seconds))
    client = app.test_client()
    (agreement,) = signed_in_with(client, Outbox(app.config["MAIL_OUTBOX_DIR"]))
    return app, client, agreement


def test_a_new_message_over_the_limit_gets_429_and_keeps_what_was_typed(custom_app, clock):
    clock.set_now(datetime(2026, 3, 2, 9, 0))
    app, client, agreement = limited_customer(custom_app, 2, seconds=20 * 60)
    for n in range(2):
        thread_id_of(compose(client, agreement, body=f"Frage {n}"))

    clock.set_now(datetime(2026, 3, 2, 9, 12))
    for headers in ({}, {"HX-Request": "true"}):
        response = compose(client, agreement, attach=[("a.pdf", PDF)], body=TYPED,
                           topic="documents", headers=headers)
        assert response.status_code == 429
        assert response.headers["Retry-After"] == str(8 * 60)
        assert error_at(response, "body") == shown(client, SENDING_LIMIT, num=8)
        assert errors(response) == [error_at(response, "body")]
        assert field_value(response, "body") == TYPED
        assert checked(response, "topic") == ["documents"]
        assert checked(response, "agreement") == [str(agreement.id)]
        # The file could not be kept: the page says to add it again.
        assert shown(client, "Add your files again before you send.") in text_of(response)
    assert response.get_data(as_text=True).lstrip().startswith("<title>")      # the fragment
    assert Thread.select().count() == 2 and Message.select().count() == 2
    assert stored_files(app) == []

    # A new window: the same message goes.
    clock.set_now(datetime(2026, 3, 2, 9, 20, 1))
    thread_id_of(compose(client, agreement, body=TYPED))
    assert Message.select().order_by(Message.id.desc()).get().body == TYPED


def test_answers_count_with_new_messages_toward_the_limit(custom_app, clock):
    clock.set_now(datetime(2026, 3, 2, 9, 0))
    app, client, agreement = limited_customer(custom_app, 3, seconds=600)
    thread = Thread.get_by_id(thread_id_of(compose(client, agreement)))
    for _ in range(2):
        assert reply(client, thread).status_code == 303

    clock.set_now(datetime(2026, 3, 2, 9, 9, 30))
    response = reply(client, thread, TYPED)
    assert response.status_code == 429 and response.headers["Retry-After"] == "30"
    assert error_at(response, "body") == shown(client, SENDING_LIMIT, num=1)
    assert field_value(response, "body") == TYPED
    assert 'class="conversation"' in response.get_data(as_text=True)
    assert Message.select().count() == 3
    # One customer's limit is theirs alone.
    other = app.test_client()
    (theirs,) = signed_in_with(other, Outbox(app.config["MAIL_OUTBOX_DIR"]),
                               email="ben.huber@example.com")
    thread_id_of(compose(other, theirs))


def test_a_service_request_counts_toward_the_limit_too(custom_app):
    app, client, agreement = limited_customer(custom_app, 1)
    thread_id_of(compose(client, agreement))
    url = f"/{LANG}/service-requests/payment_date/{agreement.id}"
    response = client.post(url, data={"day": "15", "note": TYPED})
    assert response.status_code == 429 and 3590 <= int(response.headers["Retry-After"]) <= 3600
    page = response.get_data(as_text=True)
    assert shown(client, SENDING_LIMIT, num=60) in html.unescape(page)
    assert 'class="error-summary"' in page
    assert field_value(response, "note") == TYPED and 'value="15"' in page
    assert Thread.select().count() == 1


def test_messages_sent_at_once_are_counted_exactly(custom_app):
    app, client, agreement = limited_customer(custom_app, 4)
    thread = Thread.get_by_id(thread_id_of(compose(client, agreement)))
    database.close()
    tries = 12
    barrier = threading.Barrier(tries)
    statuses = []

    def answer(n):
        try:
            barrier.wait(timeout=30)
            statuses.append(reply(client, thread, f"Antwort {n}").status_code)
        finally:
            database.close()

    threads = [threading.Thread(target=answer, args=(n,)) for n in range(tries)]
    for each in threads:
        each.start()
    for each in threads:
        each.join(timeout=60)
    assert sorted(statuses) == [303] * 3 + [429] * 9
    assert Message.select().count() == 4


# --- many at once -----------------------------------------------------------------------------------

WRITERS, PER_WRITER = 5, 40


def test_200_messages_written_at_the_same_time_are_all_stored(custom_app):
    # Each writer may send exactly as many as it writes.
    app = custom_app(MESSAGES_PER_CUSTOMER=(PER_WRITER, 3600))
    outbox = Outbox(app.config["MAIL_OUTBOX_DIR"])
    writers = []
    for n in range(WRITERS):
        client = app.test_client()
        (agreement,) = signed_in_with(client, outbox, email=f"writer{n}@example.com")
        writers.append((n, client, agreement))
    database.close()
    barrier = threading.Barrier(WRITERS)
    failures = []

    def write(n, client, agreement):
        try:
            barrier.wait(timeout=30)
            thread_id = None
            for i in range(PER_WRITER):
                body = f"writer {n} message {i}"
                if i % 4 == 0:
                    response = compose(client, agreement, body=body,
                                       attach=[("a.pdf", PDF)] if i % 8 == 0 else ())
                    thread_id = thread_id_of(response)
                else:
                    response = client.post(f"/{LANG}/messages/{thread_id}/reply",
                                           data={"body": body}, content_type="multipart/form-data")
                    assert response.status_code == 303, response.status_code
        except Exception as error:      # shown by the assertion below
            failures.append(error)
        finally:
            database.close()

    threads = [threading.Thread(target=write, args=writer) for writer in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    bodies = sorted(body for (body,) in Message.select(Message.body).tuples())
    assert len(bodies) == WRITERS * PER_WRITER == 200
    assert bodies == sorted(f"writer {n} message {i}" for n in range(WRITERS) for i in range(PER_WRITER))
    assert Thread.select().count() == WRITERS * PER_WRITER // 4
    assert Attachment.select().count() == WRITERS * PER_WRITER // 8
