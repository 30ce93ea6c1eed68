"""One-time codes (domain.codes) and the SMS channel of the outbox: codes
kept only as an HMAC, in no log and no page, erased from the outbox once
sent; SMS written to files or posted to a provider (a real HTTP server on
loopback); the SMS country allow-list; send limits; three tries in all,
even for requests that arrive at the same moment."""
import glob
import json
import logging
import os
import html
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask_babel import force_locale, gettext

from domain import codes, outbox as app_outbox
from domain.clock import utcnow
from domain.db import database
from models import Agreement, Customer, OneTimeCode, OutboxMessage
from support.agreements import identity_form, make_agreement
from support.customers import activate, login, register, registered
from support.outboxes import Outbox, SmsOutbox

FR_PHONE = "+33612345642"
CANT_TEXT = "We cannot send a text message to this number. Call us and we will help you."


def in_french(client, message):
    with client.application.test_request_context(), force_locale("fr_FR"):
        return gettext(message)


def signed_in(client, outbox, lang="en-ca", email="ana.silva@example.com"):
    registered(client, outbox, lang=lang, email=email)
    assert login(client, lang=lang, email=email).status_code == 303
    return email


def start_contract(client, agreement, lang="fr-fr"):
    return client.post(f"/{lang}/agreements/link", data={"contract_number": agreement.contract_number})


def wrong(code):
    return f"{(int(code) + 1) % 10 ** 6:06d}"


def contains_code(text, code):
    """`code` as a number of its own in `text` (not inside a longer number)."""
    return re.search(rf"(?<!\d){code}(?!\d)", text) is not None


def code_in_outbox(channel="sms"):
    """The code of the newest message of `channel` not yet sent (its text is
    still in the outbox table)."""
    message = (OutboxMessage.select().where(OutboxMessage.channel == channel)
               .order_by(OutboxMessage.id.desc()).first())
    return re.search(r"\b(\d{6})\b", message.body_text).group(1)


# --- the code is secret -------------------------------------------------------------

def test_code_is_stored_only_as_an_hmac(client, outbox, sms, db):
    signed_in(client, outbox, lang="fr-fr")
    agreement = make_agreement("fr")
    start_contract(client, agreement)
    code = sms.last_code()
    row = OneTimeCode.get()
    assert re.fullmatch(r"[0-9a-f]{64}", row.code_hash)
    assert code not in row.code_hash
    assert (row.purpose, row.channel, row.destination) == ("link", "sms", FR_PHONE)
    assert row.agreement_id == agreement.id and row.attempts == 0


def code_flows(app, client, outbox, sms):
    """A link code (France) and a device code by email (Canada), each with a
    wrong try before the right one: (the pages served, the two codes)."""
    pages = []

    def keep(response):
        pages.append(response.get_data(as_text=True))
        return response

    signed_in(client, outbox, lang="fr-fr")
    agreement = make_agreement("fr")
    keep(client.get("/fr-fr/agreements/link"))
    keep(client.post("/fr-fr/agreements/link", data={"contract_number": agreement.contract_number},
                     follow_redirects=True))
    link_code = sms.last_code()
    keep(client.post("/fr-fr/agreements/link/code", data={"code": wrong(link_code)}))
    keep(client.post("/fr-fr/agreements/link/code", data={"code": link_code}, follow_redirects=True))
    assert Agreement.get_by_id(agreement.id).customer is not None

    canadian = app.test_client()
    signed_in(canadian, outbox, email="liam@example.com")
    ca_agreement = make_agreement("ca")
    keep(canadian.post("/en-ca/agreements/link", data=identity_form(ca_agreement), follow_redirects=True))
    keep(canadian.post("/en-ca/device", data={"destination": f"mail-{ca_agreement.id}"},
                       follow_redirects=True))
    device_code = re.search(r"\b(\d{6})\b",
                            outbox.text(outbox.last("helene.tremblay@example.com"))).group(1)
    keep(canadian.post("/en-ca/device/code", data={"code": wrong(device_code), "remember": "no"}))
    keep(canadian.post("/en-ca/device/code", data={"code": device_code, "remember": "no"},
                       follow_redirects=True))
    assert canadian.get("/en-ca/account").status_code == 200
    return pages, (link_code, device_code)


def test_code_is_in_no_page_served(app, client, outbox, sms, db):
    pages, sent_codes = code_flows(app, client, outbox, sms)
    assert len(pages) == 8 and all("<html" in page for page in pages)
    for code in sent_codes:
        for page in pages:
            assert not contains_code(page, code)


