"""The profile (domain.profile, views/profile.py): address, phone saved only
once a code sent to it is typed back, email address changed only once a
link sent to it is opened (the old address told, an address of another
account answered exactly like a free one), password, language of the
emails; every change asks for the password again 15 minutes after it was
last typed, and a wrong one counts towards the lock."""
import re
from datetime import timedelta

from domain.clock import utcnow
from domain.db import database
from models import Customer, LoginSession, OneTimeCode, SecurityEvent, Token
from support.agreements import make_agreement
from support.apps import make_app
from support.customers import PASSWORD, login, open_link, registered
from support.outboxes import Outbox
from support.parallel import same_session_in_parallel
from support.reading import errors, heading, page_without_csrf
from views import profile as profile_views

EMAIL = "ana.silva@example.com"
NEW_EMAIL = "ana.new@example.com"
NEW_PASSWORD = "amber canyon whistle 42"
WRONG_PASSWORD = "copper meadow falcon 3"
CA_PHONE = "+16135550143"


# --- helpers -----------------------------------------------------------------------

def signed_in(client, outbox, lang="en-ca", email=EMAIL):
    """A new active account (no agreement: no device step), signed in."""
    registered(client, outbox, lang=lang, email=email)
    assert login(client, lang=lang, email=email).status_code == 303
    return customer(email)


def opened(client, link):
    """The page an email's confirmation link leads to."""
    return client.get(open_link(client, link))


def confirmed(client, link):
    """The answer to the button on that page."""
    return client.post(open_link(client, link))


def customer(email=EMAIL):
    return Customer.get(Customer.email_key == email.lower())


def freeze(clock):
    """Stop the app's clock now (whole seconds); returns that moment."""
    start = utcnow().replace(microsecond=0)
    clock.set_now(start)
    return start


def text(response):
    return response.get_data(as_text=True)


def summary_problem(response):
    """The first item of the error summary (a problem of no one field)."""
    match = re.search(r'<div class="error-summary".*?<ul>\s*<li>(.*?)</li>', text(response), re.S)
    assert match, "no error summary"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def wrong(code):
    return f"{(int(code) + 1) % 10 ** 6:06d}"


# --- overview, sign-in, device ------------------------------------------------------

def test_profile_needs_sign_in(client):
    for url in ("/en-ca/profile", "/en-ca/profile/address", "/en-ca/profile/confirm-password"):
        response = client.get(url)
        assert response.status_code == 303 and "/en-ca/login" in response.location


def test_overview_shows_the_details_with_change_links(client, outbox, db):
    signed_in(client, outbox)
    page = client.get("/en-ca/profile")
    assert page.status_code == 200 and heading(page) == "Your profile"
    html = text(page)
    assert "Ms. Ana Silva" in html and EMAIL in html
    assert "<dd>No number given</dd>" in html and "<dd>No address given</dd>" in html
    for path in ("email", "phone", "address", "password", "language"):
        assert f'href="/en-ca/profile/{path}"' in html
    assert ">English<" in html
    assert 'href="/en-ca/profile"' in text(client.get("/en-ca/account"))


def test_single_language_market_offers_no_language_change(client, outbox, db):
    signed_in(client, outbox, lang="de-at")
    html = text(client.get("/de-at/profile"))
    assert ">Deutsch<" in html and "/de-at/profile/language" not in html


def test_profile_asks_for_the_device_where_the_market_does(client, outbox, db):
    signed_in(client, outbox)
    make_agreement("ca", customer=customer(), linked_at=utcnow())
    for url in ("/en-ca/profile", "/en-ca/profile/phone", "/en-ca/profile/email"):
        response = client.get(url)
        assert response.status_code == 303 and response.location.endswith("/en-ca/device")


# --- address -----------------------------------------------------------------------

def test_address_empty_fields(client, outbox, db):
    signed_in(client, outbox)
    response = client.post("/en-ca/profile/address", data={"street": " ", "postal_code": "", "city": ""})
    assert response.status_code == 422
    # In the order of a Canadian address: street, city, province, postal code.
    assert errors(response) == ["Enter your street and house number.", "Enter your town or city.",
                                "Choose your province or territory.", "Enter your postal code."]


def test_address_too_long_or_with_control_characters(client, outbox, db):
    signed_in(client, outbox)
    response = client.post("/en-ca/profile/address",
                           data={"street": "x" * 201, "postal_code": "K1A 0B1" + " 1" * 10,
                                 "city": "y" * 101, "region": "ON"})
    assert response.status_code == 422
    assert errors(response) == ["The street must be 200 characters or fewer.",
                                "The town or city must be 100 characters or fewer.",
                                "A postal code is 16 characters or fewer."]
    response = client.post("/en-ca/profile/address",
                           data={"street": "1 Main\x00 St", "postal_code": "K1A 0B1", "city": "Ottawa",
                                 "region": "ON"})
    assert errors(response) == ["Remove the special characters from this field."]
    # What was typed is kept.
    assert 'value="Ottawa"' in text(response)
    assert customer().street == ""


