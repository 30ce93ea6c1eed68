"""The admins' back office: adding members (the initial password shown
once), roles, deactivation that signs out at once, second factor and lock
resets, the rules that keep an admin in charge, unlocking a customer found
by address, the security log with its filters and keyset pages; and every
admin URL refused to everyone else."""
import glob
import os
import re
import threading
from datetime import date, datetime, timedelta

import pytest

from domain import admin, staff as staff_accounts
from domain.db import database
from models import Customer, RecoveryCode, SecurityEvent, Staff, StaffSession
from support.customers import login, registered
from support.queries import counted_queries
from support.reading import errors, heading
from support.staff import STAFF_PASSWORD, sign_in, staff_member, staff_signed_in

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CUSTOMER = "ana.silva@example.com"


def page(response):
    return response.get_data(as_text=True)


def fresh(member):
    return Staff.get_by_id(member.id)


def events(kind):
    return list(SecurityEvent.select().where(SecurityEvent.kind == kind).order_by(SecurityEvent.id))


def summary(response):
    """The error summary's lines."""
    found = re.search(r'<div class="error-summary".*?<ul>(.*?)</ul>', page(response), re.S)
    return [re.sub(r"<[^>]+>", "", line).strip()
            for line in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)] if found else []


def password_step(client, email, password=STAFF_PASSWORD):
    return client.post("/staff/login", data={"email": email, "password": password})


def act(client, member, action, **data):
    return client.post(f"/staff/admin/staff/{member.id}", data=dict(data, action=action))


@pytest.fixture
def admin_client(client, db):
    """A client signed in as an admin, Ada; the admin is client.admin."""
    client.admin = staff_signed_in(client, role="admin", name="Ada Admin")
    return client


# --- who may open the admin pages ----------------------------------------------------------

ADMIN_URLS = ["/staff/admin/staff", "/staff/admin/staff/{id}", "/staff/admin/staff/{id}/created",
              "/staff/admin/customers", "/staff/admin/security-log"]
POST_URLS = ["/staff/admin/staff", "/staff/admin/staff/{id}", "/staff/admin/customers"]


def test_every_admin_route_is_in_this_test(app):
    routes = {rule.rule.replace("<id:staff_id>", "{id}") for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("admin.")}
    assert routes == set(ADMIN_URLS)


@pytest.mark.parametrize("role", ["agent", "marketer"])
def test_agents_and_marketers_get_403_and_a_log_entry(client, db, role):
    member = staff_signed_in(client, role=role)
    target, _, _ = staff_member("agent")
    for url in ADMIN_URLS:
        response = client.get(url.format(id=target.id))
        assert response.status_code == 403, url
        assert heading(response) == "You cannot open this page"
    for url in POST_URLS:
        response = client.post(url.format(id=target.id),
                               data={"action": "deactivate", "role": "admin", "email": "x@y.zz",
                                     "name": "X", "market": "ca", "customer_id": "1"})
        assert response.status_code == 403, url
    refused = events("role_refused")
    assert len(refused) == len(ADMIN_URLS) + len(POST_URLS)
    assert {e.staff_id for e in refused} == {member.id}
    assert {e.detail for e in refused} == {"admin.staff", "admin.member", "admin.created",
                                          "admin.customers", "admin.security_log"}
    # Nothing was changed.
    assert fresh(target).active and fresh(target).role == "agent"
    assert Staff.select().count() == 2


def test_customers_and_anonymous_visitors_are_sent_to_the_staff_login(client, outbox, db):
    target, _, _ = staff_member("agent")
    registered(client, outbox)
    for signed_in in (False, True):
        if signed_in:
            assert login(client).status_code == 303
        for url in ADMIN_URLS:
            response = client.get(url.format(id=target.id))
            assert response.status_code == 303 and response.location.endswith("/staff/login"), url
        for url in POST_URLS:
            response = client.post(url.format(id=target.id), data={"action": "deactivate"})
            assert response.status_code == 303 and response.location.endswith("/staff/login"), url
    assert fresh(target).active
    assert events("role_refused") == []


def test_a_member_whose_password_is_typed_but_not_the_code_is_not_signed_in(client, db):
    member, _, _ = staff_member("admin")
    password_step(client, member.email)
    assert client.get("/staff/admin/staff").location.endswith("/staff/login")


def test_the_home_page_links_to_the_admin_pages(admin_client):
    html = page(admin_client.get("/staff"))
    for url in ("/staff/admin/staff", "/staff/admin/customers", "/staff/admin/security-log"):
        assert f'href="{url}"' in html


# --- the staff list and adding a member ---------------------------------------------------

