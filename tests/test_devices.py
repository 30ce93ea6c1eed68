"""Device authorization (domain.devices, views/device.py): in Canada a
browser shows agreement data only after a code sent by text or email to a
destination on file, or with a remembered-device cookie, which spares the
code but never the password. Devices can be listed and revoked; a password
reset revokes them all. France asks for no device step."""
import hashlib
import re
from datetime import timedelta

from domain.clock import utcnow
from domain.db import database
from models import Customer, OneTimeCode, RememberedDevice, SecurityEvent
from support.agreements import identity_form, make_agreement
from support.customers import CA_PHONE, authorize, login, open_link, registered
from support.parallel import same_session_in_parallel
from support.reading import errors, heading

COOKIE = "keyfob_device"
ON_FILE_EMAIL = "helene.tremblay@example.com"
FIREFOX_ON_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0"


# --- helpers -----------------------------------------------------------------------

def customer_with_agreement(client, outbox, lang="en-ca", email="ana.silva@example.com", **agreement):
    """An active account with an agreement linked to it (not signed in)."""
    registered(client, outbox, lang=lang, email=email)
    customer = Customer.get(Customer.email_key == email)
    market = "fr" if lang == "fr-fr" else "ca"
    return make_agreement(market, customer=customer, linked_at=utcnow(), **agreement)


def sms_code(sms):
    return sms.last_code(CA_PHONE)


def mail_code(outbox):
    return re.search(r"\b(\d{6})\b", outbox.text(outbox.last(ON_FILE_EMAIL))).group(1)


def wrong(code):
    return f"{(int(code) + 1) % 10 ** 6:06d}"


def device_cookie_header(response):
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{COOKIE}=")]
    return headers[0] if headers else None


def sign_out(client):
    assert client.post("/en-ca/logout").status_code == 303


# --- asking for the code --------------------------------------------------------------

def test_login_with_a_linked_agreement_asks_for_a_code(client, outbox, db):
    agreement = customer_with_agreement(client, outbox)
    response = login(client)
    assert response.status_code == 303
    assert response.location.endswith("/en-ca/device")
    assert client.get("/en-ca/account").location.endswith("/en-ca/device")
    assert client.get("/en-ca/account/devices").location.endswith("/en-ca/device")
    page = client.get("/en-ca/device")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Text message to (•••) •••-••42" in html
    assert "Email to he•••@example.com" in html
    assert f'value="sms-{agreement.id}"' in html and f'value="mail-{agreement.id}"' in html
    assert "(613) 555-0142" not in html and "6135550142" not in html and ON_FILE_EMAIL not in html


def test_login_without_an_agreement_goes_to_the_account(client, outbox, db):
    registered(client, outbox)
    assert login(client).location.endswith("/en-ca/account")
    assert client.get("/en-ca/account").status_code == 200


def test_code_by_sms_then_account_without_remembering(client, outbox, sms, db):
    agreement = customer_with_agreement(client, outbox)
    login(client)
    chosen = client.post("/en-ca/device", data={"destination": f"sms-{agreement.id}"})
    assert chosen.status_code == 303 and chosen.location.endswith("/en-ca/device/code")
    [(number, text)] = sms.messages()
    assert number == CA_PHONE
    code = sms_code(sms)
    page = client.get("/en-ca/device/code").get_data(as_text=True)
    assert "(•••) •••-••42" in page and code not in page
    # The button says what it does (seed 003), and the time is counted.
    assert "<button>Authorize this device</button>" in page
    assert "The code works for 10 minutes." in page

    response = client.post("/en-ca/device/code", data={"code": code, "remember": "no"})
    assert response.status_code == 303
    assert response.location.endswith("/en-ca/account")
    assert device_cookie_header(response) is None
    assert client.get_cookie(COOKIE) is None
    assert not RememberedDevice.select().exists()
    account = client.get("/en-ca/account")
    assert account.status_code == 200
    assert agreement.contract_number in account.get_data(as_text=True)
    assert SecurityEvent.select().where(SecurityEvent.kind == "device_authorized").count() == 1


