"""Set-up an operator relies on: the secret key, migrations, demo data,
configuration from instance/ and the environment; and the test suite's own layout."""
import ast
import os
import stat

from app import create_app
from demo import sample as demo
from domain.db import database
from domain.markets import MARKETS
from models import Agreement, Customer, Document
from support.apps import fresh_database_url, make_app


def test_secret_key_is_generated_once_into_instance(tmp_path):
    instance = tmp_path / "instance"
    config = {"DATABASE_URL": fresh_database_url(tmp_path)}
    first = create_app(config, instance_path=str(instance))
    second = create_app(config, instance_path=str(instance))
    key_file = instance / "secret_key"
    assert first.secret_key == second.secret_key == key_file.read_text()
    assert len(first.secret_key) == 64
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_instance_config_and_environment(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("ACTIVATION_HOURS = 24\nRESET_MINUTES = 30\n")
    monkeypatch.setenv("KEYFOB_RESET_MINUTES", "15")
    monkeypatch.setenv("DATABASE_URL", fresh_database_url(tmp_path))
    app = create_app(instance_path=str(instance))
    assert app.config["ACTIVATION_HOURS"] == 24
    assert app.config["RESET_MINUTES"] == 15      # the environment wins


def test_db_upgrade_is_idempotent(tmp_path):
    app = make_app(tmp_path)          # already upgraded once
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0
    assert "up to date" in result.output


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        return
    with database.connection_context():
        assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert database.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 5000


def test_demo_data_loads_once_and_prints_the_logins(app, runner, db):
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0
    assert "demo.en-ca@example.com" in result.output and demo.PASSWORD in result.output
    assert Customer.select().count() == len(demo.LOGINS)
    again = runner.invoke(args=["demo", "load", "--if-empty"])
    assert "already there" in again.output
    assert Customer.select().count() == len(demo.LOGINS)


def test_demo_logins_work(app, runner):
    runner.invoke(args=["demo", "load"])
    client = app.test_client()
    for code, email in demo.LOGINS:
        response = client.post(f"/{code}/login", data={"email": email, "password": demo.PASSWORD})
        assert response.status_code == 303, code
        client.post(f"/{code}/logout")


def test_every_market_has_demo_agreements_and_a_listed_one_links(app, runner, db):
    runner.invoke(args=["demo", "load"])
    assert {a.market for a in Agreement.select()} == set(MARKETS)
    assert {d.agreement.market for d in Document.select()} == set(MARKETS)
    client = app.test_client()
    client.post("/en-ca/login", data={"email": "demo.en-ca@example.com", "password": demo.PASSWORD})
    # The details the README gives a tester for Canada.
    response = client.post("/en-ca/agreements/link", data={
        "first_name": "Liam", "last_name": "Tremblay", "birth_day": "12", "birth_month": "6",
        "birth_year": "1984", "vin": "WMWXU9C03R2T10001", "last_payment": "389.40"})
    assert response.status_code == 303
    assert Agreement.get(Agreement.contract_number == "70010001").customer.email == \
        "demo.en-ca@example.com"


def test_no_two_test_files_share_a_name():
    """tests/ and tests/browser/ are not packages: pytest imports both as
    top-level modules, and a second file of the same name stops the run."""
    root = os.path.dirname(os.path.abspath(__file__))
    names = [name for _dir, _subdirs, files in os.walk(root) for name in files
             if name.startswith("test_") and name.endswith(".py")]
    assert sorted(names) == sorted(set(names))


def test_test_modules_share_helpers_through_support_only():
    """Helpers live in tests/support/, fixtures in conftest.py: no module
    imports conftest or a test module (pytest imports each conftest under
    the one name `conftest`, and a test module imported by another runs
    its tests' set-up twice), and support/ declares no fixture."""
    root = os.path.dirname(os.path.abspath(__file__))
    wrong = []
    for folder, _subdirs, files in os.walk(root):
        for name in files:
            if not name.endswith(".py"):
                continue
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as f:
                source = f.read()
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.ImportFrom):
                    modules = [node.module or ""]
                elif isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                else:
                    continue
                for module in modules:
                    first = module.split(".")[-1]
                    if first == "conftest" or first.startswith("test_"):
                        wrong.append(f"{os.path.relpath(path, root)} imports {module}")
            if os.path.basename(folder) == "support" and "pytest.fixture" in source:
                wrong.append(f"{os.path.relpath(path, root)} declares a fixture")
    assert wrong == []