def test_postal_code_of_the_market_country(client, outbox, db):
    signed_in(client, outbox)
    response = client.post("/en-ca/profile/address",
                           data={"street": "24 Sussex Drive", "postal_code": "12345", "city": "Ottawa",
                                 "region": "ON"})
    assert errors(response) == ["Enter a postal code like K1A 0B1."]
    response = client.post("/en-ca/profile/address",
                           data={"street": "24 Sussex Drive", "postal_code": "k1a0b1", "city": "Ottawa",
                                 "region": "ON"})
    assert response.status_code == 303 and response.location.endswith("/en-ca/profile")
    saved = customer()
    assert (saved.street, saved.postal_code, saved.city, saved.region) == (
        "24 Sussex Drive", "K1A 0B1", "Ottawa", "ON")
    page = text(client.get("/en-ca/profile"))
    # Canada Post's line: city, province, two spaces, postal code.
    assert "Your address is saved." in page and "Ottawa ON  K1A 0B1" in page
    # The form shows the address on file.
    assert 'value="24 Sussex Drive"' in text(client.get("/en-ca/profile/address"))


def test_austrian_address(client, outbox, db):
    signed_in(client, outbox, lang="de-at")
    refused = client.post("/de-at/profile/address",
                          data={"street": "Ring 1", "postal_code": "10100", "city": "Wien"})
    assert refused.status_code == 422 and len(errors(refused)) == 1
    saved = client.post("/de-at/profile/address",
                        data={"street": "Ring 1", "postal_code": "1010", "city": "Wien"})
    assert saved.status_code == 303
    assert "1010 Wien" in text(client.get("/de-at/profile"))


def test_what_is_missing_agrees_with_what_it_is_in_french(client, outbox, db):
    """One string per missing detail: French makes it agree with the noun
    (une adresse indiquée, un numéro indiqué)."""
    signed_in(client, outbox, lang="fr-fr")
    html = text(client.get("/fr-fr/profile"))
    assert "<dd>Aucun numéro indiqué</dd>" in html and "<dd>Aucune adresse indiquée</dd>" in html


def boxes(response):
    """The names of the address form's boxes, in the page's order."""
    form = text(response).split('<form', 2)[-1]
    return re.findall(r'<(?:input|select) id="(street|city|region|postal_code)"', form)


def labels(response):
    return dict(re.findall(r'<label for="(\w+)">([^<]+)</label>', text(response)))


def test_each_market_asks_the_address_in_its_own_order_and_words(app, outbox, db):
    expected = {
        "en-us": (["street", "city", "region", "postal_code"], "State", "ZIP code", "Town or city"),
        "en-ca": (["street", "city", "region", "postal_code"], "Province or territory", "Postal code", "Town or city"),
        "fr-ca": (["street", "city", "region", "postal_code"], "Province ou territoire", "Code postal", "Ville"),
        "de-at": (["street", "postal_code", "city"], None, "Postleitzahl", "Ort"),
        "fr-fr": (["street", "postal_code", "city"], None, "Code postal", "Ville"),
    }
    for lang, (order, region, postal, city) in expected.items():
        client = app.test_client()
        signed_in(client, outbox, lang=lang, email=f"{lang}@example.com")
        page = client.get(f"/{lang}/profile/address")
        assert boxes(page) == order, lang
        assert labels(page).get("region") == region and labels(page)["postal_code"] == postal, lang
        assert labels(page)["city"] == city, lang


def test_a_us_address_takes_a_state_of_the_list_and_a_zip_code(client, outbox, db):
    signed_in(client, outbox, lang="en-us")
    page = text(client.get("/en-us/profile/address"))
    states = re.findall(r'<option value="([A-Z]{2})"', page)
    assert len(states) == 51 and "DC" in states
    assert re.search(r'<option value=""( selected)?>Choose a state</option>', page)
    address = {"street": "1600 Pennsylvania Avenue NW", "city": "Washington"}
    for region, code, error in [("", "20500", "Choose your state."), ("ON", "20500", "Choose your state."),
                                ("DC", "2050", "Enter a ZIP code of 5 digits, like 20500."),
                                ("DC", "20500-12", "Enter a ZIP code of 5 digits, like 20500."),
                                ("DC", "", "Enter your ZIP code.")]:
        refused = client.post("/en-us/profile/address", data={**address, "region": region, "postal_code": code})
        assert refused.status_code == 422 and errors(refused) == [error], (region, code)
    assert customer().street == ""
    for code in ("20500", "20500-0005"):
        saved = client.post("/en-us/profile/address", data={**address, "region": "DC", "postal_code": code})
        assert saved.status_code == 303
        assert f"Washington, DC {code}" in text(client.get("/en-us/profile"))


