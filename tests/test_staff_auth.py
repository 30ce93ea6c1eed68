"""Staff accounts and their sign-in: `flask staff create|list`, password
with lockout, TOTP enrolment with recovery codes, codes that work once,
sessions apart from customers', roles, deactivation, logout, timeouts."""
import re
import threading
from datetime import datetime, timedelta

import pyotp
import pytest

from demo import sample as demo
from domain import lockout, staff as staff_accounts
from domain.db import database
from models import RecoveryCode, SecurityEvent, Staff, StaffSession
from support.customers import login, registered
from support.reading import errors, heading, page_without_csrf
from support.staff import STAFF_PASSWORD, fresh_code, sign_in, staff_member, staff_signed_in
from views.shared.guards import staff_required

REFUSED = ("The email address or password is not right. After 5 wrong tries in a row, the "
           "account is locked: an admin can unlock it.")


def password_step(client, email, password=STAFF_PASSWORD):
    return client.post("/staff/login", data={"email": email, "password": password})


def events(kind):
    return list(SecurityEvent.select().where(SecurityEvent.kind == kind).order_by(SecurityEvent.id))


def fresh(staff):
    return Staff.get_by_id(staff.id)


def page(response):
    return response.get_data(as_text=True)


def main_part(response):
    """The page without the CSRF token and the address typed (kept in the form)."""
    return re.sub(r'name="email" type="email" value="[^"]*"', "", page_without_csrf(page(response)))


def shown_secret(response):
    return re.search(r'<code id="totp-secret"[^>]*>([A-Z2-7 ]+)</code>', page(response)).group(1)


def recovery_codes_on(response):
    return re.findall(r"<li><code>([a-z2-9-]+)</code></li>", page(response))


def enrol(client, staff):
    """Password done, app not set up: set it up; the recovery codes page."""
    secret = shown_secret(client.get("/staff/second-factor/setup")).replace(" ", "")
    response = client.post("/staff/second-factor/setup",
                           data={"code": pyotp.TOTP(secret).generate_otp(staff_accounts.current_step())})
    assert response.status_code == 303 and response.location.endswith("/staff/second-factor/recovery-codes")
    return client.get("/staff/second-factor/recovery-codes")


# --- flask staff create | list -------------------------------------------------------------

def test_cli_creates_a_member_and_prints_the_password_once(runner, client, db):
    result = runner.invoke(args=["staff", "create", "Ada.Admin@Keyfob.example", "--role", "admin",
                                 "--name", "Ada Admin"])
    assert result.exit_code == 0, result.output
    password = re.search(r"initial password \(shown only now\): (\S+)", result.output).group(1)
    assert len(password) >= 20
    staff = Staff.get()
    assert (staff.email, staff.role, staff.name, staff.active) == (
        "ada.admin@keyfob.example", "admin", "Ada Admin", True)
    assert password not in staff.password_hash and staff.totp_confirmed_at is None
    # The password works; the app is set up at the first sign-in.
    response = password_step(client, "ada.admin@keyfob.example", password)
    assert response.location.endswith("/staff/second-factor/setup")

    listed = runner.invoke(args=["staff", "list"])
    assert listed.exit_code == 0
    assert "ada.admin@keyfob.example\tadmin\tAda Admin\tapp not set up\tlast sign-in: never" in listed.output
    assert password not in listed.output