def test_code_by_e_mail(client, outbox, sms, db):
    agreement = customer_with_agreement(client, outbox)
    login(client)
    chosen = client.post("/en-ca/device", data={"destination": f"mail-{agreement.id}"})
    assert chosen.location.endswith("/en-ca/device/code")
    mail = outbox.last(ON_FILE_EMAIL)
    assert "security code" in mail["Subject"]
    assert sms.messages() == []
    page = client.get("/en-ca/device/code").get_data(as_text=True)
    assert "he•••@example.com" in page
    response = client.post("/en-ca/device/code", data={"code": mail_code(outbox), "remember": "no"})
    assert response.location.endswith("/en-ca/account")
    assert client.get("/en-ca/account").status_code == 200


def test_destination_not_on_file_is_refused(client, outbox, sms, db):
    agreement = customer_with_agreement(client, outbox)
    login(client)
    other = make_agreement("ca", phone="+16135550199")      # not this customer's
    for destination in (f"sms-{other.id}", "sms-+16135550199", ""):
        response = client.post("/en-ca/device", data={"destination": destination})
        assert response.status_code == 422
        assert errors(response) == ["Choose where to send your code."]
    assert sms.messages() == []
    assert f"sms-{agreement.id}" in client.get("/en-ca/device").get_data(as_text=True)


def test_device_step_after_linking_leads_to_the_linked_agreement(client, outbox, sms, db):
    registered(client, outbox)
    login(client)
    agreement = make_agreement("ca")
    linked = client.post("/en-ca/agreements/link", data=identity_form(agreement))
    assert linked.location.endswith("/en-ca/device")
    response = authorize(client, agreement, sms)
    assert response.location.endswith("/en-ca/agreements/link/done")
    done = client.get("/en-ca/agreements/link/done")
    assert done.status_code == 200 and agreement.contract_number in done.get_data(as_text=True)


# --- remembered devices -------------------------------------------------------------------

def test_remembered_device_skips_the_code_until_revoked(client, outbox, sms, db):
    agreement = customer_with_agreement(client, outbox)
    login(client)
    response = authorize(client, agreement, sms, remember="yes",
                         headers={"User-Agent": FIREFOX_ON_ANDROID})
    assert response.location.endswith("/en-ca/account")
    header = device_cookie_header(response)
    assert header is not None
    attributes = [part.strip() for part in header.split(";")]
    assert "HttpOnly" in attributes
    assert "SameSite=Lax" in attributes
    assert "Max-Age=7776000" in attributes           # 90 days
    assert "Path=/" in attributes
    secret = client.get_cookie(COOKIE).value
    [device] = RememberedDevice.select()
    assert device.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in device.key_hash
    assert device.revoked_at is None
    assert timedelta(days=89) < device.expires_at - utcnow() <= timedelta(days=90)

    sign_out(client)
    again = login(client)
    assert again.status_code == 303
    assert again.location.endswith("/en-ca/account")
    assert client.get("/en-ca/account").status_code == 200
    assert len(sms.messages()) == 1                    # no new code
    assert SecurityEvent.select().where(SecurityEvent.kind == "device_recognized").count() == 1

    listing = client.get("/en-ca/account/devices")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert "Firefox / Android" in html
    assert f"/en-ca/account/devices/{device.id}/revoke" in html

    revoked = client.post(f"/en-ca/account/devices/{device.id}/revoke")
    assert revoked.status_code == 303 and revoked.location.endswith("/en-ca/account/devices")
    assert RememberedDevice.get_by_id(device.id).revoked_at is not None
    assert "Firefox / Android" not in client.get("/en-ca/account/devices").get_data(as_text=True)

    sign_out(client)
    assert client.get_cookie(COOKIE) is not None       # the browser still has it
    assert login(client).location.endswith("/en-ca/device")


def test_remembered_device_never_replaces_the_password(client, outbox, sms, db):
    agreement = customer_with_agreement(client, outbox)
    login(client)
    authorize(client, agreement, sms, remember="yes")
    sign_out(client)
    assert client.get_cookie(COOKIE) is not None
    refused = login(client, password="not my password")
    assert refused.status_code == 422
    assert client.get("/en-ca/account").location.endswith("/en-ca/login")
    assert client.get("/en-ca/account/devices").location.endswith("/en-ca/login")