def test_a_canadian_province_is_named_in_the_pages_language(client, outbox, db):
    signed_in(client, outbox, lang="fr-ca")
    page = text(client.get("/fr-ca/profile/address"))
    assert '<option value="QC">Québec</option>' in page
    assert '<option value="BC">Colombie-Britannique</option>' in page
    refused = client.post("/fr-ca/profile/address", data={"street": "1 rue Saint-Jean", "city": "Québec",
                                                          "region": "QC", "postal_code": "D1A 1A1"})
    # Canada Post uses no D, F, I, O, Q or U.
    assert errors(refused) == ["Entrez un code postal au format K1A 0B1."]
    saved = client.post("/fr-ca/profile/address", data={"street": "1 rue Saint-Jean", "city": "Québec",
                                                        "region": "QC", "postal_code": "g1r 4p5"})
    assert saved.status_code == 303
    assert "Québec QC  G1R 4P5" in text(client.get("/fr-ca/profile"))


def test_a_french_address_has_five_digits_and_no_region(client, outbox, db):
    signed_in(client, outbox, lang="fr-fr")
    refused = client.post("/fr-fr/profile/address", data={"street": "1 rue de Rivoli", "city": "Paris",
                                                          "postal_code": "7500"})
    assert errors(refused) == ["Saisissez un code postal au format 75001."]
    # A region sent anyway is not kept: France's form has none.
    saved = client.post("/fr-fr/profile/address", data={"street": "1 rue de Rivoli", "city": "Paris",
                                                        "postal_code": "75001", "region": "QC"})
    assert saved.status_code == 303 and customer().region == ""
    assert "75001 Paris" in text(client.get("/fr-fr/profile"))


# --- phone -------------------------------------------------------------------------

def test_phone_bad_input(client, outbox, sms, db):
    signed_in(client, outbox)
    cases = [
        ("", "Enter your mobile phone number."),
        ("12345", "Enter a mobile phone number, like (506) 234-5678."),
        ("phone me", "Enter a mobile phone number, like (506) 234-5678."),
        ("6" * 31, "A phone number is 30 characters or fewer."),
        ("+33 6 12 34 56 42", "We can only send text messages to numbers from Canada and "
                              "United States. Enter a number from there."),
        ("+49 1512 3456789", "We can only send text messages to numbers from Canada and "
                             "United States. Enter a number from there."),
    ]
    for typed, message in cases:
        response = client.post("/en-ca/profile/phone", data={"phone": typed})
        assert response.status_code == 422, typed
        assert errors(response) == [message], typed
    assert sms.messages() == []
    assert customer().phone == ""


def test_phone_landline_and_foreign_in_france(client, outbox, sms, db):
    signed_in(client, outbox, lang="fr-fr")
    landline = client.post("/fr-fr/profile/phone", data={"phone": "01 55 50 01 42"})
    assert landline.status_code == 422 and len(errors(landline)) == 1
    canadian = client.post("/fr-fr/profile/phone", data={"phone": "+1 613 555 0143"})
    assert canadian.status_code == 422 and "France" in errors(canadian)[0]
    mobile = client.post("/fr-fr/profile/phone", data={"phone": "06 12 34 56 43"})
    assert mobile.status_code == 303
    assert [number for number, _text in sms.messages()] == ["+33612345643"]


def test_phone_is_saved_only_after_the_code(client, outbox, sms, db):
    signed_in(client, outbox)
    response = client.post("/en-ca/profile/phone", data={"phone": "(613) 555-0143"})
    assert response.status_code == 303 and response.location.endswith("/en-ca/profile/phone/code")
    [(number, message)] = sms.messages()
    assert number == CA_PHONE and "confirm this phone number" in message
    assert customer().phone == ""
    page = client.get("/en-ca/profile/phone/code")
    assert page.status_code == 200 and "(•••) •••-••43" in text(page)
    code = sms.last_code(CA_PHONE)
    assert code not in text(page)

    wrong_answer = client.post("/en-ca/profile/phone/code", data={"code": wrong(code)})
    assert wrong_answer.status_code == 422
    assert summary_problem(wrong_answer) == "This code is not right. You have 2 tries left."
    assert customer().phone == ""
    bad_shape = client.post("/en-ca/profile/phone/code", data={"code": "12ab"})
    assert errors(bad_shape) == ["The code has 6 digits, like 123456."]

    saved = client.post("/en-ca/profile/phone/code", data={"code": code})
    assert saved.status_code == 303 and saved.location.endswith("/en-ca/profile")
    assert customer().phone == CA_PHONE
    page = text(client.get("/en-ca/profile"))
    assert "Your phone number is saved." in page and "(•••) •••-••43" in page
    assert "6135550143" not in page
    # The code is used: its page leads back to the number.
    assert client.get("/en-ca/profile/phone/code").location.endswith("/en-ca/profile/phone")
    assert SecurityEvent.select().where(SecurityEvent.kind == "phone_changed").count() == 1