def test_the_list_shows_every_member_and_their_state(admin_client, clock):
    clock.set_now(datetime(2026, 11, 2, 9, 30))
    agent, _, _ = staff_member("agent", name="Aaron Agent", email="aaron@keyfob.example")
    gone, _, _ = staff_member("marketer", name="Gus Gone", enrolled=False,
                              email="gus@keyfob.example")
    staff_accounts.deactivate(gone)
    Staff.update(last_login_at=datetime(2026, 11, 1, 8, 15)).where(Staff.id == agent.id).execute()
    response = admin_client.get("/staff/admin/staff")
    assert response.status_code == 200 and heading(response) == "Staff and roles"
    assert response.headers["Cache-Control"] == "no-store"
    items = re.findall(r"<li>(.*?)</li>", page(response).split('id="members"')[1].split("</ul>")[0],
                       re.S)
    text = [re.sub(r"<[^>]+>", "", item) for item in items]
    assert len(text) == 3
    aaron = next(t for t in text if "Aaron Agent" in t)
    assert "aaron@keyfob.example" in aaron and "Agent" in aaron and "Active" in aaron
    assert "Authenticator app set up" in aaron and "Last sign-in: 2026-11-01 08:15 UTC" in aaron
    gus = next(t for t in text if "Gus Gone" in t)
    assert "Marketer" in gus and "Deactivated" in gus and "Authenticator app not set up" in gus
    assert "Never signed in" in gus
    assert f'href="/staff/admin/staff/{agent.id}"' in page(response)


def test_adding_a_member_shows_the_initial_password_once(app, admin_client):
    response = admin_client.post("/staff/admin/staff", data={
        "email": " Nia.Agent@Keyfob.example ", "name": " Nia Agent ", "role": "agent"})
    member = Staff.get(Staff.email == "nia.agent@keyfob.example")
    assert response.status_code == 303
    assert response.location.endswith(f"/staff/admin/staff/{member.id}/created")
    assert (member.name, member.role, member.active, member.totp_confirmed_at) == (
        "Nia Agent", "agent", True, None)
    # No password exists before the page is opened: none waits anywhere in clear.
    assert member.password_hash == staff_accounts.PASSWORD_NOT_ISSUED
    with admin_client.session_transaction() as session:
        assert set(session) <= {"staff", "_flashes", "csrf_token", "_fresh"}

    shown = admin_client.get(response.location)
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    password = re.search(r'<code id="initial-password"[^>]*>([^<]+)</code>', page(shown)).group(1)
    assert len(password) >= 20 and password not in fresh(member).password_hash
    assert "It is shown only this once." in page(shown)
    again = admin_client.get(response.location)
    assert again.status_code == 200 and 'id="initial-password"' not in page(again)
    assert "shown once already" in page(again)

    created, shown_events = events("staff_created"), events("staff_password_shown")
    assert [(e.staff_id, e.detail) for e in created] == [(admin_client.admin.id,
                                                         f"staff {member.id}: agent")]
    assert [(e.staff_id, e.detail) for e in shown_events] == [(admin_client.admin.id,
                                                              f"staff {member.id}")]
    # The password works: the new member sets up an authenticator app first.
    other = app.test_client()
    assert password_step(other, "nia.agent@keyfob.example", password).location.endswith(
        "/staff/second-factor/setup")
    assert "Nia Agent" in page(admin_client.get("/staff/admin/staff"))


def test_a_member_without_a_password_yet_cannot_sign_in(app, admin_client):
    admin_client.post("/staff/admin/staff", data={"email": "new@keyfob.example", "name": "New",
                                                  "role": "agent"})
    other = app.test_client()
    for password in (staff_accounts.PASSWORD_NOT_ISSUED, "", "x" * 20):
        assert password_step(other, "new@keyfob.example", password).status_code == 422


@pytest.mark.parametrize("data, field_errors", [
    ({"email": "agent@keyfob.example", "name": "Again", "role": "agent"},
     ["This email address has a staff account already."]),
    ({"email": " AGENT@keyfob.EXAMPLE", "name": "Again", "role": "admin"},
     ["This email address has a staff account already."]),
    ({"email": "not an address", "name": "New", "role": "agent"},
     ["Enter an email address in the right format, like name@example.com."]),
    ({"email": "new@keyfob.example", "name": "New", "role": "boss"}, ["Choose a role."]),
    ({"email": "new@keyfob.example", "name": "New"}, ["Choose a role."]),
    ({"email": "", "name": "", "role": ""},
     ["Enter the member's email address.", "Enter the member's name.", "Choose a role."]),
    ({"email": "new@keyfob.example", "name": "N" * 101, "role": "agent"},
     ["The name must be 100 characters or fewer."]),
    ({"email": "new@keyfob.example", "name": "Ne\x00w", "role": "agent"},
     ["Remove the special characters from this field."]),
    ({"email": "x" * 300 + "@keyfob.example", "name": "New", "role": "agent"},
     ["An email address must be 254 characters or fewer."]),
])
def test_adding_a_member_refuses_bad_values(admin_client, data, field_errors):
    staff_member("agent", email="agent@keyfob.example")
    response = admin_client.post("/staff/admin/staff", data=data)
    assert response.status_code == 422
    assert errors(response) == field_errors
    assert summary(response) == field_errors
    assert page(response).count("<title>Error: Staff and roles") == 1
    assert Staff.select().count() == 2
    assert events("staff_created") == []
    if data.get("name") == "Again":
        assert 'value="Again"' in page(response)           # the input is kept


