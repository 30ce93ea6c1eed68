"""Registration and activation (SPEC 1-2), through the app."""
import json

import pytest

from domain.clock import utcnow
from models import Customer, RegistrationDraft, Token
from support.customers import PASSWORD, activate, register
from support.reading import errors, heading

LONG = "x" * 101


def start(client, lang="en-ca", **answers):
    data = {"title": "ms", "first_name": "Ana", "last_name": "Silva"}
    data.update(answers)
    return client.post(f"/{lang}/register", data=data)


def test_wizard_goes_step_by_step_and_creates_a_pending_account(client, outbox, db):
    response = start(client)
    assert response.status_code == 303 and response.location.endswith("/en-ca/register/email")
    response = client.post("/en-ca/register/email", data={"email": "  Ana.Silva@Example.COM "})
    assert response.location.endswith("/en-ca/register/password")
    response = client.post("/en-ca/register/password", data={"password": PASSWORD})
    assert response.location.endswith("/en-ca/register/check")
    check = client.get("/en-ca/register/check").get_data(as_text=True)
    assert "Ms. Ana Silva" in check and "Ana.Silva@example.com" in check
    assert PASSWORD not in check
    response = client.post("/en-ca/register/check", data={"accept_terms": "y"})
    assert response.location.endswith("/en-ca/register/sent")
    sent = client.get("/en-ca/register/sent")
    assert "Ana.Silva@example.com" in sent.get_data(as_text=True)

    customer = Customer.get()
    assert (customer.status, customer.market, customer.locale) == ("pending", "ca", "en_CA")
    assert customer.email_key == "ana.silva@example.com"
    assert customer.password_hash.startswith("$argon2id$")
    message = outbox.last("Ana.Silva@example.com")
    assert message["Subject"] == "Activate your MINI Financial Services account"
    assert "/en-ca/activate/" in outbox.text(message)
    assert "/en-ca/activate/" in outbox.html(message)
    # The draft keeps only the address for the thank-you page.
    assert json.loads(RegistrationDraft.get().data) == {"email": "Ana.Silva@example.com"}


@pytest.mark.parametrize("answers, message", [
    ({"first_name": ""}, "Enter your first name."),
    ({"first_name": "   "}, "Enter your first name."),
    ({"last_name": ""}, "Enter your last name."),
    ({"first_name": LONG}, "Your first name must be 100 characters or fewer."),
    ({"last_name": LONG}, "Your last name must be 100 characters or fewer."),
    ({"first_name": "Ana\x00"}, "Remove the special characters from this field."),
    ({"last_name": "Sil\u202eva"}, "Remove the special characters from this field."),
    ({"title": ""}, "Select your title."),
    ({"title": "king"}, "Select your title."),
])
def test_name_step_errors(client, answers, message):
    response = start(client, **answers)
    assert response.status_code == 422
    assert message in errors(response)
    html = response.get_data(as_text=True)
    assert "<title>Error: " in html and 'role="alert"' in html


def test_name_step_keeps_what_was_typed(client):
    response = start(client, first_name="", last_name="Silva <b>")
    assert 'value="Silva &lt;b&gt;"' in response.get_data(as_text=True)


def test_market_without_titles_asks_none(client):
    assert 'name="title"' not in client.get("/en-us/register").get_data(as_text=True)
    assert start(client, lang="en-us", title="").status_code == 303


@pytest.mark.parametrize("address, message", [
    ("", "Enter your email address."),
    ("ana", "Enter an email address in the right format, like name@example.com."),
    ("ana@", "Enter an email address in the right format, like name@example.com."),
    ("ana@@example.com", "Enter an email address in the right format, like name@example.com."),
    ("a" * 250 + "@example.com", "An email address must be 254 characters or fewer."),
])
def test_email_step_errors(client, address, message):
    start(client)
    response = client.post("/en-ca/register/email", data={"email": address})
    assert response.status_code == 422
    assert errors(response) == [message]


@pytest.mark.parametrize("password, message", [
    ("", "Enter a password."),
    ("short one", "Your password must be at least 12 characters long."),
    ("x" * 257, "Your password must be 256 characters or fewer."),
    ("password1234", "This password is too common and easy to guess. Try a few unrelated words instead."),
    ("aaaaaaaaaaaaaaa", "This password is too common and easy to guess. Try a few unrelated words instead."),
    ("abcdefghijklmnop", "This password is too common and easy to guess. Try a few unrelated words instead."),
    ("my name is Silva!", "Your password must not contain your name or your email address."),
    ("ana.silva@example.com", "Your password must not contain your name or your email address."),
])
def test_password_step_errors(client, password, message):
    start(client)
    client.post("/en-ca/register/email", data={"email": "ana.silva@example.com"})
    response = client.post("/en-ca/register/password", data={"password": password})
    assert response.status_code == 422
    assert errors(response) == [message]
    # A password is never sent back to the browser.
    assert 'type="password" value=' not in response.get_data(as_text=True)


def test_long_passphrase_with_any_characters_is_accepted(client):
    start(client)
    client.post("/en-ca/register/email", data={"email": "ana.silva@example.com"})
    response = client.post("/en-ca/register/password", data={"password": "Ünïcödé Wörter 😀 " * 10})
    assert response.status_code == 303


def test_terms_must_be_accepted(client, db):
    start(client)
    client.post("/en-ca/register/email", data={"email": "ana.silva@example.com"})
    client.post("/en-ca/register/password", data={"password": PASSWORD})
    response = client.post("/en-ca/register/check", data={})
    assert response.status_code == 422
    assert errors(response) == ["Accept the terms of use to create your account."]
    assert Customer.select().count() == 0


