"""Staff members' TOTP secrets are kept encrypted (domain.totp_keys): the
stored value is a Fernet token that neither is nor holds the secret, the
key lives outside the database (instance/totp_key, mode 0600, or the
TOTP_KEY setting), `flask staff rotate-totp-key` re-encrypts every secret
with a new key, a key that does not open a secret stops the sign-in with
an explained error, and migration 0012 encrypts the secrets of a database
that kept them in clear."""
import logging
import os
import re
import stat

import pyotp
import pytest
from cryptography.fernet import Fernet, InvalidToken
from peewee import BigIntegerField, BooleanField, CharField, DateTimeField, IntegerField, Model
from playhouse.migrations import Runner

from demo import sample as demo
from domain import staff as staff_accounts, totp_keys
from domain.clock import utcnow
from domain.db import MIGRATIONS_DIR, database, upgrade
from models import SecurityEvent, Staff
from support.apps import TEST_DATABASE_URL, make_app
from support.staff import fresh_code, post, sign_in, staff_member


def key_file(app):
    return os.path.join(app.instance_path, "totp_key")


def keys_in_file(app):
    with open(key_file(app)) as f:
        return f.read().split()


def stored(member):
    """The staff row's value, as a copy of the database shows it."""
    (value,) = database.execute_sql(
        "SELECT totp_secret_sealed FROM staff WHERE id = %d" % member.id).fetchone()
    return value


def signed_in(client):
    return client.get("/staff").status_code == 200