def test_two_admins_adding_one_address_at_once_make_one_member(db):
    first, _, _ = staff_member("admin")
    second, _, _ = staff_member("admin")
    results = []

    def add(by):
        with database.connection_context():
            try:
                results.append(admin.add_member("same@keyfob.example", "Same", "agent", by=by).id)
            except staff_accounts.AddressTaken:
                results.append("taken")

    threads = [threading.Thread(target=add, args=(by,)) for by in (first, second, first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=str).count("taken") == 3
    assert Staff.select().where(Staff.email == "same@keyfob.example").count() == 1
    assert len(events("staff_created")) == 1


# --- one member's page ---------------------------------------------------------------------

def test_a_missing_member_is_a_404_in_the_back_office(admin_client):
    for response in (admin_client.get("/staff/admin/staff/999"),
                     admin_client.get("/staff/admin/staff/999/created"),
                     admin_client.post("/staff/admin/staff/999", data={"action": "deactivate"})):
        assert response.status_code == 404
        assert "Keyfob back office" in page(response)


def test_the_member_page_shows_their_state(admin_client):
    agent, _, _ = staff_member("agent", name="Aaron Agent", email="aaron@keyfob.example")
    response = admin_client.get(f"/staff/admin/staff/{agent.id}")
    assert response.status_code == 200 and heading(response) == "Aaron Agent"
    html = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page(response)))
    for text in ("aaron@keyfob.example", "Role Agent", "Account Active", "Password Set",
                 "Authenticator app Set up", "Last sign-in Never"):
        assert text in html
    assert 'id="role-agent" name="role" value="agent" checked' in page(response)


def test_changing_a_role_takes_effect_at_once(app, admin_client):
    agent, password, totp = staff_member("agent", name="Aaron Agent")
    agent_client = app.test_client()
    sign_in(agent_client, agent, password, totp)
    assert agent_client.get("/staff/admin/staff").status_code == 403

    response = act(admin_client, agent, "role", role="admin")
    assert response.status_code == 303 and response.location.endswith(f"/staff/admin/staff/{agent.id}")
    assert "Aaron Agent is now: Admin." in page(admin_client.get(response.location))
    assert fresh(agent).role == "admin"
    assert agent_client.get("/staff/admin/staff").status_code == 200

    act(admin_client, agent, "role", role="marketer")
    assert agent_client.get("/staff/admin/staff").status_code == 403
    assert [(e.staff_id, e.detail) for e in events("staff_role_changed")] == [
        (admin_client.admin.id, f"staff {agent.id}: agent to admin"),
        (admin_client.admin.id, f"staff {agent.id}: admin to marketer")]
    # The same role again changes (and logs) nothing.
    assert act(admin_client, agent, "role", role="marketer").status_code == 303
    assert len(events("staff_role_changed")) == 2


@pytest.mark.parametrize("role", ["", "boss", "x" * 5000, "\x00"])
def test_a_bad_role_is_refused(admin_client, role):
    agent, _, _ = staff_member("agent")
    response = act(admin_client, agent, "role", role=role)
    assert response.status_code == 422
    assert errors(response) == ["Choose a role."]
    assert fresh(agent).role == "agent"


def test_an_admin_cannot_change_their_own_role_or_deactivate_themself(admin_client):
    me = admin_client.admin
    staff_member("admin")           # another admin: being the last is not the reason
    own = admin_client.get(f"/staff/admin/staff/{me.id}")
    assert "This is your own account" in page(own)
    assert 'value="deactivate"' not in page(own) and 'name="role"' not in page(own)
    message = "You cannot do this to your own account. Ask another admin."
    for action in ("role", "deactivate", "password"):
        response = act(admin_client, me, action, role="agent")
        assert response.status_code == 422 and summary(response) == [message]
    assert fresh(me).role == "admin" and fresh(me).active
    assert admin_client.get("/staff/admin/staff").status_code == 200      # still signed in


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(db):
    only, _, _ = staff_member("admin")
    inactive, _, _ = staff_member("admin")
    staff_accounts.deactivate(inactive)
    operator, _, _ = staff_member("agent")    # e.g. a script acting for no admin
    for change in (lambda: admin.change_role(only, "agent", by=operator),
                   lambda: admin.deactivate(only, by=operator)):
        with pytest.raises(admin.Refused) as refused:
            change()
        assert refused.value.reason == "last_admin"
    assert fresh(only).role == "admin" and fresh(only).active
    # An admin who is deactivated does not count, and may be demoted.
    assert admin.change_role(inactive, "agent", by=only)


