"""With HTTPS settings (SESSION_COOKIE_SECURE, docs/DEPLOY.md) every cookie
Keyfob sets is a __Host- cookie: Secure, Path=/, no Domain, HttpOnly."""
from http.cookies import SimpleCookie

from domain.clock import utcnow
from models import Customer
from support.agreements import make_agreement
from support.customers import login, registered
from support.outboxes import Outbox, SmsOutbox

HTTPS = {"wsgi.url_scheme": "https"}


def set_cookies(response):
    cookies = {}
    for header in response.headers.getlist("Set-Cookie"):
        cookies.update(SimpleCookie(header))
    return cookies


def assert_host_cookie(morsel):
    assert morsel.key.startswith("__Host-"), morsel.key
    assert morsel["secure"] and morsel["httponly"] and morsel["path"] == "/"
    assert not morsel["domain"]
    assert morsel["samesite"] == "Lax"


def test_session_variant_and_device_cookies_carry_the_host_prefix(custom_app):
    app = custom_app(SESSION_COOKIE_SECURE=True)
    outbox, sms = Outbox(app.config["MAIL_OUTBOX_DIR"]), SmsOutbox(app.config["SMS_OUTBOX_DIR"])
    client = app.test_client()
    client.environ_base.update(HTTPS)
    first = client.get("/en-ca/login")
    seen = set_cookies(first)
    assert set(seen) == {"__Host-keyfob", "__Host-site"}
    for morsel in seen.values():
        assert_host_cookie(morsel)

    registered(client, outbox)
    agreement = make_agreement("ca", customer=Customer.get(), linked_at=utcnow())
    login(client)
    client.post("/en-ca/device", data={"destination": f"sms-{agreement.id}"})
    answer = client.post("/en-ca/device/code", data={"code": sms.last_code(), "remember": "yes"})
    device = set_cookies(answer)
    assert "__Host-keyfob_device" in device, device
    assert_host_cookie(device["__Host-keyfob_device"])
    # The remembered device is recognized by its prefixed name at the next sign-in.
    client.post("/en-ca/logout")
    assert login(client).location.endswith("/en-ca/account")


def test_development_keeps_plain_names(client):
    assert set(set_cookies(client.get("/en-ca/login"))) == {"keyfob", "site"}