@pytest.mark.parametrize("step", ["/en-ca/register/password", "/en-ca/register/check"])
def test_skipping_steps_leads_back_to_the_first_unanswered(client, step):
    response = client.get(step)
    assert response.status_code == 303 and response.location.endswith("/en-ca/register")
    start(client)
    client.post("/en-ca/register/email", data={"email": "ana.silva@example.com"})
    response = client.get("/en-ca/register/check")
    assert response.location.endswith("/en-ca/register/password")


def test_change_link_returns_to_check_page(client):
    register(client)  # completed: a new registration starts afresh
    start(client)
    client.post("/en-ca/register/email", data={"email": "ana@example.com"})
    client.post("/en-ca/register/password", data={"password": PASSWORD})
    response = client.post("/en-ca/register?change=1", data={"title": "mr", "first_name": "Bo",
                                                               "last_name": "Silva"})
    assert response.location.endswith("/en-ca/register/check")
    assert "Mr. Bo Silva" in client.get("/en-ca/register/check").get_data(as_text=True)


def test_each_change_link_is_one_text(client):
    """A link's words are one string, not "Change" beside a hidden noun:
    German puts the verb last (Namen ändern)."""
    start(client, lang="de-at")
    client.post("/de-at/register/email", data={"email": "ana@example.com"})
    client.post("/de-at/register/password", data={"password": PASSWORD})
    html = client.get("/de-at/register/check").get_data(as_text=True)
    for path, words in (("", "Namen ändern"), ("/email", "E-Mail-Adresse ändern"),
                        ("/password", "Passwort ändern")):
        assert f'<a href="/de-at/register{path}?change=1">{words}</a>' in html


def test_known_address_gets_the_same_page_and_its_owner_an_email(client, outbox, db):
    first = register(client, email="ana.silva@example.com")
    other = client.application.test_client()
    second = register(other, email=" ANA.SILVA@example.com", first_name="Eve", last_name="Evil")
    assert first.status_code == second.status_code == 303
    assert first.location == second.location
    page = other.get("/en-ca/register/sent").get_data(as_text=True)
    assert "ANA.SILVA@example.com" in page
    assert Customer.select().count() == 1
    notice = outbox.last("ana.silva@example.com")
    assert notice["Subject"] == "You already have a MINI Financial Services account"
    assert "/en-ca/reset-password/" in outbox.text(notice)
    assert "Eve" not in outbox.text(notice)


def test_activation_link_works_once(client, outbox, db):
    register(client)
    link = outbox.link(outbox.last(), "/activate/")
    response = client.get(link)
    assert response.status_code == 200
    assert heading(response) == "Your account is active"
    assert Customer.get().status == "active"
    again = client.get(link)
    assert again.status_code == 409
    assert heading(again) == "This link has already been used"


def test_only_a_hash_of_the_token_is_stored(client, outbox, db):
    register(client)
    secret = outbox.link(outbox.last(), "/activate/").rsplit("/", 1)[1]
    token = Token.get()
    assert token.token_hash != secret and secret not in token.token_hash
    assert len(token.token_hash) == 64


@pytest.mark.parametrize("token", ["nonsense", "x" * 500, "%00", "a.b-c_d~e"])
def test_wrong_activation_token(client, token):
    response = client.get(f"/en-ca/activate/{token}")
    assert response.status_code == 404
    assert heading(response) == "This link is not valid"


def test_expired_activation_link_deletes_the_registration(client, outbox, db):
    register(client)
    link = outbox.link(outbox.last(), "/activate/")
    past = utcnow().replace(year=utcnow().year - 1)
    Token.update(expires_at=past).execute()
    Customer.update(created_at=past).execute()
    response = client.get(link)
    assert response.status_code == 410
    assert heading(response) == "This link has expired"
    assert "Register again" in response.get_data(as_text=True)
    assert Customer.select().count() == 0


def test_purge_command_deletes_only_expired_registrations(app, client, outbox, runner, db):
    register(client, email="old@example.com")
    register(app.test_client(), email="new@example.com")
    past = utcnow().replace(year=utcnow().year - 1)
    old = Customer.get(Customer.email_key == "old@example.com")
    Token.update(expires_at=past).where(Token.customer == old).execute()
    Customer.update(created_at=past).where(Customer.id == old.id).execute()
    result = runner.invoke(args=["accounts", "purge"])
    assert "deleted 1 expired registrations" in result.output
    assert [c.email for c in Customer.select()] == ["new@example.com"]


def test_thank_you_page_sends_again_after_a_cooldown(client, outbox, db):
    register(client)
    assert len(outbox.messages()) == 1
    response = client.post("/en-ca/register/sent", follow_redirects=True)
    assert "less than a minute ago" in response.get_data(as_text=True)
    assert len(outbox.messages()) == 1
    RegistrationDraft.update(last_sent_at=utcnow().replace(year=2000)).execute()
    response = client.post("/en-ca/register/sent", follow_redirects=True)
    assert "We have sent the email again." in response.get_data(as_text=True)
    assert len(outbox.messages()) == 2
    # Both links work until one is used.
    assert activate(client, outbox).status_code == 200


def test_activation_email_is_in_the_customers_language(client, outbox):
    register(client, lang="de-at", email="anna@example.at", title="ms")
    message = outbox.last("anna@example.at")
    assert "/de-at/activate/" in outbox.text(message)
    assert message["Subject"] != "Activate your MINI Finance account"