def test_two_admins_demoting_each_other_at_once_leave_one_admin(app, db):
    first, _, _ = staff_member("admin")
    second, _, _ = staff_member("admin")
    results = []

    def demote(member, by):
        with database.connection_context():
            try:
                results.append(admin.change_role(member, "agent", by=by))
            except admin.Refused as refused:
                results.append(refused.reason)

    threads = [threading.Thread(target=demote, args=(first, second)),
               threading.Thread(target=demote, args=(second, first))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(str, results)) == ["True", "last_admin"]
    assert Staff.select().where(Staff.role == "admin").count() == 1


def test_deactivating_signs_the_member_out_at_once(app, admin_client):
    agent, password, totp = staff_member("agent", name="Aaron Agent")
    agent_client = app.test_client()
    sign_in(agent_client, agent, password, totp)
    assert agent_client.get("/staff").status_code == 200

    response = act(admin_client, agent, "deactivate")
    assert response.status_code == 303
    assert "Aaron Agent is deactivated and signed out everywhere." in page(
        admin_client.get(response.location))
    assert agent_client.get("/staff").location.endswith("/staff/login")
    assert StaffSession.get(StaffSession.staff == agent.id).ended_at is not None
    assert password_step(agent_client, agent.email, password).status_code == 422
    assert [(e.staff_id, e.detail) for e in events("staff_deactivated")] == [
        (admin_client.admin.id, f"staff {agent.id}")]
    member_page = page(admin_client.get(f"/staff/admin/staff/{agent.id}"))
    assert "Deactivated" in member_page and 'value="reactivate"' in member_page
    # Twice is no error and logs nothing more.
    assert act(admin_client, agent, "deactivate").status_code == 303
    assert len(events("staff_deactivated")) == 1

    response = act(admin_client, agent, "reactivate")
    assert response.status_code == 303
    assert fresh(agent).active
    assert [(e.staff_id, e.detail) for e in events("staff_reactivated")] == [
        (admin_client.admin.id, f"staff {agent.id}")]
    assert sign_in(agent_client, agent, password, totp).location.endswith("/staff")


def test_resetting_the_second_factor_means_setting_up_the_app_again(app, admin_client):
    agent, password, totp = staff_member("agent")
    staff_accounts.issue_recovery_codes(agent)
    agent_client = app.test_client()
    sign_in(agent_client, agent, password, totp)

    response = act(admin_client, agent, "second_factor")
    assert response.status_code == 303
    assert "will set up an authenticator app at the next sign-in" in page(
        admin_client.get(response.location))
    assert agent_client.get("/staff").location.endswith("/staff/login")
    assert fresh(agent).totp_confirmed_at is None and fresh(agent).totp_secret_sealed == ""
    assert RecoveryCode.select().where(RecoveryCode.staff == agent.id).count() == 0
    assert password_step(agent_client, agent.email, password).location.endswith(
        "/staff/second-factor/setup")
    assert [(e.staff_id, e.detail) for e in events("staff_second_factor_reset")] == [
        (admin_client.admin.id, f"staff {agent.id}")]
    # No app, nothing to reset: the button is gone.
    assert 'value="second_factor"' not in page(admin_client.get(f"/staff/admin/staff/{agent.id}"))


def test_unlocking_a_member_locked_by_wrong_passwords(app, admin_client):
    agent, password, totp = staff_member("agent")
    agent_client = app.test_client()
    for _ in range(staff_accounts.MAX_FAILED_LOGINS):
        password_step(agent_client, agent.email, "not the password")
    assert password_step(agent_client, agent.email, password).status_code == 422
    member_page = page(admin_client.get(f"/staff/admin/staff/{agent.id}"))
    assert "Locked after too many wrong passwords" in member_page and 'value="unlock"' in member_page

    response = act(admin_client, agent, "unlock")
    assert response.status_code == 303
    assert fresh(agent).locked_at is None and fresh(agent).failed_logins == 0
    assert [(e.staff_id, e.detail) for e in events("staff_unlocked")] == [
        (admin_client.admin.id, f"staff {agent.id}")]
    assert sign_in(agent_client, agent, password, totp).location.endswith("/staff")