def test_remembered_device_is_forgotten_after_ninety_days(client, outbox, sms, db, clock):
    start = utcnow().replace(microsecond=0)
    clock.set_now(start)
    agreement = customer_with_agreement(client, outbox)
    login(client)
    authorize(client, agreement, sms, remember="yes")
    sign_out(client)
    clock.set_now(start + timedelta(days=89, hours=23))
    assert login(client).location.endswith("/en-ca/account")
    sign_out(client)
    clock.set_now(start + timedelta(days=90, seconds=1))
    assert login(client).location.endswith("/en-ca/device")


def test_remembered_device_belongs_to_one_customer(app, client, outbox, sms, db):
    agreement = customer_with_agreement(client, outbox)
    login(client)
    authorize(client, agreement, sms, remember="yes")
    sign_out(client)
    # Someone else signs in on the same browser: the cookie is not theirs.
    customer_with_agreement(client, outbox, email="liam@example.com")
    assert login(client, email="liam@example.com").location.endswith("/en-ca/device")


def test_password_reset_revokes_every_remembered_device(app, client, outbox, sms, db):
    agreement = customer_with_agreement(client, outbox)
    login(client)
    authorize(client, agreement, sms, remember="yes")
    other_browser = app.test_client()
    login(other_browser)
    other_browser.post("/en-ca/device", data={"destination": f"mail-{agreement.id}"})
    other_browser.post("/en-ca/device/code", data={"code": mail_code(outbox), "remember": "yes"})
    assert RememberedDevice.select().count() == 2
    sign_out(client)

    client.post("/en-ca/forgot-password", data={"email": "ana.silva@example.com"})
    link = outbox.link(outbox.last("ana.silva@example.com"), "/reset-password/")
    assert client.post(open_link(client, link), data={"password": "a brand new passphrase"}).status_code == 303
    assert all(device.revoked_at is not None for device in RememberedDevice.select())

    assert login(client, password="a brand new passphrase").location.endswith("/en-ca/device")
    assert login(other_browser, password="a brand new passphrase").location.endswith("/en-ca/device")


def test_customer_cannot_revoke_another_customers_device(app, client, outbox, sms, db):
    agreement = customer_with_agreement(client, outbox)
    login(client)
    authorize(client, agreement, sms, remember="yes")
    [device] = RememberedDevice.select()

    intruder = app.test_client()
    intruders_agreement = customer_with_agreement(intruder, outbox, email="liam@example.com")
    login(intruder, email="liam@example.com")
    intruder.post("/en-ca/device", data={"destination": f"mail-{intruders_agreement.id}"})
    intruder.post("/en-ca/device/code", data={"code": mail_code(outbox), "remember": "no"})
    assert intruder.get("/en-ca/account").status_code == 200
    response = intruder.post(f"/en-ca/account/devices/{device.id}/revoke")
    assert response.status_code == 303
    assert RememberedDevice.get_by_id(device.id).revoked_at is None
    assert "A device" not in intruder.get("/en-ca/account/devices").get_data(as_text=True)
    assert not SecurityEvent.select().where(SecurityEvent.kind == "device_revoked").exists()
    # The owner's browser is still remembered.
    sign_out(client)
    assert login(client).location.endswith("/en-ca/account")


# --- wrong codes -----------------------------------------------------------------------------

def test_a_second_browser_types_the_code_sent_a_moment_ago(app, client, outbox, sms, db):
    """The code went to the phone from the laptop's page; within the minute
    the customer signs in on the phone: its device page takes that code,
    with a box, instead of "wait 57 seconds"."""
    agreement = customer_with_agreement(client, outbox)
    login(client)
    client.post("/en-ca/device", data={"destination": f"sms-{agreement.id}"})
    code = sms_code(sms)
    phone = app.test_client()
    login(phone)
    taken = phone.post("/en-ca/device", data={"destination": f"sms-{agreement.id}"})
    assert taken.status_code == 303 and taken.location.endswith("/en-ca/device/code")
    page = phone.get("/en-ca/device/code").get_data(as_text=True)
    assert "We sent you a code a moment ago: type the code from that message." in page
    assert 'name="code"' in page and len(sms.messages()) == 1
    done = phone.post("/en-ca/device/code", data={"code": code, "remember": "no"})
    assert done.status_code == 303 and done.location.endswith("/en-ca/account")
    # The code is used: the first browser's page asks for a new one.
    again = client.post("/en-ca/device/code", data={"code": code, "remember": "no"})
    assert again.status_code == 303 and again.location.endswith("/en-ca/device")


