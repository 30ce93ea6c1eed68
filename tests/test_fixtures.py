"""The test fixtures themselves (tests/support/apps.py): the app made once
and reused starts every test as a new app would, on a database of the
test's own, whatever the test before it left behind."""
import os

from domain import page_cache
from domain.db import database, upgrade
from domain.markets import MARKETS
from models import Agreement, Customer, TextRevision
from support.agreements import make_agreement
from support.apps import make_app, reuse
from support.customers import registered
from support.outboxes import Outbox


def dirty(app):
    """What a test may leave: settings changed, rows, emails, a kept page,
    a rotated TOTP key file."""
    client = app.test_client()
    registered(client, Outbox(app.config["MAIL_OUTBOX_DIR"]))
    make_agreement("ca")
    TextRevision.update(number=TextRevision.number + 1).execute()
    app.test_client().get("/en-ca/login")
    assert len(app.extensions["page_cache"]) > 0
    app.config["WTF_CSRF_ENABLED"] = True
    app.config["TRUSTED_HOSTS"].append("elsewhere.example")
    with open(os.path.join(app.instance_path, "totp_key"), "a") as f:
        f.write("\n" + "x" * 44)
    database.close()


def test_a_reused_app_starts_each_test_afresh(made_app, tmp_path):
    app = reuse(made_app, tmp_path / "first")
    dirty(app)
    first_key_file = os.path.join(app.instance_path, "totp_key")

    app = reuse(made_app, tmp_path / "second")
    assert app.config["WTF_CSRF_ENABLED"] is False
    assert "elsewhere.example" not in app.config["TRUSTED_HOSTS"]
    assert app.config["MAIL_OUTBOX_DIR"] == str(tmp_path / "second" / "mail")
    assert Outbox(app.config["MAIL_OUTBOX_DIR"]).messages() == []
    assert len(app.extensions["page_cache"]) == 0
    assert app.instance_path == str(tmp_path / "second" / "instance")
    with open(os.path.join(app.instance_path, "totp_key")) as f:
        assert len(f.read().split()) == 1
    assert os.path.exists(first_key_file)
    # An empty, migrated database, its ids from 1 again, the migrations' rows kept.
    assert upgrade() == []
    assert Customer.select().count() == Agreement.select().count() == 0
    assert page_cache.versions(()) == (0,)
    assert make_agreement("ca").id == 1
    assert app.test_client().get("/en-ca/login").status_code == 200
    database.close()


def test_an_app_of_its_own_leaves_the_process_to_the_next_test(made_app, tmp_path):
    """make_app binds the process (database, markets) to its app; reuse
    binds it back."""
    markets = tmp_path / "markets.toml"
    with open(os.path.join(os.path.dirname(__file__), "..", "config", "markets.toml")) as f:
        text = f.read()
    markets.write_text(text.split("[markets.us]")[0])
    make_app(tmp_path / "own", MARKETS_FILE=str(markets), PUBLIC_URL="http://127.0.0.1:5000")
    assert "us" not in MARKETS
    make_agreement("ca")
    database.close()

    app = reuse(made_app, tmp_path / "next")
    assert "us" in MARKETS
    assert Agreement.select().count() == 0
    assert app.test_client().get("/en-us/login").status_code == 200
    database.close()


def test_two_apps_of_one_test_share_its_database(app, db, tmp_path):
    make_agreement("ca")
    database.close()
    make_app(tmp_path, WTF_CSRF_ENABLED=True)
    assert Agreement.select().count() == 1