def test_a_new_password_replaces_the_old_one_and_is_shown_once(app, admin_client):
    agent, password, totp = staff_member("agent")
    agent_client = app.test_client()
    sign_in(agent_client, agent, password, totp)
    response = act(admin_client, agent, "password")
    assert response.status_code == 303
    assert response.location.endswith(f"/staff/admin/staff/{agent.id}/created")
    assert agent_client.get("/staff").location.endswith("/staff/login")
    assert password_step(agent_client, agent.email, password).status_code == 422
    # Until the page is opened, the member page links to it.
    assert f'href="/staff/admin/staff/{agent.id}/created"' in page(
        admin_client.get(f"/staff/admin/staff/{agent.id}"))
    new = re.search(r'id="initial-password"[^>]*>([^<]+)<',
                    page(admin_client.get(response.location))).group(1)
    assert sign_in(agent_client, agent, new, totp).location.endswith("/staff")
    assert [(e.staff_id, e.detail) for e in events("staff_password_renewed")] == [
        (admin_client.admin.id, f"staff {agent.id}")]


@pytest.mark.parametrize("data", [{}, {"action": "explode"}, {"action": "x" * 5000},
                                  {"action": "\x00"}])
def test_an_unknown_action_is_an_error_not_a_change(admin_client, data):
    agent, _, _ = staff_member("agent")
    response = admin_client.post(f"/staff/admin/staff/{agent.id}", data=data)
    assert response.status_code == 422
    assert summary(response) == ["Choose one of the actions below."]
    assert fresh(agent).active and fresh(agent).role == "agent"


def test_htmx_gets_the_member_page_fragment_with_its_error(admin_client):
    response = admin_client.post(f"/staff/admin/staff/{admin_client.admin.id}",
                                 data={"action": "deactivate"}, headers={"HX-Request": "true"})
    html = page(response)
    assert response.status_code == 422
    assert html.startswith("<title>Error: Ada Admin – Keyfob back office")
    assert "<html" not in html and 'class="error-summary"' in html


def test_every_admin_change_logs_ids_only(app, admin_client):
    agent, password, _ = staff_member("agent")
    admin_client.post("/staff/admin/staff", data={"email": "new@keyfob.example", "name": "New Person",
                                                  "role": "marketer"})
    for action, data in (("role", {"role": "admin"}), ("role", {"role": "agent"}),
                         ("deactivate", {}), ("reactivate", {}), ("second_factor", {}),
                         ("unlock", {}), ("password", {})):
        act(admin_client, agent, action, **data)
    admin_events = SecurityEvent.select().where(SecurityEvent.kind.startswith("staff_"),
                                                SecurityEvent.kind != "staff_login")
    assert {e.kind for e in admin_events} == {
        "staff_created", "staff_role_changed", "staff_deactivated", "staff_reactivated",
        "staff_second_factor_reset", "staff_unlocked", "staff_password_renewed"}
    for event in admin_events:
        assert event.staff_id == admin_client.admin.id and event.customer_id is None
        assert re.fullmatch(r"staff \d+(: [a-z]+( to [a-z]+)?)?", event.detail), event.detail


# --- customers -------------------------------------------------------------------------------

def locked_customer(app, outbox):
    """A customer of the Canadian market, locked by three wrong passwords
    typed at the sign-in."""
    customer_client = app.test_client()
    registered(customer_client, outbox)
    for _ in range(3):
        assert login(customer_client, password="not the password at all").status_code == 422
    customer = Customer.get(Customer.email_key == CUSTOMER)
    assert customer.locked_at is not None
    return customer_client, customer


def find(client, market="ca", email=CUSTOMER):
    return client.post("/staff/admin/customers", data={"market": market, "email": email})


def test_an_admin_finds_a_locked_customer_and_unlocks_them(app, admin_client, outbox):
    customer_client, customer = locked_customer(app, outbox)
    assert login(customer_client).status_code == 422           # the right password, refused

    form_page = admin_client.get("/staff/admin/customers")
    assert form_page.status_code == 200 and heading(form_page) == "Customer accounts"
    assert CUSTOMER not in page(form_page)                     # no listing
    response = find(admin_client, email=" Ana.Silva@Example.com ")
    assert response.status_code == 200
    html = page(response)
    assert f"Customer {customer.id}" in html and "Ana Silva" in html
    assert "Locked since" in html and 'name="customer_id" value="%d"' % customer.id in html

    response = admin_client.post("/staff/admin/customers",
                                 data={"action": "unlock", "customer_id": str(customer.id)})
    assert response.status_code == 303 and response.location.endswith("/staff/admin/customers")
    assert f"Customer {customer.id} is unlocked" in page(admin_client.get(response.location))
    customer = Customer.get_by_id(customer.id)
    assert customer.locked_at is None and customer.failed_logins == 0
    unlocked = events("customer_unlocked_by_staff")
    assert [(e.customer_id, e.staff_id, e.detail) for e in unlocked] == [
        (customer.id, admin_client.admin.id, "")]
    assert login(customer_client).status_code == 303
    assert "Not locked" in page(find(admin_client))