def test_three_wrong_codes_end_the_session(client, outbox, sms, db):
    agreement = customer_with_agreement(client, outbox)
    login(client)
    client.post("/en-ca/device", data={"destination": f"sms-{agreement.id}"})
    code = sms_code(sms)
    first = client.post("/en-ca/device/code", data={"code": wrong(code), "remember": "no"})
    assert first.status_code == 422
    assert "This code is not right. You have 2 tries left." in first.get_data(as_text=True)
    # The box comes back empty for the next try (seed 003), not with the wrong code.
    assert wrong(code) not in first.get_data(as_text=True)
    assert '<input id="code" name="code" type="text" autocomplete="one-time-code"' in first.get_data(as_text=True)
    second = client.post("/en-ca/device/code", data={"code": wrong(code), "remember": "no"})
    assert "This code is not right. You have 1 try left." in second.get_data(as_text=True)
    third = client.post("/en-ca/device/code", data={"code": wrong(code), "remember": "no"})
    assert third.status_code == 403
    assert heading(third) == "Too many wrong codes"
    assert client.get("/en-ca/account").location.endswith("/en-ca/login")
    # The right code is worth nothing now, even on a new sign-in.
    assert client.post("/en-ca/device/code", data={"code": code, "remember": "yes"}).status_code == 303
    assert client.get_cookie(COOKIE) is None
    assert OneTimeCode.get().used_at is not None
    assert SecurityEvent.select().where(SecurityEvent.kind == "device_code_exhausted").count() == 1
    assert login(client).location.endswith("/en-ca/device")


def test_device_code_form_errors(client, outbox, sms, db):
    agreement = customer_with_agreement(client, outbox)
    login(client)
    client.post("/en-ca/device", data={"destination": f"sms-{agreement.id}"})
    response = client.post("/en-ca/device/code", data={"code": "12ab", "remember": "maybe"})
    assert response.status_code == 422
    assert errors(response) == ["The code has 6 digits, like 123456.",
                                "Choose whether to remember this device."]
    assert OneTimeCode.get().attempts == 0


# --- France ------------------------------------------------------------------------------------

def test_france_asks_for_no_device_step(client, outbox, sms, db):
    agreement = customer_with_agreement(client, outbox, lang="fr-fr")
    response = login(client, lang="fr-fr")
    assert response.status_code == 303
    assert response.location.endswith("/fr-fr/account")
    account = client.get("/fr-fr/account")
    assert account.status_code == 200
    assert agreement.contract_number in account.get_data(as_text=True)
    assert client.get("/fr-fr/device").location.endswith("/fr-fr/account")
    assert sms.messages() == []


# --- the right code sent twice at once (a double click) ----------------------------------------

def test_right_code_sent_twice_at_once_keeps_the_customer_signed_in(app, outbox, sms, db):
    # A race: a few rounds, so that the requests overlap in at least one.
    for n in range(8):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{n + 1}"
        email = f"customer{n}@example.com"
        agreement = customer_with_agreement(client, outbox, email=email)
        login(client, email=email)
        client.post("/en-ca/device", data={"destination": f"sms-{agreement.id}"})
        code = sms_code(sms)
        database.close()
        responses = same_session_in_parallel(
            app, client, 16,
            lambda twin: twin.post("/en-ca/device/code", data={"code": code, "remember": "no"}))
        assert [r.status_code for r in responses].count(303) >= 1
        # A twin that loaded the code before another used it gets Check.GONE:
        # it must not end the session the right code has just authorized.
        assert [r.status_code for r in responses if r.status_code == 403] == []
        assert client.get("/en-ca/account").status_code == 200