def test_a_double_submitted_code_saves_the_number_once(client, app, outbox, sms, db):
    signed_in(client, outbox)
    client.post("/en-ca/profile/phone", data={"phone": "613 555 0143"})
    code = sms.last_code()
    responses = same_session_in_parallel(
        app, client, 8, lambda twin: twin.post("/en-ca/profile/phone/code", data={"code": code}))
    assert customer().phone == CA_PHONE
    assert SecurityEvent.select().where(SecurityEvent.kind == "phone_changed").count() == 1
    # Every twin carries on to the profile, or to the code page that leads there.
    assert {r.location for r in responses} <= {"/en-ca/profile", "/en-ca/profile/phone/code"}
    assert OneTimeCode.get(OneTimeCode.purpose == "phone").attempts == 0


def test_the_twin_that_finds_its_code_used_meanwhile_goes_to_the_code_page(client, outbox, sms, db,
                                                                          monkeypatch):
    """The double click's other outcome, made certain (the test above gets
    it only when the threads fall so): this request read the code before
    its twin used it, so its check finds the code gone; it goes to the
    code page like the twins, and the number is saved once."""
    signed_in(client, outbox)
    client.post("/en-ca/profile/phone", data={"phone": "613 555 0143"})
    code = sms.last_code()
    read_before = OneTimeCode.get(OneTimeCode.purpose == "phone")
    assert client.post("/en-ca/profile/phone/code", data={"code": code}).status_code == 303
    with monkeypatch.context() as patch:
        patch.setattr(profile_views, "current_code", lambda: read_before)
        late = client.post("/en-ca/profile/phone/code", data={"code": code})
    assert late.status_code == 303 and late.location.endswith("/en-ca/profile/phone/code")
    assert client.get(late.location).location.endswith("/en-ca/profile/phone")
    assert customer().phone == CA_PHONE
    assert SecurityEvent.select().where(SecurityEvent.kind == "phone_changed").count() == 1


def test_same_number_again_is_refused(client, outbox, sms, db):
    signed_in(client, outbox)
    client.post("/en-ca/profile/phone", data={"phone": "613 555 0143"})
    client.post("/en-ca/profile/phone/code", data={"code": sms.last_code()})
    response = client.post("/en-ca/profile/phone", data={"phone": "+1 613-555-0143"})
    assert errors(response) == ["This is already your phone number."]


def test_code_page_without_a_code_leads_to_the_number(client, outbox, db):
    signed_in(client, outbox)
    response = client.get("/en-ca/profile/phone/code")
    assert response.status_code == 303 and response.location.endswith("/en-ca/profile/phone")


def test_phone_code_expires_after_10_minutes(client, outbox, sms, db, clock):
    start = freeze(clock)
    signed_in(client, outbox)
    client.post("/en-ca/profile/phone", data={"phone": "613 555 0143"})
    code = sms.last_code()
    clock.set_now(start + timedelta(minutes=10, seconds=1))
    response = client.post("/en-ca/profile/phone/code", data={"code": code})
    assert response.status_code == 422
    assert summary_problem(response) == "This code has expired. Ask for a new code below."
    assert customer().phone == ""
    # A new code, after the cooldown, works.
    assert client.post("/en-ca/profile/phone/code/resend").status_code == 303
    assert "We have sent you a new code." in text(client.get("/en-ca/profile/phone/code"))
    new_code = sms.last_code()
    assert client.post("/en-ca/profile/phone/code", data={"code": new_code}).status_code == 303
    assert customer().phone == CA_PHONE


def test_phone_code_resend_waits_for_the_cooldown(client, outbox, sms, db, clock):
    start = freeze(clock)
    signed_in(client, outbox)
    client.post("/en-ca/profile/phone", data={"phone": "613 555 0143"})
    clock.set_now(start + timedelta(seconds=20))
    response = client.post("/en-ca/profile/phone/code/resend")
    assert response.status_code == 429
    assert summary_problem(response) == ("We sent a code a moment ago. Wait 40 seconds before "
                                         "asking for another.")
    assert len(sms.messages()) == 1


def test_three_wrong_codes_end_the_code(client, outbox, sms, db):
    signed_in(client, outbox)
    client.post("/en-ca/profile/phone", data={"phone": "613 555 0143"})
    code = sms.last_code()
    client.post("/en-ca/profile/phone/code", data={"code": wrong(code)})
    second = client.post("/en-ca/profile/phone/code", data={"code": wrong(code)})
    assert summary_problem(second) == "This code is not right. You have 1 try left."
    third = client.post("/en-ca/profile/phone/code", data={"code": wrong(code)})
    assert third.status_code == 422 and heading(third) == "Your mobile phone number"
    assert summary_problem(third) == ("The code was typed wrong too many times. Ask for a new "
                                      "code to this number, or enter another one.")
    assert 'value="(613) 555-0143"' in text(third)
    # The right code is worth nothing now.
    assert client.post("/en-ca/profile/phone/code", data={"code": code}).location.endswith(
        "/en-ca/profile/phone")
    assert customer().phone == ""
    assert OneTimeCode.get(OneTimeCode.purpose == "phone").used_at is not None


