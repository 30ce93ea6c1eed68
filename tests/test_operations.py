"""Operating it: `flask db backup` copies the SQLite database with SQLite's online backup
API while the app is in use: the copy opens, has every table and the rows
written before it, and a second backup never overwrites the first; behind a proxy, limits count
the forwarded client, and count an IPv6 client by its /64."""
import sqlite3

import pytest

from domain.db import database
from support.help_articles import make_help_article


@pytest.fixture
def sqlite_only(app):
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("the backup command is for SQLite; PostgreSQL uses pg_dump")


def test_the_backup_is_a_whole_consistent_database(app, runner, db, sqlite_only, tmp_path):
    make_help_article("ca", key="kept-in-backup")
    # An open transaction of the app elsewhere does not stop the backup.
    database.execute_sql("SELECT 1")
    destination = tmp_path / "copy.sqlite3"
    result = runner.invoke(args=["db", "backup", str(destination)])
    assert result.exit_code == 0, result.output
    assert "backed up" in result.output
    with sqlite3.connect(destination) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        keys = [row[0] for row in copy.execute("SELECT key FROM help_article")]
        assert "kept-in-backup" in keys
        names = {row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"customer", "text_entry", "help_search"} <= names


def test_an_existing_file_is_never_overwritten(runner, db, sqlite_only, tmp_path):
    destination = tmp_path / "copy.sqlite3"
    destination.write_text("an older backup")
    result = runner.invoke(args=["db", "backup", str(destination)])
    assert result.exit_code == 1 and "exists already" in result.output
    assert destination.read_text() == "an older backup"


@pytest.mark.parametrize("proxies, second_client_limited", [(0, True), (1, False)])
def test_behind_a_proxy_limits_count_the_forwarded_client(custom_app, proxies,
                                                          second_client_limited):
    """With TRUSTED_PROXIES the sign-in limit counts the address the proxy
    forwards; without it the header is ignored (anyone could send it)."""
    app = custom_app(TRUSTED_PROXIES=proxies, RATE_LIMIT_LOGIN_PER_CLIENT=(2, 900))
    client = app.test_client()

    def attempt(address):
        return client.post("/en-ca/login", data={"email": "x@example.com", "password": "wrong"},
                           headers={"X-Forwarded-For": address}).status_code

    assert [attempt("203.0.113.1") for _ in range(3)][-1] == 429
    assert (attempt("203.0.113.2") == 429) is second_client_limited


@pytest.mark.parametrize("first, second, shared", [
    ("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe", True),     # one /64
    ("2001:db8:1:2::1", "2001:db8:1:3::1", False),                      # the next /64
    ("2001:DB8:1:2:0:0:0:1", "2001:db8:1:2::7", True),                  # written otherwise
    ("192.0.2.1", "::ffff:192.0.2.1", True),                            # IPv4-mapped
    ("192.0.2.1", "192.0.2.2", False),                                  # IPv4: each address
])
def test_ipv6_clients_are_limited_by_their_64(custom_app, first, second, shared):
    """Per-client limits count an IPv6 client by its /64 (an attacker who
    has one has 2^64 addresses), an IPv4 client by its address, and an
    IPv4-mapped IPv6 address as the IPv4 address."""
    app = custom_app(RATE_LIMIT_LOGIN_PER_CLIENT=(2, 900))
    client = app.test_client()

    def attempt(address):
        return client.post("/en-ca/login", data={"email": "x@example.com", "password": "wrong"},
                           environ_base={"REMOTE_ADDR": address}).status_code

    assert [attempt(first) for _ in range(2)] == [422, 422]
    assert attempt(second) == (429 if shared else 422)
    assert attempt(first) == 429
