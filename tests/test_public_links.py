"""Links in emails and text messages come from the configured public URL
(domain.links), never from the request's Host or X-Forwarded-Host; hosts
the deployment does not serve are refused (TRUSTED_HOSTS)."""
import re

import pytest

from domain import messages
from domain.clock import utcnow
from models import Customer, Thread
from support.agreements import make_agreement
from support.apps import markets_file
from support.customers import login, register
from support.outboxes import Outbox, SmsOutbox

PUBLIC = "https://portal.example.com"
FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}


def forging_client(app):
    """A browser whose every request names the attacker's host, directly and
    through the proxy's header."""
    client = app.test_client()
    client.environ_base.update({"HTTP_HOST": "evil.example", "HTTP_X_FORWARDED_HOST": "evil.example"})
    return client


def every_link(texts):
    return re.findall(r"https?://[^\s\"'<>]+", "\n".join(texts))


@pytest.fixture
def forged_app(custom_app):
    # A deployment that would accept any Host (no TRUSTED_HOSTS) behind one
    # proxy that passes X-Forwarded-Host on: the worst case for links.
    return custom_app(PUBLIC_URL=PUBLIC, TRUSTED_HOSTS=[], TRUSTED_PROXIES=1)


def test_no_mail_or_text_follows_a_forged_host(forged_app):
    app = forged_app
    outbox = Outbox(app.config["MAIL_OUTBOX_DIR"])
    client = forging_client(app)
    email = "ana.silva@example.com"
    register(client, email=email)                                   # activation
    register(forging_client(app), email=email)                      # "you already have an account"
    client.get(outbox.link(outbox.messages(email)[0], "/activate/"))
    client.post("/en-ca/forgot-password", data={"email": email})    # reset
    reset = outbox.link(outbox.last(email), "/reset-password/")
    for _ in range(3):                                              # locked
        login(client, email=email, password="not the password at all")
    form = client.get(reset).location
    client.post(form, data={"password": "a brand new passphrase 9"})   # password changed
    assert login(client, email=email, password="a brand new passphrase 9").status_code == 303
    client.post("/en-ca/profile/email", data={"email": "ana.new@example.com"})   # confirm + notice
    customer = Customer.get(Customer.email_key == email)
    agreement = make_agreement("ca", customer=customer, linked_at=utcnow())
    thread = Thread.create(customer=customer, market="ca", agreement=agreement, topic="other")
    with app.test_request_context("/staff/queue", headers=FORGED):   # an agent's answer
        messages.notify_customer(customer, thread)
        from domain import outbox as app_outbox
        app_outbox.send_pending()

    mails = outbox.messages()
    kinds = {mail["Subject"] for mail in mails}
    assert len(kinds) >= 7, kinds
    texts = [outbox.text(mail) + outbox.html(mail) for mail in mails]
    texts += [text for _number, text in SmsOutbox(app.config["SMS_OUTBOX_DIR"]).messages()]
    links = every_link(texts)
    assert len(links) >= len(mails)
    assert all(link.startswith(PUBLIC + "/") for link in links), links
    assert not any("evil" in text for text in texts)


def test_a_markets_own_public_url_is_used_for_its_customers(tmp_path, custom_app):
    path = markets_file(tmp_path, '[markets.fr]\n', '[markets.fr]\npublic_url = "https://client.bmwfs.example.fr"\n')
    app = custom_app(MARKETS_FILE=path, PUBLIC_URL=PUBLIC)
    outbox = Outbox(app.config["MAIL_OUTBOX_DIR"])
    register(app.test_client(), lang="fr-fr", email="lea@example.fr")
    register(app.test_client(), lang="en-ca", email="liam@example.ca")
    assert outbox.link(outbox.last("lea@example.fr"), "/activate/")
    assert "https://client.bmwfs.example.fr/fr-fr/activate/" in outbox.text(outbox.last("lea@example.fr"))
    assert PUBLIC + "/en-ca/activate/" in outbox.text(outbox.last("liam@example.ca"))
    # Both hosts are served.
    assert app.test_client().get("/fr-fr/login", headers={"Host": "client.bmwfs.example.fr"}).status_code == 200


def test_a_host_the_deployment_does_not_serve_is_refused(custom_app):
    app = custom_app(PUBLIC_URL=PUBLIC, TRUSTED_PROXIES=1)
    client = app.test_client()
    assert client.get("/en-ca/login", headers={"Host": "portal.example.com"}).status_code == 200
    assert client.get("/en-ca/login", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/en-ca/login", headers={"X-Forwarded-Host": "evil.example"}).status_code == 400
    response = client.post("/en-ca/forgot-password", data={"email": "ana.silva@example.com"},
                           headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert Outbox(app.config["MAIL_OUTBOX_DIR"]).messages() == []


def test_make_run_serves_localhost_and_the_loopback_address(app):
    client = app.test_client()
    for host in ("127.0.0.1:5000", "localhost:5000", "localhost"):
        assert client.get("/en-ca/login", headers={"Host": host}).status_code == 200, host


@pytest.mark.parametrize("url", ["", "portal.example.com", "ftp://portal.example.com",
                                 "https://", "https://portal.example.com/?next=x"])
def test_a_public_url_links_cannot_be_built_from_stops_the_start(custom_app, url):
    with pytest.raises(ValueError, match="public URL"):
        custom_app(PUBLIC_URL=url)


def test_the_terms_address_on_a_page_is_the_public_one(forged_app):
    client = forging_client(forged_app)
    client.post("/en-ca/register", data={"title": "ms", "first_name": "Ana", "last_name": "Silva"})
    client.post("/en-ca/register/email", data={"email": "bo@example.com"})
    client.post("/en-ca/register/password", data={"password": "tulip river lantern 7"})
    page = client.get("/en-ca/register/check").get_data(as_text=True)
    assert PUBLIC + "/en-ca/terms" in page and "evil" not in page