# --- email address ------------------------------------------------------------------

def test_email_bad_input(client, outbox, db):
    signed_in(client, outbox)
    cases = [("", "Enter your new email address."),
             ("not an address", "Enter an email address in the right format, like name@example.com."),
             ("a" * 250 + "@example.com", "An email address must be 254 characters or fewer."),
             (" Ana.Silva@Example.com ", "This is already your email address.")]
    for typed, message in cases:
        response = client.post("/en-ca/profile/email", data={"email": typed})
        assert response.status_code == 422, typed
        assert errors(response) == [message], typed
    assert not Token.select().where(Token.purpose == "email").exists()


def test_email_change_confirmed_from_the_new_address(client, outbox, db):
    signed_in(client, outbox)
    response = client.post("/en-ca/profile/email", data={"email": NEW_EMAIL})
    assert response.status_code == 303 and response.location.endswith("/en-ca/profile/email/sent")
    assert heading(client.get("/en-ca/profile/email/sent")) == "Check your email"

    confirm = outbox.last(NEW_EMAIL)
    assert confirm["Subject"] == "Confirm your new email address for MINI Financial Services"
    assert "expires in 24 hours" in outbox.text(confirm)
    assert "Confirm my new email address" in outbox.html(confirm)
    notice = outbox.last(EMAIL)
    assert "change of your MINI Financial Services email address" in notice["Subject"]
    assert "an•••@example.com" in outbox.text(notice)
    assert NEW_EMAIL not in outbox.text(notice) + outbox.html(notice)
    assert "/confirm/" not in outbox.text(notice)
    assert customer(EMAIL).email == EMAIL           # nothing changes before the link

    link = outbox.link(confirm, "/profile/email/confirm/")
    assert link.startswith("/en-ca/profile/email/confirm/")
    # Opening the link (a mail filter may) changes nothing: a button does.
    page = opened(client, link)
    assert page.status_code == 200 and heading(page) == "Confirm your new email address"
    assert customer(EMAIL).email == EMAIL
    done = confirmed(client, link)
    assert done.status_code == 303 and done.location.endswith("/en-ca/profile/email/changed")
    assert heading(client.get("/en-ca/profile/email/changed")) == "Your email address is changed"
    changed = Customer.get_by_id(customer(NEW_EMAIL).id)
    assert (changed.email, changed.email_key) == (NEW_EMAIL, NEW_EMAIL)

    told = outbox.last(EMAIL)
    assert told["Subject"] == "Your MINI Financial Services email address was changed"
    assert "an•••@example.com" in outbox.text(told)
    assert NEW_EMAIL in text(client.get("/en-ca/profile"))

    # The new address signs in; the old one no longer does.
    client.post("/en-ca/logout")
    assert login(client, email=EMAIL).status_code == 422
    assert login(client, email=NEW_EMAIL).location.endswith("/en-ca/account")


def test_email_link_works_signed_out_and_once(client, app, outbox, db):
    signed_in(client, outbox)
    client.post("/en-ca/profile/email", data={"email": NEW_EMAIL})
    link = outbox.link(outbox.last(NEW_EMAIL), "/profile/email/confirm/")
    # Opened on another device, signed out.
    other = app.test_client()
    assert confirmed(other, link).location.endswith("/en-ca/profile/email/changed")
    changed_page = other.get("/en-ca/profile/email/changed")
    assert 'href="/en-ca/login"' in text(changed_page)
    assert customer(NEW_EMAIL).email == NEW_EMAIL
    for answer in (opened(other, link), confirmed(other, link), confirmed(client, link)):
        assert answer.status_code == 409
        assert heading(answer) == "This link has already been used"


def test_email_link_expires_after_24_hours(client, outbox, db, clock):
    start = freeze(clock)
    signed_in(client, outbox)
    client.post("/en-ca/profile/email", data={"email": NEW_EMAIL})
    link = outbox.link(outbox.last(NEW_EMAIL), "/profile/email/confirm/")
    clock.set_now(start + timedelta(hours=24, seconds=1))
    for answer in (opened(client, link), confirmed(client, link)):
        assert answer.status_code == 410 and heading(answer) == "This link has expired"
    assert customer(EMAIL).email == EMAIL


