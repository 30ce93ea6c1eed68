"""Customers for tests: through the real pages (register, activate,
login, link, authorize a device), or as a row (make_customer) when the
pages are not what is under test."""
import uuid

from domain.clock import utcnow
from models import Customer
from support.agreements import make_agreement

PASSWORD = "tulip river lantern 7"
LOCALES = {"ca": "en_CA", "us": "en_US", "at": "de_AT", "fr": "fr_FR"}
CA_PHONE = "+16135550142"       # the phone on file of make_agreement("ca")


def register(client, lang="en-ca", email="ana.silva@example.com", password=PASSWORD,
             first_name="Ana", last_name="Silva", title="ms"):
    """Go through the registration wizard; returns the last response."""
    client.post(f"/{lang}/register", data={"title": title, "first_name": first_name,
                                           "last_name": last_name})
    client.post(f"/{lang}/register/email", data={"email": email})
    client.post(f"/{lang}/register/password", data={"password": password})
    return client.post(f"/{lang}/register/check", data={"accept_terms": "y"})


def activate(client, outbox, email="ana.silva@example.com"):
    return client.get(outbox.link(outbox.last(email), "/activate/"))


def registered(client, outbox, lang="en-ca", email="ana.silva@example.com", **kwargs):
    """A new, active account."""
    register(client, lang=lang, email=email, **kwargs)
    response = activate(client, outbox, email)
    assert response.status_code == 200
    return email


def open_link(client, link):
    """Open an email's link with a token: it answers 303 to the page
    without the token in its address (kept in the session); that page's URL."""
    response = client.get(link)
    assert response.status_code == 303, response.status_code
    assert response.headers["Referrer-Policy"] == "no-referrer"
    return response.location


def login(client, lang="en-ca", email="ana.silva@example.com", password=PASSWORD):
    return client.post(f"/{lang}/login", data={"email": email, "password": password})


def customer(client, outbox, lang="de-at", email="ana.silva@example.com"):
    """A new, active account (through the pages); its row."""
    registered(client, outbox, lang=lang, email=email)
    return Customer.get(Customer.email_key == email)


def authorize(client, agreement, sms, remember="no", **kwargs):
    """Authorize this browser in Canada: choose SMS, type the right code;
    the last response."""
    client.post("/en-ca/device", data={"destination": f"sms-{agreement.id}"})
    return client.post("/en-ca/device/code", data={"code": sms.last_code(CA_PHONE),
                                                   "remember": remember}, **kwargs)


def signed_in_with(client, outbox, sms=None, lang="de-at", email="ana.silva@example.com",
                   count=1, **values):
    """A signed-in customer with `count` agreements linked (and, in Canada,
    this browser authorized); the agreements."""
    market = {"de-at": "at", "fr-fr": "fr", "en-ca": "ca", "fr-ca": "ca"}[lang]
    owner = customer(client, outbox, lang, email)
    agreements = [make_agreement(market, customer=owner, linked_at=utcnow(), **values)
                  for _ in range(count)]
    login(client, lang=lang, email=email)
    if market == "ca":
        authorize(client, agreements[0], sms)
    return agreements


def make_customer(market="at", first_name="Ana", last_name="Silva", email=None):
    """An active customer made in the database (no password that works)."""
    address = email or f"customer-{uuid.uuid4().hex[:8]}@example.com"
    return Customer.create(market=market, email=address, email_key=address.lower(),
                           first_name=first_name, last_name=last_name, password_hash="x",
                           locale=LOCALES[market], status="active")
