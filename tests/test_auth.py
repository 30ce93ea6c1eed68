"""Login, lockout, logout, sessions and password reset (SPEC 3-4)."""
import re
import threading
from datetime import timedelta

import pytest

from domain import accounts, lockout
from domain.clock import utcnow
from domain.db import database
from models import Customer, LoginSession, Token
from support.customers import login, open_link, register, registered
from support.reading import errors, heading, page_without_csrf

REFUSED = ("The email address or password is not right. After 3 wrong tries in a row, "
           "the account is locked for your protection: reset your password to unlock it.")


def main_part(response):
    """The page without what differs from request to request: the CSRF
    token and the address typed, which the form keeps."""
    return re.sub(r'name="email" type="email" value="[^"]*"', "", page_without_csrf(response))


def test_login_and_logout(client, outbox, db):
    registered(client, outbox)
    response = login(client)
    assert response.status_code == 303 and response.location.endswith("/en-ca/account")
    page = client.get("/en-ca/account")
    assert heading(page) == "Welcome, Ms. Ana Silva"
    assert page.headers["Cache-Control"] == "no-store"
    assert client.get("/en-ca/login").location.endswith("/en-ca/account")
    response = client.post("/en-ca/logout")
    assert response.status_code == 303
    assert client.get("/en-ca/account").location.endswith("/en-ca/login")


@pytest.mark.parametrize("typed", ["ANA.SILVA@example.com", "  ana.silva@EXAMPLE.com  "])
def test_login_ignores_case_and_spaces_of_the_address(client, outbox, typed):
    registered(client, outbox)
    assert login(client, email=typed).status_code == 303


@pytest.mark.parametrize("data, message", [
    ({"email": "", "password": "x"}, "Enter your email address."),
    ({"email": "a" * 300, "password": "x"}, "An email address must be 254 characters or fewer."),
    ({"email": "a@b.c", "password": "x" * 300}, "Your password must be 256 characters or fewer."),
])
def test_login_form_errors(client, data, message):
    response = client.post("/en-ca/login", data=data)
    assert response.status_code == 422
    assert errors(response) == [message]


def test_unknown_address_wrong_password_and_locked_look_the_same(client, outbox, db):
    registered(client, outbox)
    unknown = login(client, email="nobody@example.com")
    wrong = login(client, password="not my password")
    for _ in range(2):
        login(client, password="not my password")
    locked = login(client)   # the right password, on a locked account
    assert unknown.status_code == wrong.status_code == locked.status_code == 422
    assert REFUSED in unknown.get_data(as_text=True)
    assert main_part(unknown) == main_part(wrong) == main_part(locked)


def test_three_wrong_passwords_lock_the_account_until_a_reset(client, outbox, db):
    registered(client, outbox)
    for _ in range(2):
        login(client, password="not my password")
    assert Customer.get().locked_at is None
    assert login(client).status_code == 303      # a success resets the count
    client.post("/en-ca/logout")
    for _ in range(3):
        login(client, email="ANA.silva@example.com ", password="not my password")
    customer = Customer.get()
    assert customer.locked_at is not None and customer.failed_logins == 3
    assert login(client).status_code == 422
    lock_mails = [m for m in outbox.messages() if "locked" in m["Subject"]]
    assert len(lock_mails) == 1
    assert lock_mails[0]["Subject"] == "Your MINI Financial Services account is locked"
    assert "/en-ca/forgot-password" in outbox.text(lock_mails[0])
    # More failures do not send more emails.
    login(client, password="again wrong")
    assert len([m for m in outbox.messages() if "locked" in m["Subject"]]) == 1
    # The reset unlocks.
    client.post("/en-ca/forgot-password", data={"email": "ana.silva@example.com"})
    form = open_link(client, outbox.link(outbox.last(), "/reset-password/"))
    client.post(form, data={"password": "a brand new passphrase"})
    assert Customer.get().locked_at is None
    assert login(client, password="a brand new passphrase").status_code == 303


@pytest.mark.parametrize("empty", [{"password": ""}, {}])
def test_three_empty_passwords_lock_the_account_like_three_wrong_ones(client, outbox, db, empty):
    """An empty password (or none sent) is a wrong password: counted, and
    answered with the wrong password's page, whether the address is known
    or not."""
    registered(client, outbox)
    wrong = login(client, email="nobody@example.com", password="not my password")
    answers = [client.post("/en-ca/login", data={"email": address, **empty})
               for address in ("nobody@example.com", "ana.silva@example.com",
                               "ana.silva@example.com", "ana.silva@example.com")]
    assert {a.status_code for a in answers} == {422}
    assert {main_part(a) for a in answers} == {main_part(wrong)}
    assert errors(answers[0]) == []          # no field error: the summary only
    customer = Customer.get()
    assert customer.locked_at is not None and customer.failed_logins == 3
    assert [m["Subject"] for m in outbox.messages() if "locked" in m["Subject"]] == [
        "Your MINI Financial Services account is locked"]
    assert login(client).status_code == 422      # the right password, on a locked account