def test_email_link_of_another_market_or_made_up_is_not_valid(client, outbox, db):
    signed_in(client, outbox)
    client.post("/en-ca/profile/email", data={"email": NEW_EMAIL})
    link = outbox.link(outbox.last(NEW_EMAIL), "/profile/email/confirm/")
    for url in (link.replace("/en-ca/", "/fr-fr/"), "/en-ca/profile/email/confirm/" + "x" * 43,
                "/en-ca/profile/email/confirm/" + "x" * 500):
        answer = confirmed(client, url)
        assert answer.status_code == 404, url
    assert opened(client, link.replace("/en-ca/", "/fr-ca/")).status_code == 200   # same market
    assert customer(EMAIL).email == EMAIL


def test_only_the_newest_link_works(client, outbox, db):
    signed_in(client, outbox)
    client.post("/en-ca/profile/email", data={"email": NEW_EMAIL})
    first = outbox.link(outbox.last(NEW_EMAIL), "/profile/email/confirm/")
    client.post("/en-ca/profile/email", data={"email": "ana.other@example.com"})
    assert confirmed(client, first).status_code == 410      # superseded: it expired
    assert customer(EMAIL).email == EMAIL
    newest = outbox.link(outbox.last("ana.other@example.com"), "/profile/email/confirm/")
    assert confirmed(client, newest).status_code == 303
    assert customer("ana.other@example.com")


def test_address_of_another_account_is_answered_like_any_other(client, app, outbox, db,
                                                               tokens_a_second_apart):
    owner_client = app.test_client()
    taken = "bruno.taken@example.com"
    registered(owner_client, outbox, email=taken, first_name="Bruno", last_name="Costa")
    mails_to_owner = len(outbox.messages(taken))
    signed_in(client, outbox)

    free = client.post("/en-ca/profile/email", data={"email": NEW_EMAIL})
    free_page = page_without_csrf(text(client.get(free.location)))
    free_notice = outbox.last(EMAIL)
    answer = client.post("/en-ca/profile/email", data={"email": taken.upper()})
    assert (answer.status_code, answer.location) == (free.status_code, free.location)
    assert page_without_csrf(text(client.get(answer.location))) == free_page
    # The current address is told in both cases, the same way.
    taken_notice = outbox.last(EMAIL)
    assert taken_notice["Subject"] == free_notice["Subject"]
    assert (outbox.text(taken_notice).replace("BR•••", "an•••")
            == outbox.text(free_notice))
    # The owner of the address gets nothing, and nothing changes.
    assert len(outbox.messages(taken)) == mails_to_owner
    assert not Token.select().where(Token.purpose == "email", Token.payload ** taken).exists()
    assert customer(EMAIL).email == EMAIL and customer(taken).first_name == "Bruno"
    assert SecurityEvent.select().where(SecurityEvent.kind == "email_change_taken").count() == 1


def test_address_taken_after_the_link_was_sent(client, app, outbox, db):
    signed_in(client, outbox)
    client.post("/en-ca/profile/email", data={"email": NEW_EMAIL})
    link = outbox.link(outbox.last(NEW_EMAIL), "/profile/email/confirm/")
    registered(app.test_client(), outbox, email=NEW_EMAIL, first_name="Bruno")
    answer = confirmed(client, link)
    assert answer.status_code == 409 and heading(answer) == "This address cannot be used"
    assert customer(EMAIL).email == EMAIL
    assert customer(NEW_EMAIL).first_name == "Bruno"


def test_an_address_of_another_market_is_free(client, app, outbox, db):
    registered(app.test_client(), outbox, lang="fr-fr", email=NEW_EMAIL)
    signed_in(client, outbox)
    client.post("/en-ca/profile/email", data={"email": NEW_EMAIL})
    link = outbox.link(outbox.last(NEW_EMAIL), "/profile/email/confirm/")
    assert confirmed(client, link).status_code == 303
    assert Customer.select().where(Customer.email_key == NEW_EMAIL).count() == 2


# --- password ------------------------------------------------------------------------

def test_password_change_needs_the_current_password_and_the_policy(client, outbox, db):
    signed_in(client, outbox)
    cases = [
        ({"current_password": "", "new_password": ""},
         ["Enter your current password.", "Enter a new password."]),
        ({"current_password": PASSWORD, "new_password": "short"},
         ["Your password must be at least 12 characters long."]),
        ({"current_password": PASSWORD, "new_password": "password1234"},
         ["This password is too common and easy to guess. Try a few unrelated words instead."]),
        ({"current_password": PASSWORD, "new_password": "ana.silva likes tea"},
         ["Your password must not contain your name or your email address."]),
        ({"current_password": WRONG_PASSWORD, "new_password": NEW_PASSWORD},
         ["Your current password is not right."]),
    ]
    for data, messages in cases:
        response = client.post("/en-ca/profile/password", data=data)
        assert response.status_code == 422, data
        assert errors(response) == messages, data
    client.post("/en-ca/logout")
    assert login(client).status_code == 303        # the password is unchanged