def test_code_is_in_no_log_record(app, client, outbox, sms, db, caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("keyfob.tests").debug("caplog captures DEBUG")
    _pages, sent_codes = code_flows(app, client, outbox, sms)
    assert "caplog captures DEBUG" in caplog.messages
    leaked = [f"{record.name}: {record.getMessage()[:120]}" for record in caplog.records
              if any(contains_code(record.getMessage(), code) for code in sent_codes)]
    # BUG: peewee logs every query with its parameters at DEBUG, and the
    # INSERT of the outbox message (SMS text, email text and HTML) carries
    # the code in clear.
    assert leaked == []


def test_code_text_is_erased_from_the_outbox_once_sent(custom_app):
    app = custom_app(OUTBOX_SEND_AFTER_REQUEST=False)
    client = app.test_client()
    signed_in_without_auto_send(app, client)
    agreement = make_agreement("fr")
    start_contract(client, agreement)
    message = OutboxMessage.get(OutboxMessage.channel == "sms")
    code = re.search(r"\b(\d{6})\b", message.body_text).group(1)
    assert message.sensitive and message.sent_at is None
    with app.app_context():
        assert app_outbox.send_pending() == (1, 0)
    message = OutboxMessage.get_by_id(message.id)
    assert message.sent_at is not None
    assert message.body_text == "" and message.body_html == ""
    # The text went out all the same.
    [(number, text)] = SmsOutbox(app.config["SMS_OUTBOX_DIR"]).messages()
    assert number == FR_PHONE and contains_code(text, code)


def signed_in_without_auto_send(app, client, lang="fr-fr", email="ana.silva@example.com"):
    """Register, activate and sign in while the outbox is only sent by hand."""
    register(client, lang=lang, email=email)
    with app.app_context():
        app_outbox.send_pending()
    assert activate(client, Outbox(app.config["MAIL_OUTBOX_DIR"]), email).status_code == 200
    assert login(client, lang=lang, email=email).status_code == 303


def test_device_code_e_mail_is_erased_once_sent(app, client, outbox, db):
    signed_in(client, outbox)
    agreement = make_agreement("ca")
    client.post("/en-ca/agreements/link", data=identity_form(agreement))
    client.post("/en-ca/device", data={"destination": f"mail-{agreement.id}"})
    mail = outbox.last("helene.tremblay@example.com")
    assert "security code" in mail["Subject"]
    assert re.search(r"\b\d{6}\b", outbox.text(mail))
    message = OutboxMessage.get(OutboxMessage.recipient == "helene.tremblay@example.com")
    assert message.sensitive and message.sent_at is not None
    assert message.body_text == "" and message.body_html == ""


# --- the SMS channel ------------------------------------------------------------------

def test_sms_file_has_the_number_on_the_first_line_then_the_text(client, outbox, sms, db):
    signed_in(client, outbox, lang="fr-fr")
    start_contract(client, make_agreement("fr"))
    [path] = glob.glob(os.path.join(sms.directory, "*.txt"))
    with open(path, encoding="utf-8") as f:
        first_line, text = f.read().split("\n", 1)
    assert first_line == FR_PHONE
    assert re.fullmatch(r"\+[1-9][0-9]{6,14}", first_line)       # E.164
    assert re.search(r"(?<!\d)\d{6}(?!\d)", text)
    assert "BMW Financial Services" in text
    assert not glob.glob(os.path.join(sms.directory, "*.part"))


class SmsProvider:
    """A real HTTP server on loopback that answers every POST with `status`
    and keeps what it received."""

    def __init__(self, status):
        self.status = status
        self.requests = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                provider.requests.append((self.path, dict(self.headers), body))
                self.send_response(provider.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def http_sms_app(custom_app, provider):
    return custom_app(SMS_BACKEND="http", SMS_HTTP_URL=provider.url, SMS_HTTP_TOKEN="provider-token-1")


def test_http_sms_provider_gets_json_with_the_bearer_token(custom_app):
    with SmsProvider(200) as provider:
        app = http_sms_app(custom_app, provider)
        client = app.test_client()
        signed_in(client, Outbox(app.config["MAIL_OUTBOX_DIR"]), lang="fr-fr")
        response = start_contract(client, make_agreement("fr"))
        assert response.status_code == 303
    [(path, headers, body)] = provider.requests
    assert path == "/v1/sms"
    assert headers["Authorization"] == "Bearer provider-token-1"
    assert headers["Content-Type"] == "application/json"
    payload = json.loads(body)
    assert set(payload) == {"to", "text"}
    assert payload["to"] == FR_PHONE
    code = re.search(r"\b(\d{6})\b", payload["text"]).group(1)
    message = OutboxMessage.get(OutboxMessage.channel == "sms")
    assert message.sent_at is not None and message.attempts == 1
    assert message.body_text == "" and code not in message.body_text
    # Nothing was written to files instead.
    assert SmsOutbox(app.config["SMS_OUTBOX_DIR"]).messages() == []


def test_http_sms_provider_failure_keeps_the_message_queued(custom_app):
    with SmsProvider(500) as provider:
        app = http_sms_app(custom_app, provider)
        client = app.test_client()
        signed_in(client, Outbox(app.config["MAIL_OUTBOX_DIR"]), lang="fr-fr")
        before = utcnow()
        response = start_contract(client, make_agreement("fr"))
        assert response.status_code == 303          # the customer is asked for the code all the same
        assert len(provider.requests) == 1
        message = OutboxMessage.get(OutboxMessage.channel == "sms")
        assert message.sent_at is None and message.attempts == 1
        assert message.next_attempt_at >= before + timedelta(seconds=59)
        assert "500" in message.last_error
        assert re.search(r"\b\d{6}\b", message.body_text)      # kept to try again
        # Not due yet: the next round leaves it alone.
        with app.app_context():
            assert app_outbox.send_pending() == (0, 0)
        assert len(provider.requests) == 1


# --- where an SMS may go ---------------------------------------------------------------

def test_canadian_agreement_with_a_french_phone_gets_no_sms_option(client, outbox, sms, db):
    signed_in(client, outbox)
    agreement = make_agreement("ca", phone=FR_PHONE)
    response = client.post("/en-ca/agreements/link", data=identity_form(agreement))
    assert response.location.endswith("/en-ca/device")
    page = client.get("/en-ca/device")
    html = page.get_data(as_text=True)
    assert f'value="mail-{agreement.id}"' in html
    assert f'value="sms-{agreement.id}"' not in html
    assert "Text message to" not in html
    # Posting the option anyway sends nothing.
    refused = client.post("/en-ca/device", data={"destination": f"sms-{agreement.id}"})
    assert refused.status_code == 422
    assert sms.messages() == []
    assert not OneTimeCode.select().exists()


def test_contract_with_a_phone_outside_the_market_gets_no_code(client, outbox, sms, db):
    signed_in(client, outbox, lang="fr-fr")
    agreement = make_agreement("fr", phone="+447700900123")
    response = start_contract(client, agreement)
    assert response.status_code == 422
    assert html.escape(in_french(client, CANT_TEXT)) in response.get_data(as_text=True)
    assert sms.messages() == []
    assert not OneTimeCode.select().exists()
    assert not OutboxMessage.select().where(OutboxMessage.channel == "sms").exists()


def test_valid_british_mobile_is_refused_in_france_too(client, outbox, sms, db):
    signed_in(client, outbox, lang="fr-fr")
    response = start_contract(client, make_agreement("fr", phone="+447911123456"))
    assert response.status_code == 422
    assert html.escape(in_french(client, CANT_TEXT)) in response.get_data(as_text=True)
    assert sms.messages() == []


# --- send limits -----------------------------------------------------------------------

def test_sends_per_agreement_are_limited(custom_app, clock):
    app = custom_app(CODE_SENDS_PER_AGREEMENT=(1, 86400))
    client = app.test_client()
    sms = SmsOutbox(app.config["SMS_OUTBOX_DIR"])
    start = utcnow().replace(microsecond=0)
    clock.set_now(start)
    signed_in(client, Outbox(app.config["MAIL_OUTBOX_DIR"]), lang="fr-fr")
    agreement = make_agreement("fr")
    assert start_contract(client, agreement).status_code == 303
    clock.set_now(start + timedelta(seconds=61))      # past the cooldown
    resend = client.post("/fr-fr/agreements/link/code/resend")
    assert resend.status_code == 429
    assert 0 < int(resend.headers["Retry-After"]) <= 86400
    again = start_contract(client, agreement)
    assert again.status_code == 429
    assert len(sms.messages()) == 1


def test_sends_per_account_are_limited(custom_app):
    app = custom_app(CODE_SENDS_PER_ACCOUNT=(1, 86400))
    client = app.test_client()
    sms = SmsOutbox(app.config["SMS_OUTBOX_DIR"])
    signed_in(client, Outbox(app.config["MAIL_OUTBOX_DIR"]), lang="fr-fr")
    assert start_contract(client, make_agreement("fr")).status_code == 303
    second = start_contract(client, make_agreement("fr", phone="+33612345699"))
    assert second.status_code == 429
    assert 0 < int(second.headers["Retry-After"]) <= 86400
    assert [number for number, _text in sms.messages()] == [FR_PHONE]


def test_sends_per_client_address_are_limited(custom_app):
    app = custom_app(CODE_SENDS_PER_CLIENT=(1, 3600))
    outbox = Outbox(app.config["MAIL_OUTBOX_DIR"])
    sms = SmsOutbox(app.config["SMS_OUTBOX_DIR"])
    first = app.test_client()
    first.environ_base["REMOTE_ADDR"] = "192.0.2.1"
    other_address = app.test_client()
    other_address.environ_base["REMOTE_ADDR"] = "192.0.2.2"
    same_address = app.test_client()
    same_address.environ_base["REMOTE_ADDR"] = "192.0.2.1"
    for n, client in enumerate((first, other_address, same_address)):
        signed_in(client, outbox, lang="fr-fr", email=f"customer{n}@example.com")
    assert start_contract(first, make_agreement("fr")).status_code == 303
    assert start_contract(other_address, make_agreement("fr")).status_code == 303
    assert start_contract(same_address, make_agreement("fr")).status_code == 429
    assert len(sms.messages()) == 2


def test_sends_per_day_for_the_whole_site_are_limited(custom_app):
    app = custom_app(CODE_SENDS_PER_DAY=(1, 86400))
    outbox = Outbox(app.config["MAIL_OUTBOX_DIR"])
    sms = SmsOutbox(app.config["SMS_OUTBOX_DIR"])
    first, second = app.test_client(), app.test_client()
    first.environ_base["REMOTE_ADDR"] = "192.0.2.1"
    second.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    signed_in(first, outbox, lang="fr-fr", email="first@example.com")
    signed_in(second, outbox, lang="fr-fr", email="second@example.com")
    assert start_contract(first, make_agreement("fr")).status_code == 303
    refused = start_contract(second, make_agreement("fr"))
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 86400
    assert len(sms.messages()) == 1


# --- three tries in all, also in parallel -----------------------------------------------------

def device_code_row(app, client, outbox):
    """A device code sent by SMS to a Canadian customer: (row, code)."""
    registered(client, outbox)
    customer = Customer.get()
    with app.test_request_context():
        row = codes.send("device", customer, "sms", "+16135550142", "en_CA", "127.0.0.1")
        code = code_in_outbox()
    return row, code


def in_parallel(app, count, work):
    """`work()` in `count` threads released at the same moment; its results."""
    barrier = threading.Barrier(count)
    results, failures = [], []

    def run():
        try:
            barrier.wait(timeout=30)
            with app.app_context():
                results.append(work())
        except Exception as error:     # shown by the assertion below
            failures.append(error)
        finally:
            database.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert len(results) == count
    return results


def test_parallel_wrong_codes_count_three_tries_in_all(app, client, outbox, db):
    row, code = device_code_row(app, client, outbox)
    database.close()
    results = in_parallel(app, 20, lambda: codes.check(row, wrong(code)))
    verdicts = [verdict for verdict, _left in results]
    assert codes.Check.OK not in verdicts
    assert set(verdicts) <= {codes.Check.WRONG, codes.Check.EXHAUSTED}
    assert verdicts.count(codes.Check.WRONG) <= 2
    assert OneTimeCode.get_by_id(row.id).attempts == 3
    # Even the right code is refused now.
    with app.app_context():
        assert codes.check(OneTimeCode.get_by_id(row.id), code) == (codes.Check.EXHAUSTED, 0)


def test_parallel_right_codes_win_once(app, client, outbox, db):
    row, code = device_code_row(app, client, outbox)
    database.close()
    results = in_parallel(app, 10, lambda: codes.check(row, code))
    verdicts = [verdict for verdict, _left in results]
    assert verdicts.count(codes.Check.OK) == 1
    assert set(verdicts) == {codes.Check.OK, codes.Check.GONE}
    assert OneTimeCode.get_by_id(row.id).used_at is not None


def test_a_new_code_keeps_the_count_of_tries(app, client, outbox, db, clock):
    start = utcnow().replace(microsecond=0)
    clock.set_now(start)
    row, code = device_code_row(app, client, outbox)
    with app.test_request_context():
        assert codes.check(row, wrong(code))[0] is codes.Check.WRONG
        assert codes.check(row, wrong(code))[0] is codes.Check.WRONG
        clock.set_now(start + timedelta(seconds=61))
        row = codes.resend(row, "en_CA", "127.0.0.1")
        new_code = code_in_outbox()
        assert row.attempts == 2 and row.sends == 2
        assert codes.tries_left(row) == 1
        verdict, left = codes.check(row, new_code)
    assert (verdict, left) == (codes.Check.OK, 1)