def test_a_customer_not_locked_has_no_unlock_button(admin_client, client, outbox):
    registered(client.application.test_client(), outbox)
    html = page(find(admin_client))
    assert "Not locked" in html and 'value="unlock"' not in html


@pytest.mark.parametrize("data, field_errors", [
    ({"market": "at", "email": CUSTOMER},
     ["No customer of this market has this email address. It must be exact."]),
    ({"market": "ca", "email": "ana.silva@example.co"},
     ["No customer of this market has this email address. It must be exact."]),
    ({"market": "ca", "email": "ana.silva"},
     ["Enter an email address in the right format, like name@example.com."]),
    ({"market": "ca", "email": "%"},
     ["Enter an email address in the right format, like name@example.com."]),
    ({"market": "", "email": ""},
     ["Choose the market of the customer's account.", "Enter the customer's email address."]),
    ({"market": "xx", "email": CUSTOMER}, ["Choose the market of the customer's account."]),
    ({"market": "ca", "email": "a\x00@example.com"},
     ["Enter an email address in the right format, like name@example.com."]),
])
def test_finding_a_customer_errors(admin_client, outbox, data, field_errors):
    registered(admin_client.application.test_client(), outbox)
    response = admin_client.post("/staff/admin/customers", data=data)
    assert response.status_code == 422
    assert errors(response) == field_errors
    assert "Ana Silva" not in page(response)


@pytest.mark.parametrize("customer_id", ["", "abc", "0", "-1", "99999", "9" * 40, "\x00"])
def test_unlocking_a_customer_that_is_not_there(admin_client, customer_id):
    response = admin_client.post("/staff/admin/customers",
                                 data={"action": "unlock", "customer_id": customer_id})
    assert response.status_code == 422
    assert summary(response) == ["Find the customer again, then unlock the account."]
    assert events("customer_unlocked_by_staff") == []


def test_the_customer_market_names_follow_the_language(admin_client):
    admin_client.set_cookie("site", "de-at")
    html = page(admin_client.get("/staff/admin/customers"))
    assert ">Kanada</label>" in html and ">Österreich</label>" in html


# --- the security log ---------------------------------------------------------------------

def shown_ids(response):
    return [int(i) for i in re.findall(r'<li data-id="(\d+)">', page(response))]


def link(response, text):
    found = re.search(r'<a href="([^"]+)">' + re.escape(text) + "</a>", page(response))
    return found.group(1).replace("&amp;", "&") if found else None


def newest_first(query=None):
    query = query or SecurityEvent.select()
    return [e.id for e in query.order_by(SecurityEvent.created_at.desc(), SecurityEvent.id.desc())]


def test_the_log_pages_newest_first_by_keyset(admin_client):
    start = datetime(2026, 3, 1, 12, 0)
    SecurityEvent.delete().execute()
    # 130 entries, many sharing their second: the id breaks ties. Ids are
    # made out of time order too (a clock moved back), which the pages follow.
    rows = [dict(kind="login", created_at=start + timedelta(seconds=(n * 7) % 40), detail="")
            for n in range(130)]
    SecurityEvent.insert_many(rows).execute()
    expected = newest_first()

    seen = []
    response = admin_client.get("/staff/admin/security-log")
    assert response.status_code == 200 and link(response, "Newer entries") is None
    while True:
        ids = shown_ids(response)
        assert 0 < len(ids) <= admin.PAGE_SIZE
        seen.extend(ids)
        older = link(response, "Older entries")
        if older is None:
            break
        assert re.fullmatch(r"/staff/admin/security-log\?before=\d+", older)
        response = admin_client.get(older)
    assert seen == expected[:len(seen)] and len(seen) == len(expected)
    assert [len(chunk) for chunk in (seen[:50], seen[50:100], seen[100:])] == [50, 50, 30]

    # And back: the newer pages are the same pages.
    newer = link(response, "Newer entries")
    response = admin_client.get(newer)
    assert shown_ids(response) == expected[50:100]
    response = admin_client.get(link(response, "Newer entries"))
    assert shown_ids(response) == expected[:50] and link(response, "Newer entries") is None


