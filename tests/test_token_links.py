"""Links with a token (activation, password reset, email confirmation):
only the newest of a kind works, the token never stays in a page's address
(Referrer-Policy: no-referrer where it is), and asking for a reset does the
same work whether or not the address has an account."""
from datetime import timedelta

from domain import worker
from domain.clock import utcnow
from models import ResetRequest
from support.customers import login, open_link, register, registered
from support.queries import counted_queries
from support.reading import heading

EMAIL = "ana.silva@example.com"


def reset_link(client, outbox, email=EMAIL):
    client.post("/en-ca/forgot-password", data={"email": email})
    return outbox.link(outbox.last(email), "/reset-password/")


def test_a_newer_reset_link_ends_the_older_one(client, outbox, db):
    registered(client, outbox)
    older = reset_link(client, outbox)
    newer = reset_link(client, outbox)
    assert older != newer
    answer = client.post(open_link(client, older), data={"password": "a brand new passphrase"})
    assert answer.status_code == 410 and heading(answer) == "This link has expired"
    assert login(client, password="a brand new passphrase").status_code == 422
    answer = client.post(open_link(client, newer), data={"password": "a brand new passphrase"})
    assert answer.status_code == 303
    assert login(client, password="a brand new passphrase").status_code == 303


def test_a_resent_activation_link_ends_the_older_one(client, outbox, db, clock):
    register(client)
    older = outbox.link(outbox.last(EMAIL), "/activate/")
    clock.set_now(utcnow() + timedelta(minutes=2))     # past the resend cooldown
    client.post("/en-ca/register/sent")      # "send it again"
    newer = outbox.link(outbox.last(EMAIL), "/activate/")
    assert older != newer
    assert client.get(older).status_code == 410
    assert client.get(newer).status_code == 200


def test_the_form_of_a_link_lives_at_an_address_without_the_token(client, outbox, db):
    registered(client, outbox)
    link = reset_link(client, outbox)
    token = link.rsplit("/", 1)[1]
    opened = client.get(link)
    assert opened.status_code == 303 and token not in opened.location
    assert opened.headers["Referrer-Policy"] == "no-referrer"
    form = client.get(opened.location)
    assert form.status_code == 200 and token not in form.get_data(as_text=True)
    assert form.headers["Referrer-Policy"] == "same-origin"


def test_the_form_without_a_link_opened_says_the_link_is_not_valid(client, db):
    for url in ("/en-ca/reset-password", "/en-ca/profile/email/confirm"):
        answer = client.get(url)
        assert answer.status_code == 404 and heading(answer) == "This link is not valid", url
        assert client.post(url, data={"password": "a brand new passphrase"}).status_code == 404


def token_routes(app):
    return sorted(rule.rule for rule in app.url_map.iter_rules() if "token" in rule.arguments)


def test_every_address_with_a_token_sends_no_referrer(app, client, db):
    routes = token_routes(app)
    assert len(routes) >= 3, routes
    for rule in routes:
        for token in ("x" * 43, "y"):
            url = rule.replace("<lang>", "en-ca").replace("<token>", token)
            answer = client.get(url)
            assert answer.status_code < 500, url
            assert answer.headers["Referrer-Policy"] == "no-referrer", url
    assert client.get("/en-ca/login").headers["Referrer-Policy"] == "same-origin"


def test_a_reset_request_runs_the_same_statements_for_any_address(app, client, outbox):
    registered(client, outbox)
    # As in production: the outbox worker runs beside the web processes.
    app.config["OUTBOX_SEND_AFTER_REQUEST"] = False
    client.get("/en-ca/forgot-password")
    statements = {}
    for address in (EMAIL, "nobody.here@example.com", EMAIL.upper()):
        with counted_queries() as queries:
            answer = client.post("/en-ca/forgot-password", data={"email": address})
        assert answer.status_code == 303
        statements[address] = queries
    known, unknown, known_again = statements.values()
    assert known == unknown == known_again
    assert all("customer" not in sql.lower() for sql in known), known
    mails = len(outbox.messages(EMAIL))
    with app.app_context():
        worker.run_once()
        assert ResetRequest.select().count() == 0     # the unknown address is not kept
    assert len(outbox.messages(EMAIL)) == mails + 2
    assert outbox.messages("nobody.here@example.com") == []
    # Two requests: only the newer link works.
    links = [outbox.link(message, "/reset-password/") for message in outbox.messages(EMAIL)[-2:]]
    assert client.get(open_link(client, links[0])).status_code == 410
    assert client.get(open_link(client, links[1])).status_code == 200
