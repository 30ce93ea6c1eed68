"""Apps for tests: make_app(tmp_path, **settings) is an app of its own
settings on a fresh database (a temporary SQLite file, or the PostgreSQL
of TEST_DATABASE_URL with a clean schema). The `app` fixture is one of them."""
import os

from playhouse.db_url import connect

from app import create_app
from domain.db import upgrade

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def fresh_database_url(tmp_path):
    if not TEST_DATABASE_URL:
        return f"sqlite:///{tmp_path}/keyfob.sqlite3"
    db = connect(TEST_DATABASE_URL)
    db.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    db.close()
    return TEST_DATABASE_URL


def make_app(tmp_path, migrate=True, **overrides):
    """An app on a fresh database; migrate=False leaves the schema to the
    test (tests of a migration)."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test secret key",
        "DATABASE_URL": fresh_database_url(tmp_path),
        "MAIL_OUTBOX_DIR": str(tmp_path / "mail"),
        "SMS_OUTBOX_DIR": str(tmp_path / "sms"),
        "WTF_CSRF_ENABLED": False,
        # A cheap hash: the policy, not argon2's cost, is under test.
        "PASSWORD_HASH_TIME_COST": 1,
        "PASSWORD_HASH_MEMORY_COST": 8192,
        # The scanning tests (tests/test_virus_scan.py) turn it on, with
        # the clamd of the `clamd` fixture.
        "VIRUS_SCAN": "off",
    }
    config.update(overrides)
    app = create_app(config, instance_path=str(tmp_path / "instance"))
    if migrate:
        upgrade()
    return app