def test_the_log_filters(app, admin_client, outbox, clock):
    clock.set_now(datetime(2026, 3, 1, 10, 0))
    customer_client, customer = locked_customer(app, outbox)
    clock.set_now(datetime(2026, 3, 5, 23, 59, 59))
    agent, _, _ = staff_member("agent", name="Aaron Agent")
    staff_accounts.deactivate(agent, by=admin_client.admin)
    clock.set_now(datetime(2026, 3, 6, 0, 0))
    staff_accounts.unlock(agent, by=admin_client.admin)
    clock.set_now(None)

    def shown(**query):
        response = admin_client.get("/staff/admin/security-log", query_string=query)
        assert response.status_code == 200, errors(response)
        return response, shown_ids(response)

    response, ids = shown(kind="locked")
    assert ids == [e.id for e in events("locked")] and len(ids) == 1
    assert f"Customer {customer.id}" in page(response)
    assert 'option value="locked" selected' in page(response)

    _, ids = shown(customer=str(customer.id))
    assert ids == newest_first(SecurityEvent.select().where(SecurityEvent.customer == customer.id))
    assert len(ids) >= 4          # activated, login_failed twice, locked

    response, ids = shown(staff=str(admin_client.admin.id), date_from="2026-03-05",
                          date_to="2026-03-05")
    assert ids == [e.id for e in events("staff_deactivated")]
    assert f"Staff {admin_client.admin.id} (Ada Admin)" in page(response)
    assert f"staff {agent.id}" in page(response)
    assert "2026-03-05 23:59:59 UTC" in page(response)

    _, ids = shown(date_from="2026-03-06", kind="staff_unlocked")
    assert ids == [e.id for e in events("staff_unlocked")]
    _, ids = shown(date_to="2026-03-01")
    assert set(ids) == {e.id for e in SecurityEvent.select().where(
        SecurityEvent.created_at < datetime(2026, 3, 2))} and ids
    _, ids = shown(kind="staff_reactivated")
    assert ids == []
    assert "No entry matches." in page(admin_client.get("/staff/admin/security-log",
                                                        query_string={"kind": "staff_reactivated"}))
    # The far ends of the calendar are dates like any other.
    shown(date_from="0001-01-01", date_to="9999-12-31")


def test_filters_are_kept_in_the_page_links(admin_client, clock):
    clock.set_now(datetime(2026, 3, 1, 12, 0))
    SecurityEvent.insert_many([dict(kind="login", created_at=datetime(2026, 3, 1, 12, 0),
                                    detail="")] * 60
                              + [dict(kind="locked", created_at=datetime(2026, 3, 1, 12, 0),
                                      detail="")] * 60).execute()
    response = admin_client.get("/staff/admin/security-log?kind=locked&date_from=2026-03-01")
    older = link(response, "Older entries")
    assert "kind=locked" in older and "date_from=2026-03-01" in older
    response = admin_client.get(older)
    assert len(shown_ids(response)) == 10
    shown = SecurityEvent.select().where(SecurityEvent.id.in_(shown_ids(response)))
    assert {e.kind for e in shown} == {"locked"}


@pytest.mark.parametrize("query, message", [
    ({"kind": "nope"}, "Choose a kind from the list."),
    ({"kind": "x" * 5000}, "Choose a kind from the list."),
    ({"customer": "abc"}, "Enter a customer id of digits only, like 42."),
    ({"customer": "0"}, "Enter a customer id of digits only, like 42."),
    ({"customer": "-1"}, "Enter a customer id of digits only, like 42."),
    ({"customer": "9" * 30}, "Enter a customer id of digits only, like 42."),
    ({"customer": "1e3"}, "Enter a customer id of digits only, like 42."),
    ({"staff": "\x00"}, "Enter a staff id of digits only, like 7."),
    ({"staff": "٣"}, "Enter a staff id of digits only, like 7."),
    ({"date_from": "2026-02-30"}, "Enter a real date, like 2026-11-02."),
    ({"date_from": "2026-13-01"}, "Enter a real date, like 2026-11-02."),
    ({"date_from": "02/11/2026"}, "Enter a real date, like 2026-11-02."),
    ({"date_to": "2026-1-2"}, "Enter a real date, like 2026-11-02."),
    ({"date_to": "x" * 10_000}, "Enter a real date, like 2026-11-02."),
    ({"date_from": "2026-03-02", "date_to": "2026-03-01"},
     "The end date must be the same as the start date or after it."),
])
def test_bad_filter_values_get_an_error_not_a_500(admin_client, query, message):
    response = admin_client.get("/staff/admin/security-log", query_string=query)
    assert response.status_code == 422
    assert errors(response) == [message]
    assert summary(response) == [message]
    assert shown_ids(response) == []
    assert page(response).startswith("<!doctype html>") and "<title>Error: Security log" in page(response)