def test_password_change_ends_the_other_sessions_and_tells_the_owner(client, app, outbox, db):
    signed_in(client, outbox)
    other = app.test_client()
    assert login(other).status_code == 303
    assert other.get("/en-ca/profile").status_code == 200
    response = client.post("/en-ca/profile/password",
                           data={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 303 and response.location.endswith("/en-ca/profile")
    assert "Every other device was signed out." in text(client.get("/en-ca/profile"))
    # This browser goes on, on a new session; the other one is signed out.
    assert client.get("/en-ca/profile/address").status_code == 200
    assert other.get("/en-ca/profile").location.endswith("/en-ca/login")
    live = LoginSession.select().where(LoginSession.ended_at.is_null())
    assert live.count() == 1
    mail = outbox.last(EMAIL)
    assert mail["Subject"] == "Your MINI Financial Services password was changed"
    assert "/en-ca/login" in outbox.text(mail)
    client.post("/en-ca/logout")
    assert login(client).status_code == 422
    assert login(client, password=NEW_PASSWORD).status_code == 303


def test_password_change_keeps_the_device_authorized(client, outbox, sms, db):
    signed_in(client, outbox)
    agreement = make_agreement("ca", customer=customer(), linked_at=utcnow())
    client.post("/en-ca/device", data={"destination": f"sms-{agreement.id}"})
    client.post("/en-ca/device/code", data={"code": sms.last_code(agreement.phone), "remember": "no"})
    assert client.get("/en-ca/account").status_code == 200
    client.post("/en-ca/profile/password",
                data={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert client.get("/en-ca/account").status_code == 200


def test_three_wrong_current_passwords_lock_the_account(client, outbox, db):
    signed_in(client, outbox)
    data = {"current_password": WRONG_PASSWORD, "new_password": NEW_PASSWORD}
    for _ in range(2):
        assert client.post("/en-ca/profile/password", data=data).status_code == 422
    locked = client.post("/en-ca/profile/password", data=data)
    assert locked.status_code == 403 and heading(locked) == "Your account is locked"
    assert customer().locked_at is not None
    assert outbox.last(EMAIL)["Subject"] == "Your MINI Financial Services account is locked"
    # Signed out, and the right password no longer signs in.
    assert client.get("/en-ca/profile").location.endswith("/en-ca/login")
    assert login(client).status_code == 422


# --- language ------------------------------------------------------------------------

def test_language_must_be_one_of_the_market(client, outbox, db):
    signed_in(client, outbox)
    page = text(client.get("/en-ca/profile/language"))
    assert 'value="en_CA" checked' in page and 'value="fr_CA"' in page
    for value in ("", "de_AT", "fr_FR", "x" * 500):
        response = client.post("/en-ca/profile/language", data={"locale": value})
        assert response.status_code == 422, value
        assert errors(response) == ["Choose a language."]
    assert client.post("/en-ca/profile/language").status_code == 422
    assert customer().locale == "en_CA"


def test_language_change_leads_to_the_profile_in_it_and_to_e_mails_in_it(client, outbox, db):
    signed_in(client, outbox)
    response = client.post("/en-ca/profile/language", data={"locale": "fr_CA"})
    assert response.status_code == 303 and response.location.endswith("/fr-ca/profile")
    assert customer().locale == "fr_CA"
    page = client.get("/fr-ca/profile")
    assert '<html lang="fr-CA">' in text(page) and ">Français<" in text(page)
    # Emails now come in French, whatever the page the change was made on.
    client.post("/en-ca/profile/password",
                data={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    mail = outbox.last(EMAIL)
    assert mail["Subject"] == "Votre mot de passe Services financiers MINI a été modifié"
    assert '<html lang="fr-CA">' in outbox.html(mail)
    assert "/fr-ca/login" in outbox.text(mail)


# --- the password again after 15 minutes ------------------------------------------------

def test_changes_ask_for_the_password_after_15_minutes_and_come_back(client, outbox, db, clock):
    start = freeze(clock)
    signed_in(client, outbox)
    clock.set_now(start + timedelta(minutes=15))
    assert client.get("/en-ca/profile/address").status_code == 200
    clock.set_now(start + timedelta(minutes=15, seconds=1))
    # Looking is fine; every change page asks first.
    assert client.get("/en-ca/profile").status_code == 200
    for path in ("address", "phone", "email", "password", "language"):
        response = client.get(f"/en-ca/profile/{path}")
        assert response.status_code == 303, path
        assert response.location.endswith("/en-ca/profile/confirm-password"), path

    response = client.get("/en-ca/profile/address")
    page = client.get(response.location)
    assert page.status_code == 200 and heading(page) == "Enter your password again"
    empty = client.post("/en-ca/profile/confirm-password", data={"current_password": ""})
    assert errors(empty) == ["Enter your password."]
    refused = client.post("/en-ca/profile/confirm-password", data={"current_password": WRONG_PASSWORD})
    assert refused.status_code == 422 and errors(refused) == [
        "This password is not right. Check it and try again."]
    back = client.post("/en-ca/profile/confirm-password", data={"current_password": PASSWORD})
    assert back.status_code == 303 and back.location.endswith("/en-ca/profile/address")
    assert client.get("/en-ca/profile/address").status_code == 200
    assert customer().failed_logins == 0        # the right password ends the count


def test_a_stale_post_changes_nothing_and_comes_back_to_its_page(client, outbox, sms, db, clock):
    start = freeze(clock)
    signed_in(client, outbox)
    clock.set_now(start + timedelta(minutes=16))
    response = client.post("/en-ca/profile/phone", data={"phone": "613 555 0143"})
    assert response.location.endswith("/en-ca/profile/confirm-password")
    response = client.post("/en-ca/profile/email", data={"email": NEW_EMAIL})
    assert response.location.endswith("/en-ca/profile/confirm-password")
    assert sms.messages() == [] and outbox.messages(NEW_EMAIL) == []
    back = client.post("/en-ca/profile/confirm-password", data={"current_password": PASSWORD})
    assert back.location.endswith("/en-ca/profile/email")       # the last page asked for


def test_only_a_profile_page_is_a_way_back(client, outbox, db):
    signed_in(client, outbox)
    for target in ("https://evil.example/", "//evil.example", "auth.logout", "account.home", None):
        with client.session_transaction() as session:
            session["after_password"] = target
        back = client.post("/en-ca/profile/confirm-password", data={"current_password": PASSWORD})
        assert back.status_code == 303 and back.location == "/en-ca/profile", target


def test_wrong_passwords_when_asked_again_lock_like_at_sign_in(client, outbox, db, clock):
    start = freeze(clock)
    signed_in(client, outbox)
    clock.set_now(start + timedelta(minutes=20))
    for _ in range(2):
        response = client.post("/en-ca/profile/confirm-password",
                               data={"current_password": WRONG_PASSWORD})
        assert response.status_code == 422
    locked = client.post("/en-ca/profile/confirm-password", data={"current_password": WRONG_PASSWORD})
    assert locked.status_code == 403 and heading(locked) == "Your account is locked"
    assert customer().locked_at is not None
    assert outbox.last(EMAIL)["Subject"] == "Your MINI Financial Services account is locked"
    assert client.get("/en-ca/profile").location.endswith("/en-ca/login")
    assert login(client).status_code == 422


def test_asking_again_is_rate_limited_per_client(tmp_path):
    app = make_app(tmp_path, RATE_LIMIT_LOGIN_PER_CLIENT=(3, 900))
    try:
        client = app.test_client()
        signed_in(client, Outbox(app.config["MAIL_OUTBOX_DIR"]))     # the sign-in counts one
        answers = [client.post("/en-ca/profile/confirm-password", data={"current_password": PASSWORD})
                   for _ in range(3)]
        assert [a.status_code for a in answers] == [303, 303, 429]
    finally:
        if not database.is_closed():
            database.close()


# --- hostile input -------------------------------------------------------------------

HOSTILE = ["", " ", "\x00", "\r\n", "\u202e", "x" * 10_000, "😀" * 100, "%(name)s", "{name}",
           "<script>alert(1)</script>", "'; DROP TABLE customer; --", "+", "+1" * 20]
PROFILE_FORMS = {"address": ("street", "postal_code", "city"), "phone": ("phone",),
                 "phone/code": ("code",), "email": ("email",),
                 "password": ("current_password", "new_password"), "language": ("locale",),
                 "confirm-password": ("current_password",)}


def test_hostile_input_gets_an_answer_and_changes_nothing(client, outbox, sms, db):
    signed_in(client, outbox)
    client.post("/en-ca/profile/phone", data={"phone": "613 555 0143"})   # a code page to post to
    saved = (Customer.email, Customer.phone, Customer.street, Customer.postal_code, Customer.city,
             Customer.locale, Customer.password_hash)
    before = list(Customer.select(*saved).tuples())
    for path, fields in PROFILE_FORMS.items():
        for value in HOSTILE:
            for htmx in (False, True):
                data = {field: value for field in fields}
                headers = {"HX-Request": "true"} if htmx else {}
                response = client.post(f"/en-ca/profile/{path}", data=data, headers=headers)
                assert response.status_code < 500, (path, value)
                if path != "phone/code" and response.status_code != 303:
                    assert response.status_code == 422, (path, value)
                # Wrong passwords count towards the lock (tested above): not here.
                Customer.update(failed_logins=0).execute()
    assert list(Customer.select(*saved).tuples()) == before
