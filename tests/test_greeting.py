"""Each market addresses its customers as it does (issue 17 item 2):
Austria and France formally, with title and last name, in emails and on the
dashboard; North America by first name, titles written "Mr." and "Ms."."""
import pytest

from domain.clock import utcnow
from models import Customer
from support.agreements import make_agreement
from support.customers import login, register, registered


@pytest.mark.parametrize("lang, title, greeting", [
    ("de-at", "ms", "Sehr geehrte Frau Gruber,"),
    ("de-at", "mr", "Sehr geehrter Herr Gruber,"),
    ("fr-fr", "ms", "Bonjour Madame Gruber,"),
    ("fr-fr", "mr", "Bonjour Monsieur Gruber,"),
    ("en-ca", "ms", "Hello Eva,"),
    ("fr-ca", "mr", "Bonjour Eva,"),
])
def test_e_mails_greet_as_the_market_does(client, outbox, lang, title, greeting):
    register(client, lang=lang, email="eva@example.com", first_name="Eva", last_name="Gruber", title=title)
    mail = outbox.last("eva@example.com")
    assert outbox.text(mail).startswith(greeting + "\n")
    assert f"<p>{greeting}</p>" in outbox.html(mail)
    if lang in ("de-at", "fr-fr"):
        assert "Eva" not in outbox.text(mail)


@pytest.mark.parametrize("lang, market, heading", [
    ("de-at", "at", "Willkommen, Frau Gruber"),
    ("fr-fr", "fr", "Bienvenue, Madame Gruber"),
    ("en-ca", "ca", "Welcome, Ms. Eva Gruber"),
])
def test_the_dashboard_greets_as_the_market_does(client, outbox, sms, db, lang, market, heading):
    registered(client, outbox, lang=lang, email="eva@example.com", first_name="Eva", last_name="Gruber")
    login(client, lang=lang, email="eva@example.com")
    page = client.get(f"/{lang}/account").get_data(as_text=True)
    assert heading in page, page[page.find("<h1"):page.find("</h1>")]


def test_french_never_abbreviates_when_it_addresses_someone(client, outbox):
    register(client, lang="fr-fr", email="eva@example.com", first_name="Eva", last_name="Martin", title="ms")
    text = outbox.text(outbox.last("eva@example.com"))
    assert "Mme" not in text and "Madame Martin" in text


def test_a_formal_market_without_a_gendered_title_uses_the_full_name(client, outbox, db):
    register(client, lang="fr-fr", email="eva@example.com", first_name="Eva", last_name="Martin", title="ms")
    Customer.update(title="").execute()
    client.post("/fr-fr/forgot-password", data={"email": "eva@example.com"})
    assert outbox.text(outbox.last("eva@example.com")).startswith("Bonjour Eva Martin,\n")