@pytest.mark.parametrize("args, message", [
    (["agent@keyfob.example", "--role", "agent", "--name", "Again"], "has a staff account already"),
    (["AGENT@keyfob.example ", "--role", "agent", "--name", "Again"], "has a staff account already"),
    (["new@keyfob.example", "--role", "boss", "--name", "New"], "unknown role 'boss'"),
    (["not an address", "--role", "agent", "--name", "New"], "is not a valid email address"),
    (["new@keyfob.example", "--role", "agent", "--name", " "], "the name must be"),
])
def test_cli_refuses_duplicates_and_bad_values(runner, db, args, message):
    assert runner.invoke(args=["staff", "create", "agent@keyfob.example", "--role", "agent",
                               "--name", "First"]).exit_code == 0
    result = runner.invoke(args=["staff", "create", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert Staff.select().count() == 1


def test_cli_list_without_members(runner, db):
    assert "no staff members yet" in runner.invoke(args=["staff", "list"]).output


def test_a_given_password_must_meet_the_policy(db):
    with pytest.raises(staff_accounts.StaffError, match="too short"):
        staff_accounts.create("a@keyfob.example", "A", "agent", password="short")
    staff, password = staff_accounts.create("a@keyfob.example", "A", "agent", password=STAFF_PASSWORD)
    assert password == STAFF_PASSWORD and staff_accounts.authenticate("A@keyfob.example", password)


def test_demo_load_makes_one_member_per_role_with_the_demo_secret(runner, client, db):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "DEMO ONLY" in result.output and demo.STAFF_TOTP_SECRET in result.output
    assert {(s.role, s.email) for s in Staff.select()} == {
        ("agent", "agent@keyfob.example"), ("marketer", "marketer@keyfob.example"),
        ("admin", "admin@keyfob.example")}
    admin = staff_accounts.find("admin@keyfob.example")
    response = sign_in(client, admin, demo.PASSWORD, pyotp.TOTP(demo.STAFF_TOTP_SECRET))
    assert response.location.endswith("/staff")


# --- password -----------------------------------------------------------------------------

@pytest.mark.parametrize("data, message", [
    ({"email": "", "password": "x"}, "Enter your email address."),
    ({"email": "a\x00@b.c", "password": "x"}, "Remove the special characters from this field."),
    ({"email": "a@b.c", "password": "x" * 300}, "Your password must be 256 characters or fewer."),
])
def test_login_form_errors(client, data, message):
    response = client.post("/staff/login", data=data)
    assert response.status_code == 422
    assert errors(response) == [message]


def test_unknown_wrong_locked_and_deactivated_get_the_same_answer(client, db):
    locked, _, _ = staff_member(email="locked@keyfob.example")
    gone, _, _ = staff_member(email="gone@keyfob.example")
    staff_member(email="someone@keyfob.example")
    for _ in range(5):
        password_step(client, "locked@keyfob.example", "not the password")
    staff_accounts.deactivate(gone)
    answers = [password_step(client, "nobody@keyfob.example"),
               password_step(client, "someone@keyfob.example", "not the password"),
               password_step(client, "locked@keyfob.example"),         # the right password
               password_step(client, "gone@keyfob.example")]           # the right password
    assert {a.status_code for a in answers} == {422}
    assert REFUSED in page(answers[0])
    assert len({main_part(a) for a in answers}) == 1
    assert errors(answers[0]) == []          # no field error: only the summary
    with client.session_transaction() as session:
        assert "staff" not in session


def test_five_wrong_passwords_lock_until_an_admin_unlocks(client, db):
    staff, password, totp = staff_member()
    for _ in range(4):
        password_step(client, staff.email, "not the password")
    assert fresh(staff).locked_at is None
    assert password_step(client, staff.email).status_code == 303       # a success resets the count
    client.post("/staff/logout")
    assert fresh(staff).failed_logins == 0
    for _ in range(5):
        password_step(client, staff.email.upper(), "not the password")
    assert fresh(staff).locked_at is not None and fresh(staff).failed_logins == 5
    assert password_step(client, staff.email).status_code == 422
    assert [e.staff_id for e in events("staff_locked")] == [staff.id]
    staff_accounts.unlock(staff)
    assert password_step(client, staff.email).status_code == 303


def test_empty_passwords_lock_like_wrong_ones(client, db):
    staff, _password, _totp = staff_member()
    wrong = password_step(client, "nobody@keyfob.example", "not the password")
    answers = [password_step(client, staff.email, "") for _ in range(5)]
    assert {a.status_code for a in answers} == {422}
    assert {main_part(a) for a in answers} == {main_part(wrong)}
    assert errors(answers[0]) == []
    assert fresh(staff).locked_at is not None and fresh(staff).failed_logins == 5
    assert [e.staff_id for e in events("staff_locked")] == [staff.id]
    assert password_step(client, staff.email).status_code == 422


def test_parallel_wrong_passwords_are_all_counted_and_lock_once(app, db):
    staff, _, _ = staff_member()
    results = []

    def fail():
        with database.connection_context():
            results.append(lockout.record_failure(Staff, staff.id, staff_accounts.MAX_FAILED_LOGINS))

    threads = [threading.Thread(target=fail) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1
    assert fresh(staff).locked_at is not None and fresh(staff).failed_logins >= 5


def test_failed_logins_are_logged_without_the_address(client, db):
    staff, _, _ = staff_member()
    password_step(client, "nobody@keyfob.example")
    password_step(client, staff.email, "not the password")
    failed = events("staff_login_failed")
    assert [(e.staff_id, e.detail) for e in failed] == [(None, "unknown address"),
                                                       (staff.id, "wrong password")]
    assert not any("@" in e.detail for e in SecurityEvent.select())


def test_rate_limit_per_client(tmp_path):
    from support.apps import make_app
    app = make_app(tmp_path, RATE_LIMIT_LOGIN_PER_CLIENT=(2, 900))
    client = app.test_client()
    for _ in range(2):
        assert password_step(client, "nobody@keyfob.example").status_code == 422
    assert password_step(client, "nobody@keyfob.example").status_code == 429


# --- enrolment ----------------------------------------------------------------------------

def test_enrolment_shows_the_secret_and_its_qr_code_then_ten_recovery_codes_once(client, db):
    staff, password, _ = staff_member("admin", enrolled=False)
    response = password_step(client, staff.email)
    assert response.location.endswith("/staff/second-factor/setup")
    # Not signed in yet: the pages behind it send back to the sign-in.
    assert client.get("/staff").location.endswith("/staff/login")

    setup = client.get("/staff/second-factor/setup")
    assert setup.status_code == 200 and setup.headers["Cache-Control"] == "no-store"
    grouped = shown_secret(setup)
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", grouped)
    secret = grouped.replace(" ", "")
    assert staff_accounts.totp_secret(fresh(staff)) == secret
    assert shown_secret(client.get("/staff/second-factor/setup")) == grouped   # a reload: the same

    qr = client.get("/staff/second-factor/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert qr.headers["Cache-Control"] == "no-store"
    assert page(qr).startswith("<svg") and "<script" not in page(qr)
    assert staff_accounts.otpauth_uri(fresh(staff)) == pyotp.TOTP(secret).provisioning_uri(
        name=staff.email, issuer_name="Keyfob")

    # A wrong first code is refused; nothing is confirmed.
    totp = pyotp.TOTP(secret)
    wrong = f"{(int(totp.now()) + 1) % 1000000:06d}"
    response = client.post("/staff/second-factor/setup", data={"code": wrong})
    assert response.status_code == 422
    assert "This code is not right" in page(response)
    assert fresh(staff).totp_confirmed_at is None
    response = client.post("/staff/second-factor/setup", data={"code": "12345"})
    assert errors(response) == ["The code has 6 digits, like 123456."]

    # The right one confirms, signs in, and leads to the recovery codes.
    codes_page = enrol(client, staff)
    assert fresh(staff).totp_confirmed_at is not None
    codes = recovery_codes_on(codes_page)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"([a-z2-9]{4}-){3}[a-z2-9]{4}", c) for c in codes)
    stored = {r.code_hash for r in RecoveryCode.select()}
    assert len(stored) == 10 and not any(c.replace("-", "") in stored for c in codes)
    # Shown once: not again, and no new ones.
    again = client.get("/staff/second-factor/recovery-codes")
    assert again.status_code == 200 and recovery_codes_on(again) == []
    assert RecoveryCode.select().count() == 10
    response = client.post("/staff/second-factor/recovery-codes")
    assert response.status_code == 303 and response.location.endswith("/staff")
    assert heading(client.get("/staff")) == "Hello, Sam Staff"
    # Set up: no setup page, no QR code any more.
    assert client.get("/staff/second-factor/qr.svg").status_code == 404
    assert [e.staff_id for e in events("staff_login")] == [staff.id]


def test_the_qr_code_is_only_for_the_member_setting_up(app, client, db):
    assert client.get("/staff/second-factor/qr.svg").status_code == 404        # anonymous
    staff, _, _ = staff_member(enrolled=False)
    password_step(client, staff.email)
    assert client.get("/staff/second-factor/qr.svg").status_code == 404        # page not opened yet
    client.get("/staff/second-factor/setup")
    assert client.get("/staff/second-factor/qr.svg").status_code == 200
    other = app.test_client()
    enrolled, _, _ = staff_member()
    password_step(other, enrolled.email)
    assert other.get("/staff/second-factor/qr.svg").status_code == 404         # has an app already
    assert other.get("/staff/second-factor/setup").location.endswith("/staff/second-factor")


def test_recovery_codes_are_issued_once_even_in_parallel(app, db):
    staff, _, _ = staff_member()
    results = []

    def issue():
        with database.connection_context():
            results.append(staff_accounts.issue_recovery_codes(staff))

    threads = [threading.Thread(target=issue) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(1 for r in results if r) == 1
    assert RecoveryCode.select().count() == 10


# --- TOTP codes ------------------------------------------------------------------------------

def test_a_totp_code_works_once(app, client, db):
    staff, password, totp = staff_member()
    password_step(client, staff.email)
    code = totp.generate_otp(staff_accounts.current_step())
    assert client.post("/staff/second-factor", data={"code": code}).location.endswith("/staff")
    client.post("/staff/logout")
    # The same code again, even within its 30 seconds, is refused.
    password_step(client, staff.email)
    response = client.post("/staff/second-factor", data={"code": code})
    assert response.status_code == 422
    assert "used already" in page(response)


def test_codes_of_the_steps_around_now_work_and_older_ones_do_not(client, db, clock):
    clock.set_now(datetime(2026, 11, 2, 9, 0, 10))
    step = staff_accounts.current_step()
    staff, password, totp = staff_member()
    password_step(client, staff.email)
    for old in (step - 2, step - 10):
        response = client.post("/staff/second-factor", data={"code": totp.generate_otp(old)})
        assert response.status_code == 422
    assert staff_accounts.verify_code(fresh(staff), totp.generate_otp(step - 1))
    assert staff_accounts.verify_code(fresh(staff), totp.generate_otp(step + 1))
    # Each used step and those before it are spent.
    assert not staff_accounts.verify_code(fresh(staff), totp.generate_otp(step))
    assert not staff_accounts.verify_code(fresh(staff), totp.generate_otp(step + 1))


def test_parallel_submits_of_one_code_pass_once(app, db):
    staff, _, totp = staff_member()
    code = totp.generate_otp(staff_accounts.current_step())
    results = []

    def verify():
        with database.connection_context():
            results.append(staff_accounts.verify_code(staff, code))

    threads = [threading.Thread(target=verify) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1


def test_five_wrong_codes_end_the_session(client, db):
    staff, password, totp = staff_member()
    password_step(client, staff.email)
    right = totp.generate_otp(staff_accounts.current_step())
    wrong = f"{(int(right) + 1) % 1000000:06d}"
    for _ in range(4):
        assert client.post("/staff/second-factor", data={"code": wrong}).status_code == 422
    response = client.post("/staff/second-factor", data={"code": wrong})
    assert response.status_code == 303 and response.location.endswith("/staff/login")
    assert "You typed 5 wrong codes" in page(client.get("/staff/login"))
    assert StaffSession.get().ended_at is not None
    failed = events("staff_second_factor_failed")
    assert len(failed) == 5 and all(e.staff_id == staff.id for e in failed)
    assert "ended after 5 wrong codes" in failed[-1].detail
    # The right code does not help now: the password comes first.
    response = client.post("/staff/second-factor", data={"code": right})
    assert response.location.endswith("/staff/login")
    assert fresh(staff).last_login_at is None


def test_wrong_recovery_codes_count_toward_the_same_five(client, db):
    staff, password, totp = staff_member()
    password_step(client, staff.email)
    for _ in range(3):
        client.post("/staff/second-factor", data={"code": "000000"})
    assert client.post("/staff/second-factor/recovery",
                       data={"code": "aaaa-bbbb-cccc-dddd"}).status_code == 422
    response = client.post("/staff/second-factor/recovery", data={"code": "aaaa-bbbb-cccc-dddd"})
    assert response.location.endswith("/staff/login")


def test_a_recovery_code_works_once(app, client, db):
    staff, password, totp = staff_member()
    codes = staff_accounts.issue_recovery_codes(staff)
    password_step(client, staff.email)
    second_factor = client.get("/staff/second-factor")
    assert 'href="/staff/second-factor/recovery"' in page(second_factor)
    response = client.post("/staff/second-factor/recovery", data={"code": codes[3].upper().replace("-", " ")})
    assert response.status_code == 303 and response.location.endswith("/staff")
    assert "9 codes are left" in page(client.get("/staff"))
    assert [e.detail for e in events("staff_recovery_code_used")] == ["9 left"]
    client.post("/staff/logout")

    password_step(client, staff.email)
    response = client.post("/staff/second-factor/recovery", data={"code": codes[3]})
    assert response.status_code == 422 and "used already" in page(response)
    response = client.post("/staff/second-factor/recovery", data={"code": "not a code"})
    assert errors(response) == ["A recovery code has 16 letters and digits in 4 groups, "
                                "like the ones you saved."]
    assert client.post("/staff/second-factor/recovery", data={"code": codes[4]}).status_code == 303


def test_another_members_recovery_code_does_not_work(client, db):
    owner, _, _ = staff_member()
    codes = staff_accounts.issue_recovery_codes(owner)
    other, _, _ = staff_member()
    password_step(client, other.email)
    assert client.post("/staff/second-factor/recovery", data={"code": codes[0]}).status_code == 422


# --- sessions, roles ---------------------------------------------------------------------------

def test_staff_pages_refuse_anonymous_visitors_and_customers(client, outbox, db):
    for url in ("/staff", "/staff/second-factor/recovery-codes"):
        response = client.get(url)
        assert response.status_code == 303 and response.location.endswith("/staff/login")
    assert client.get("/staff/second-factor").location.endswith("/staff/login")
    registered(client, outbox)
    assert login(client).status_code == 303
    assert client.get("/en-ca/account").status_code == 200
    assert client.get("/staff").location.endswith("/staff/login")
    # A customer's address and password are no staff login.
    response = password_step(client, "ana.silva@example.com", "tulip river lantern 7")
    assert response.status_code == 422


def test_a_role_not_allowed_gets_403_and_a_log_entry(tmp_path):
    from support.apps import make_app
    app = make_app(tmp_path)
    app.add_url_rule("/staff/test-admins-only", "admins_only",
                     staff_required("staff")(lambda: "the admins' page"))
    client = app.test_client()
    agent = staff_signed_in(client, role="agent")
    response = client.get("/staff/test-admins-only")
    assert response.status_code == 403
    assert "Keyfob back office" in page(response)
    assert heading(response) == "You cannot open this page"
    assert [(e.staff_id, e.detail) for e in events("role_refused")] == [(agent.id, "admins_only")]
    admin_client = app.test_client()
    staff_signed_in(admin_client, role="admin")
    assert page(admin_client.get("/staff/test-admins-only")) == "the admins' page"


@pytest.mark.parametrize("role, shown, hidden", [
    ("agent", ["Queue"], ["Staff and roles", "Content"]),
    ("marketer", ["Content", "Texts", "Help-center articles"], ["Queue", "Security log"]),
    ("admin", ["Queue", "Staff and roles", "Security log"], ["Content"]),
])
def test_home_lists_what_the_role_reaches(client, db, role, shown, hidden):
    staff_signed_in(client, role=role)
    response = client.get("/staff")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = page(response)
    assert all(text in html for text in shown)
    assert not any(text in html for text in hidden)


def test_deactivation_ends_the_sessions_at_once(app, client, db):
    staff = staff_signed_in(client, role="admin")
    assert client.get("/staff").status_code == 200
    staff_accounts.deactivate(fresh(staff))
    assert client.get("/staff").location.endswith("/staff/login")
    assert StaffSession.get().ended_at is not None
    assert [e.staff_id for e in events("staff_deactivated")] == [staff.id]
    assert password_step(client, staff.email).status_code == 422


def test_logout_ends_the_session_on_the_server(app, client, db):
    staff_signed_in(client)
    cookie = client.get_cookie("keyfob").value
    response = client.post("/staff/logout")
    assert response.status_code == 303 and response.location.endswith("/staff/login")
    assert "You have signed out." in page(client.get("/staff/login"))
    assert len(events("staff_logout")) == 1
    replay = app.test_client()
    replay.set_cookie("keyfob", cookie)
    assert replay.get("/staff").location.endswith("/staff/login")


def test_sign_out_is_in_the_header_once_the_password_is_typed(client, db):
    staff, _, _ = staff_member()
    assert "/staff/logout" not in page(client.get("/staff/login"))
    password_step(client, staff.email)
    assert "/staff/logout" in page(client.get("/staff/second-factor"))
    client.post("/staff/logout")
    assert client.get("/staff/second-factor").location.endswith("/staff/login")


def test_idle_and_absolute_timeouts(app, client, db, clock):
    start = datetime(2026, 11, 2, 9, 0)
    clock.set_now(start)
    staff_signed_in(client)
    clock.set_now(start + timedelta(minutes=29))
    assert client.get("/staff").status_code == 200
    clock.set_now(start + timedelta(minutes=29 + 31))
    assert client.get("/staff").location.endswith("/staff/login")

    other = app.test_client()
    clock.set_now(start + timedelta(hours=1))
    staff_signed_in(other)
    signed_in_at = start + timedelta(hours=1)
    for minutes in [*range(25, 12 * 60, 25), 12 * 60 - 5]:      # busy all day
        clock.set_now(signed_in_at + timedelta(minutes=minutes))
        assert other.get("/staff").status_code == 200
    clock.set_now(signed_in_at + timedelta(hours=12, minutes=1))
    assert other.get("/staff").location.endswith("/staff/login")


def test_signing_in_starts_a_new_cookie_session(client, db):
    staff, _, totp = staff_member()
    with client.session_transaction() as session:
        session["something"] = "from before"
    password_step(client, staff.email)
    with client.session_transaction() as session:
        assert "something" not in session and session["staff"]
    assert StaffSession.get().key_hash != session["staff"]      # only the hash is kept


def test_login_page_leads_a_signed_in_member_on(client, db):
    staff, password, totp = staff_member()
    password_step(client, staff.email)
    assert client.get("/staff/login").location.endswith("/staff/second-factor")
    client.post("/staff/second-factor", data={"code": fresh_code(staff, totp)})
    assert client.get("/staff/login").location.endswith("/staff")
    assert client.get("/staff/second-factor").location.endswith("/staff")


def test_htmx_gets_the_back_office_fragment(client, db):
    staff, _, _ = staff_member()
    password_step(client, staff.email)
    response = client.post("/staff/second-factor", data={"code": "000000"},
                           headers={"HX-Request": "true"})
    html = page(response)
    assert response.status_code == 422
    assert html.startswith("<title>Error: Enter the code from your authenticator app – Keyfob back office")
    assert '<nav id="account-nav" aria-label="Account" hx-swap-oob="true">' in html
    assert "<html" not in html


def test_pages_follow_the_site_cookie_language(client, db):
    client.set_cookie("site", "fr-ca")
    assert '<html lang="fr-CA">' in page(client.get("/staff/login"))
    other = client.application.test_client()
    html = page(other.get("/staff/login", headers={"Accept-Language": "de-AT,de;q=0.8"}))
    assert '<html lang="de-AT">' in html


def test_post_helper_fills_the_csrf_token(tmp_path):
    """support.staff works with CSRF on, as in the crawl."""
    from support.apps import make_app
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    staff = staff_signed_in(client, role="marketer")
    home = client.get("/staff")
    assert heading(home) == f"Hello, {staff.name}"
    token = re.search(r'name="csrf_token" value="([^"]*)"', page(home)).group(1)
    assert client.post("/staff/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/staff").location.endswith("/staff/login")