def test_parallel_wrong_passwords_are_all_counted_and_lock_once(app, client, outbox, db):
    registered(client, outbox)
    customer = Customer.get()
    results = []

    def fail():
        with database.connection_context():
            results.append(lockout.record_failure(Customer, customer.id, accounts.MAX_FAILED_LOGINS))

    threads = [threading.Thread(target=fail) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1
    customer = Customer.get()
    assert customer.locked_at is not None and customer.failed_logins >= 3


def test_not_activated_account_is_told_to_activate(client, outbox):
    register(client)
    response = login(client)
    assert response.status_code == 403
    assert heading(response) == "Activate your account first"
    assert client.get("/en-ca/account").status_code == 303


def test_account_is_bound_to_its_market(client, outbox):
    registered(client, outbox)
    assert login(client, lang="en-us").status_code == 422
    login(client)
    # The Canadian session does not sign the customer in elsewhere.
    assert client.get("/en-us/account").status_code == 303
    assert client.get("/fr-ca/account").status_code == 200


def test_session_is_renewed_at_login(client, outbox):
    registered(client, outbox)
    client.get("/en-ca/register")
    with client.session_transaction() as session:
        session["something"] = "from before login"
    login(client)
    with client.session_transaction() as session:
        assert "something" not in session
        assert set(session) <= {"_user_id", "_fresh", "csrf_token", "_flashes"}
        # No personal data: the id is a random key, not the customer's.
        assert session["_user_id"] != str(Customer.get().id)


def test_logout_ends_the_session_on_the_server(client, outbox):
    registered(client, outbox)
    login(client)
    stolen = client.get_cookie("keyfob").value
    client.post("/en-ca/logout")
    thief = client.application.test_client()
    thief.set_cookie("keyfob", stolen)
    assert thief.get("/en-ca/account").status_code == 303


@pytest.mark.parametrize("field, age", [("last_seen_at", timedelta(minutes=31)),
                                        ("created_at", timedelta(hours=12, minutes=1))])
def test_sessions_expire_when_idle_or_too_old(client, outbox, db, field, age):
    registered(client, outbox)
    login(client)
    assert client.get("/en-ca/account").status_code == 200
    LoginSession.update({field: utcnow() - age}).execute()
    assert client.get("/en-ca/account").status_code == 303


def test_reset_answers_the_same_for_known_and_unknown_addresses(client, outbox):
    registered(client, outbox)
    known = client.post("/en-ca/forgot-password", data={"email": "ana.silva@example.com"})
    unknown = client.post("/en-ca/forgot-password", data={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 303
    assert known.location == unknown.location
    assert outbox.messages("nobody@example.com") == []
    assert outbox.last("ana.silva@example.com")["Subject"] == "Reset your MINI Financial Services password"


def test_reset_sets_a_new_password_without_signing_in(client, outbox, db):
    registered(client, outbox)
    elsewhere = client.application.test_client()
    login(elsewhere)
    client.post("/en-ca/forgot-password", data={"email": "ana.silva@example.com"})
    link = outbox.link(outbox.last(), "/reset-password/")
    form = open_link(client, link)
    assert form.endswith("/en-ca/reset-password")
    assert client.get(form).status_code == 200
    response = client.post(form, data={"password": "a brand new passphrase"})
    assert response.location.endswith("/en-ca/forgot-password/done")
    assert client.get("/en-ca/account").status_code == 303           # not signed in
    assert elsewhere.get("/en-ca/account").status_code == 303        # signed out everywhere
    changed = outbox.last()
    assert changed["Subject"] == "Your MINI Financial Services password was changed"
    assert login(client).status_code == 422
    assert login(client, password="a brand new passphrase").status_code == 303
    # The link works once.
    again = client.post(open_link(client, link), data={"password": "yet another passphrase"})
    assert again.status_code == 409
    assert heading(again) == "This link has already been used"


def test_reset_link_expires_after_an_hour(client, outbox, db):
    registered(client, outbox)
    client.post("/en-ca/forgot-password", data={"email": "ana.silva@example.com"})
    token = Token.get(Token.purpose == "reset")
    assert timedelta(minutes=59) < token.expires_at - utcnow() <= timedelta(hours=1)
    Token.update(expires_at=utcnow() - timedelta(seconds=1)).where(Token.id == token.id).execute()
    response = client.get(open_link(client, outbox.link(outbox.last(), "/reset-password/")))
    assert response.status_code == 410
    assert heading(response) == "This link has expired"


def test_reset_password_is_checked_by_the_policy(client, outbox):
    registered(client, outbox)
    client.post("/en-ca/forgot-password", data={"email": "ana.silva@example.com"})
    form = open_link(client, outbox.link(outbox.last(), "/reset-password/"))
    response = client.post(form, data={"password": "silva silva silva"})
    assert response.status_code == 422
    assert errors(response) == ["Your password must not contain your name or your email address."]


def test_reset_of_a_pending_account_activates_it(client, outbox, db):
    register(client)
    client.post("/en-ca/forgot-password", data={"email": "ana.silva@example.com"})
    client.post(open_link(client, outbox.link(outbox.last(), "/reset-password/")),
                data={"password": "a brand new passphrase"})
    assert Customer.get().status == "active"


def test_someone_registering_a_known_address_cannot_take_it_over(client, outbox, db):
    """The first registrant's password stays; the owner's email offers a reset."""
    register(client, password="attacker passphrase 1")
    victim = client.application.test_client()
    register(victim, password="victims own passphrase")
    notice = outbox.last()
    assert notice["Subject"].startswith("You already have")
    victim.post(open_link(victim, outbox.link(notice, "/reset-password/")),
                data={"password": "victims own passphrase"})
    assert login(victim, password="victims own passphrase").status_code == 303
    assert login(client.application.test_client(), password="attacker passphrase 1").status_code == 422