@pytest.mark.parametrize("query", [{"before": "abc"}, {"before": "0"}, {"after": "-5"},
                                   {"before": "999999"}, {"after": "999999"},
                                   {"before": "9" * 50}, {"before": ""}])
def test_bad_page_links_get_an_error_not_a_500(admin_client, query):
    response = admin_client.get("/staff/admin/security-log", query_string=query)
    assert response.status_code == 422
    assert summary(response) == [
        "This page of the log does not exist. Start again from the newest entries."]


def test_a_page_of_the_log_costs_the_same_queries_for_many_staff(admin_client):
    url = "/staff/admin/security-log"
    admin_client.get(url)
    with counted_queries() as few:
        admin_client.get(url)
    for n in range(60):
        member, _, _ = staff_member("agent")
        SecurityEvent.create(kind="staff_login", staff=member, detail="session 1")
    admin_client.get(url)
    with counted_queries() as many:
        response = admin_client.get(url)
    assert len(shown_ids(response)) == admin.PAGE_SIZE
    assert len(many) == len(few)


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="SQLite's query plan")
def test_a_page_of_the_log_is_an_index_range_not_a_sort(app, db):
    """At millions of rows a page must not sort the table: SQLite walks
    the created_at index (whose entries end with the rowid, the id)."""
    SecurityEvent.create(kind="login")
    anchor = admin._anchor(SecurityEvent.get().id)
    for query in (admin._filtered(admin.LogFilter()).order_by(*admin.NEWEST_FIRST).limit(51),
                  admin._filtered(admin.LogFilter()).where(admin._older_than(anchor))
                  .order_by(*admin.NEWEST_FIRST).limit(51)):
        sql, params = query.sql()
        plan = " | ".join(str(row) for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
        assert "TEMP B-TREE" not in plan, plan
        assert "created_at" in plan, plan


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="SQLite's query plan")
@pytest.mark.parametrize("log_filter, index", [
    (admin.LogFilter(kind="locked"), "security_event_kind_created_at_id"),
    (admin.LogFilter(customer_id=1), "security_event_customer_id_created_at_id"),
    (admin.LogFilter(staff_id=1), "security_event_staff_id_created_at_id"),
    (admin.LogFilter(kind="locked", date_from=date(2026, 1, 1)), "security_event_kind_created_at_id"),
])
def test_a_filtered_page_of_the_log_is_a_range_of_its_index(app, db, log_filter, index):
    """Filtered by kind, customer or staff member, a page reads the range
    of that filter's (filter, created_at, id) index in the page's order:
    no sort of every match, no walk of the whole log by time for a rare
    kind (migrations/0011)."""
    SecurityEvent.create(kind="login")
    anchor = admin._anchor(SecurityEvent.get().id)
    for query in (admin._filtered(log_filter).order_by(*admin.NEWEST_FIRST).limit(51),
                  admin._filtered(log_filter).where(admin._older_than(anchor))
                  .order_by(*admin.NEWEST_FIRST).limit(51)):
        sql, params = query.sql()
        plan = " | ".join(str(row) for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
        assert "TEMP B-TREE" not in plan, plan
        assert index in plan, plan


def test_every_kind_of_event_the_code_writes_is_in_the_filter():
    """KINDS is written by hand (reading the kinds in use from millions of
    rows would be slow): this finds the kinds in the source."""
    kinds = set()
    for path in glob.glob(os.path.join(ROOT, "**", "*.py"), recursive=True):
        if "/.venv/" in path or "/tests/" in path:
            continue
        with open(path, encoding="utf-8") as f:
            source = f.read()
        kinds.update(re.findall(r'log_event\(\s*"([a-z_]+)"', source))
        kinds.update(re.findall(r'_log_change\(\s*"([a-z_]+)"', source))
        # domain.codes logs f"{purpose}_code_sent" for each purpose codes.send() is called with.
        kinds.update(f"{purpose}_code_sent" for purpose in re.findall(r'codes\.send\(\s*"(\w+)"', source))
    assert kinds - set(admin.KINDS) == set()
    assert len(kinds) > 30


def test_log_entries_show_ids_and_staff_names_only(app, admin_client, outbox):
    customer_client, customer = locked_customer(app, outbox)
    response = admin_client.get("/staff/admin/security-log")
    html = page(response)
    assert f"Customer {customer.id}" in html
    assert CUSTOMER not in html and "Silva" not in html
    assert not any("@" in e.detail for e in SecurityEvent.select())