def test_the_stored_value_is_not_the_secret_and_does_not_hold_it(app, client, db):
    staff, password, _ = staff_member("agent", enrolled=False)
    post(client, "/staff/login", {"email": staff.email, "password": password})
    setup = client.get("/staff/second-factor/setup").get_data(as_text=True)
    secret = re.search(r'<code id="totp-secret"[^>]*>([A-Z2-7 ]+)</code>', setup).group(1)
    secret = secret.replace(" ", "")
    totp = pyotp.TOTP(secret)
    response = post(client, "/staff/second-factor/setup", {"code": fresh_code(staff, totp)})
    assert response.status_code == 303 and signed_in(client)

    value = stored(staff)
    assert value and value != secret
    for form in (secret, secret.lower()):
        assert form not in value
    # The key in instance/totp_key opens it; nothing else does.
    (key,) = keys_in_file(app)
    assert Fernet(key).decrypt(value.encode()).decode() == secret
    with pytest.raises(InvalidToken):
        Fernet(Fernet.generate_key()).decrypt(value.encode())
    if not TEST_DATABASE_URL:
        database.close()                 # the WAL written back into the file
        folder = os.path.dirname(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
        for name in os.listdir(folder):
            if name.startswith("keyfob.sqlite3"):
                with open(os.path.join(folder, name), "rb") as f:
                    assert secret.encode() not in f.read(), name


def test_signing_in_with_a_code_works_with_the_encrypted_secret(client, db):
    staff, password, totp = staff_member("admin")
    assert staff.totp_secret_sealed != totp.secret
    response = sign_in(client, staff, password, totp)
    assert response.status_code == 303 and response.location.endswith("/staff")
    assert signed_in(client)


def test_the_key_file_is_made_once_readable_by_its_owner_only(app, tmp_path):
    path = key_file(app)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    (key,) = keys_in_file(app)
    Fernet(key)
    # The next start (another process, a restart) reads the same key.
    make_app(tmp_path)
    assert keys_in_file(app) == [key]


def test_the_key_can_come_from_the_environment_instead(custom_app, monkeypatch):
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("KEYFOB_TOTP_KEY", key)
    app = custom_app()
    assert not os.path.exists(key_file(app))
    staff, password, totp = staff_member("agent")
    assert Fernet(key).decrypt(stored(staff).encode()).decode() == totp.secret
    assert sign_in(app.test_client(), staff, password, totp).location.endswith("/staff")


# A fixed key: parameters name the tests, and pytest-xdist's workers must
# name them alike.
A_KEY = "g07PwyhLGuMm3Ob6t7SpemHHs7BfDR5-yfpEkcb7UlA="


@pytest.mark.parametrize("value", ["not a key", "", A_KEY + ",short"])
def test_a_malformed_key_stops_the_app_at_its_start_with_the_reason(custom_app, value):
    with pytest.raises(totp_keys.TotpKeyError, match="TOTP_KEY: key (1|2) is not a Fernet key"
                       if value else "holds no key"):
        totp_keys.configure(value or " , ", None)
    if value:
        with pytest.raises(totp_keys.TotpKeyError, match="is not a Fernet key"):
            custom_app(TOTP_KEY=value)


# --- rotation ------------------------------------------------------------------------------

def test_rotation_with_the_key_file_reencrypts_every_secret_with_a_new_key(app, runner, db):
    members = [staff_member(role) for role in ("agent", "marketer", "admin")]
    pending, _, _ = staff_member("agent", enrolled=False)
    staff_accounts.start_enrolment(pending)
    (old_key,) = keys_in_file(app)
    before = {member.id: stored(member) for member, _, _ in members}

    result = runner.invoke(args=["staff", "rotate-totp-key"])

    assert result.exit_code == 0, result.output
    assert f"4 TOTP secrets now encrypted with the first key of {key_file(app)}" in result.output
    (new_key,) = keys_in_file(app)
    assert new_key != old_key and stat.S_IMODE(os.stat(key_file(app)).st_mode) == 0o600
    for member, password, totp in members:
        value = stored(member)
        assert value != before[member.id]
        with pytest.raises(InvalidToken):           # the old key alone opens nothing now
            Fernet(old_key).decrypt(value.encode())
        assert Fernet(new_key).decrypt(value.encode()).decode() == totp.secret
        # This process reads the file again: signing in goes on as before.
        client = app.test_client()
        assert sign_in(client, member, password, totp).location.endswith("/staff")
    with pytest.raises(InvalidToken):
        Fernet(old_key).decrypt(stored(pending).encode())


def test_rotation_with_the_setting_uses_its_first_key(custom_app, monkeypatch):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("KEYFOB_TOTP_KEY", old_key)
    app = custom_app()
    runner = app.test_cli_runner()
    staff, password, totp = staff_member("agent")

    result = runner.invoke(args=["staff", "rotate-totp-key"])
    assert result.exit_code == 1
    assert "KEYFOB_TOTP_KEY holds a single key: put a new key first" in result.output
    assert "Traceback" not in result.output
    assert Fernet(old_key).decrypt(stored(staff).encode())         # unchanged

    # The operator puts the new key first and restarts.
    totp_keys.configure(f"{new_key},{old_key}", None)
    result = runner.invoke(args=["staff", "rotate-totp-key"])
    assert result.exit_code == 0, result.output
    assert "1 TOTP secret now encrypted with the first key of the setting TOTP_KEY" in result.output
    assert "remove them and restart" in result.output
    with pytest.raises(InvalidToken):
        Fernet(old_key).decrypt(stored(staff).encode())
    # Then removes the old key and restarts: the members sign in as before.
    totp_keys.configure(new_key, None)
    assert sign_in(app.test_client(), staff, password, totp).location.endswith("/staff")


# --- a key that does not fit -------------------------------------------------------------------

def lose_the_key(app):
    """instance/totp_key replaced by another key, as after a lost file."""
    with open(key_file(app), "w") as f:
        f.write(Fernet.generate_key().decode() + "\n")


def test_a_wrong_key_stops_the_sign_in_with_an_explained_error(app, client, db, caplog):
    staff, password, totp = staff_member("agent")
    lose_the_key(app)
    response = post(client, "/staff/login", {"email": staff.email, "password": password})
    assert response.location.endswith("/staff/second-factor")

    with caplog.at_level(logging.ERROR):
        response = post(client, "/staff/second-factor", {"code": fresh_code(staff, totp)})

    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "Sign-in codes cannot be checked right now" in page
    assert "Nothing is wrong with your code or your phone." in page
    assert not signed_in(client)
    assert "cannot be decrypted with the keys of " + key_file(app) in caplog.text
    # Not counted as a wrong code either.
    assert not SecurityEvent.select().where(
        SecurityEvent.kind == "staff_second_factor_failed").exists()


def test_a_wrong_key_stops_the_enrolment_page_too(app, client, db):
    staff, password, _ = staff_member("agent", enrolled=False)
    post(client, "/staff/login", {"email": staff.email, "password": password})
    assert client.get("/staff/second-factor/setup").status_code == 200
    lose_the_key(app)
    assert client.get("/staff/second-factor/setup").status_code == 503
    assert client.get("/staff/second-factor/qr.svg").status_code == 503


def test_rotation_with_a_wrong_key_changes_nothing_and_says_why(app, runner, db):
    staff, _, _ = staff_member("agent")
    lose_the_key(app)
    keys, value = keys_in_file(app), stored(staff)
    result = runner.invoke(args=["staff", "rotate-totp-key"])
    assert result.exit_code == 1
    assert "cannot be decrypted with the keys of " + key_file(app) in result.output
    assert "Traceback" not in result.output
    assert keys_in_file(app) == keys and stored(staff) == value


# --- migration 0012 ------------------------------------------------------------------------------

MIGRATION = "0012_totp_secrets_encrypted"


class StaffBefore(Model):
    """The staff table as it was before 0012: the secret in clear."""
    email = CharField()
    name = CharField()
    role = CharField()
    password_hash = CharField()
    totp_secret = CharField(default="")
    totp_confirmed_at = DateTimeField(null=True)
    last_totp_step = BigIntegerField(default=0)
    active = BooleanField(default=True)
    failed_logins = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "staff"


def test_the_migration_encrypts_the_secrets_of_an_existing_database(tmp_path):
    app = make_app(tmp_path, migrate=False)
    try:
        runner = Runner(database.obj, MIGRATIONS_DIR)
        names = [m.name for m in runner.migrations()]
        runner.up(target=names[names.index(MIGRATION) - 1])
        # The demo staff as `flask demo load` made them before.
        from domain import passwords
        with database.bind_ctx([StaffBefore]):
            for role, email, name in demo.STAFF_LOGINS:
                StaffBefore.create(email=email, name=name, role=role,
                                   password_hash=passwords.hash_password(demo.PASSWORD),
                                   totp_secret=demo.STAFF_TOTP_SECRET, totp_confirmed_at=utcnow())
            StaffBefore.create(email="new@keyfob.example", name="New", role="agent",
                               password_hash="x")

        assert MIGRATION in upgrade()       # what `make run` does on an existing database

        (key,) = keys_in_file(app)
        for member in Staff.select():
            value = stored(member)
            if member.email == "new@keyfob.example":
                assert value == ""
                continue
            assert demo.STAFF_TOTP_SECRET not in value
            assert Fernet(key).decrypt(value.encode()).decode() == demo.STAFF_TOTP_SECRET
        assert "totp_secret" not in {c.name for c in database.get_columns("staff")}
        admin = staff_accounts.find("admin@keyfob.example")
        response = sign_in(app.test_client(), admin, demo.PASSWORD,
                           pyotp.TOTP(demo.STAFF_TOTP_SECRET))
        assert response.location.endswith("/staff")

        # And back: down() puts the secrets in clear again.
        runner.down(target=MIGRATION)
        with database.bind_ctx([StaffBefore]):
            assert {s.totp_secret for s in StaffBefore.select()} == {demo.STAFF_TOTP_SECRET, ""}
    finally:
        if not database.is_closed():
            database.close()
