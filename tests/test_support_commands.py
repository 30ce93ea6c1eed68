"""Support's commands: `flask accounts unlock EMAIL` lifts a customer's lock
the way an admin's button does, `flask staff reset-2fa EMAIL` makes a member
set up their authenticator app again and signs them out. Both write the
security log and answer an unknown address with a sentence and exit 1."""
import pytest

from domain import staff as staff_accounts
from models import Customer, RecoveryCode, SecurityEvent, Staff
from support.customers import login, registered
from support.staff import sign_in, staff_member

CUSTOMER = "ana.silva@example.com"


def events(kind):
    return list(SecurityEvent.select().where(SecurityEvent.kind == kind).order_by(SecurityEvent.id))


def locked(app, outbox, lang="en-ca", email=CUSTOMER):
    """A customer locked by three wrong passwords at the sign-in; the
    client they use."""
    customer_client = app.test_client()
    registered(customer_client, outbox, lang=lang, email=email)
    for _ in range(3):
        assert login(customer_client, lang=lang, email=email,
                     password="not the password at all").status_code == 422
    return customer_client


def test_unlock_lets_a_locked_customer_sign_in_again(app, runner, outbox, db):
    customer_client = locked(app, outbox)
    assert login(customer_client).status_code == 422          # the right password, refused
    customer = Customer.get(Customer.email_key == CUSTOMER)

    result = runner.invoke(args=["accounts", "unlock", " Ana.Silva@Example.com "])

    assert result.exit_code == 0, result.output
    assert f"customer {customer.id} (ca) is unlocked" in result.output
    customer = Customer.get_by_id(customer.id)
    assert customer.locked_at is None and customer.failed_logins == 0
    assert [(e.customer_id, e.staff_id, e.detail) for e in events("customer_unlocked_by_staff")] == [
        (customer.id, None, "flask accounts unlock")]
    assert login(customer_client).status_code == 303


def test_unlock_of_an_account_not_locked_changes_nothing(app, runner, outbox, db):
    registered(app.test_client(), outbox)
    result = runner.invoke(args=["accounts", "unlock", CUSTOMER])
    assert result.exit_code == 0, result.output
    assert "was not locked: nothing changed" in result.output
    assert events("customer_unlocked_by_staff") == []


@pytest.mark.parametrize("args, message", [
    (["nobody@example.com"], "no customer has the address 'nobody@example.com'"),
    ([CUSTOMER, "--market", "fr"], "no customer has the address 'ana.silva@example.com' in market fr"),
    ([CUSTOMER, "--market", "xx"], "no market 'xx': choose one of at, ca, fr, us"),
    (["not an address"], "no customer has the address 'not an address'"),
])
def test_unlock_answers_an_unknown_address_with_exit_1(app, runner, outbox, db, args, message):
    locked(app, outbox)
    result = runner.invoke(args=["accounts", "unlock", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit
    assert Customer.get(Customer.email_key == CUSTOMER).locked_at is not None
    assert events("customer_unlocked_by_staff") == []


def test_unlock_asks_for_the_market_when_the_address_has_several(app, runner, outbox, db):
    locked(app, outbox, lang="en-ca")
    locked(app, outbox, lang="fr-fr")
    result = runner.invoke(args=["accounts", "unlock", CUSTOMER])
    assert result.exit_code == 1
    assert "has an account in several markets (ca, fr): choose one with --market" in result.output
    assert events("customer_unlocked_by_staff") == []

    result = runner.invoke(args=["accounts", "unlock", CUSTOMER, "--market", "fr"])
    assert result.exit_code == 0, result.output
    states = {c.market: c.locked_at for c in Customer.select()}
    assert states["fr"] is None and states["ca"] is not None


def test_reset_2fa_means_setting_up_the_app_again_and_signs_out(app, runner, db):
    agent, password, totp = staff_member("agent")
    staff_accounts.issue_recovery_codes(agent)
    agent_client = app.test_client()
    assert sign_in(agent_client, agent, password, totp).location.endswith("/staff")
    other_browser = app.test_client()
    sign_in(other_browser, agent, password, totp)

    result = runner.invoke(args=["staff", "reset-2fa", agent.email.upper()])

    assert result.exit_code == 0, result.output
    assert f"{agent.email}: authenticator app and recovery codes cleared, 2 sessions ended" \
        in result.output
    member = Staff.get_by_id(agent.id)
    assert member.totp_confirmed_at is None and member.totp_secret_sealed == ""
    assert RecoveryCode.select().where(RecoveryCode.staff == agent.id).count() == 0
    for browser in (agent_client, other_browser):
        assert browser.get("/staff").location.endswith("/staff/login")
    response = agent_client.post("/staff/login", data={"email": agent.email, "password": password})
    assert response.location.endswith("/staff/second-factor/setup")
    assert [(e.staff_id, e.detail) for e in events("staff_second_factor_reset")] == [
        (agent.id, "flask staff reset-2fa")]


def test_reset_2fa_answers_an_unknown_address_with_exit_1(app, runner, db):
    agent, _password, _totp = staff_member("agent")
    result = runner.invoke(args=["staff", "reset-2fa", "nobody@keyfob.example"])
    assert result.exit_code == 1
    assert "no staff member has the address 'nobody@keyfob.example'" in result.output
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit
    assert Staff.get_by_id(agent.id).totp_confirmed_at is not None
    assert events("staff_second_factor_reset") == []
