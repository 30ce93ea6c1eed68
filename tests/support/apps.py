"""Apps and their databases for tests.

make_app(tmp_path, **settings) is an app of its own settings on the test's
database; the `app` fixture gives one made once per process and pointed at
each test's database and folders again (reuse), since building an app
costs about 70 ms (its URL rules) and a test about as much again.

The test's database is ready at once, migrated, without running the
migrations again for every test:
- SQLite: tmp_path/keyfob.sqlite3, a copy of a template file migrated once
  per process (per pytest-xdist worker);
- PostgreSQL (TEST_DATABASE_URL): a database per worker (keyfob_test_gw0,
  keyfob_test_gw1 … beside TEST_DATABASE_URL's own, made when missing),
  migrated once per process; each new test folder empties every table but
  the migration runner's (TRUNCATE … RESTART IDENTITY CASCADE) and puts
  back the rows the migrations wrote. Emptying rather than a transaction
  rolled back: tests run threads, CLI commands and gunicorn processes on
  their own connections, which must see each other's commits.

So, as before, two apps made in one test share its database, and a test
that asks for an unmigrated database (migrate=False, fresh_database_url)
gets an empty one (on PostgreSQL an empty schema, migrated again before
the next test that needs it).

The process keeps one database, the markets, the TOTP keys and the
password cost in module globals (app.configure_process): an app made or
reused binds them to itself, and a module-scoped app must be bound again
(bind) by each test that uses it, since other tests bind theirs."""
import atexit
import copy
import os
import shutil
import tempfile
from urllib.parse import urlsplit, urlunsplit

from playhouse.db_url import connect

from app import configure_process, create_app
from domain.db import database, init_database, upgrade
from views.shared import cache

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
# The pytest-xdist worker this process is ("gw0", "gw1", …), "" without xdist.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
DATABASE_FILE = "keyfob.sqlite3"
# The migration runner's table (playhouse.migrations.Runner): kept when emptying.
RUNNER_TABLE = "schema_migration"


def test_settings(tmp_path):
    """What differs from test to test: the database and every folder the
    app writes to, all under tmp_path."""
    instance = tmp_path / "instance"
    return {
        "MAIL_OUTBOX_DIR": str(tmp_path / "mail"),
        "SMS_OUTBOX_DIR": str(tmp_path / "sms"),
        "DOCUMENTS_DIR": str(instance / "documents"),
        "ATTACHMENTS_DIR": str(instance / "attachments"),
        "EXPORTS_DIR": str(instance / "exports"),
    }


BASE_SETTINGS = {
    "TESTING": True,
    "SECRET_KEY": "test secret key",
    "WTF_CSRF_ENABLED": False,
    # A cheap hash: the policy, not argon2's cost, is under test.
    "PASSWORD_HASH_TIME_COST": 1,
    "PASSWORD_HASH_MEMORY_COST": 8192,
    # The scanning tests (tests/test_virus_scan.py) turn it on, with
    # the clamd of the `clamd` fixture.
    "VIRUS_SCAN": "off",
}


def make_app(tmp_path, migrate=True, **overrides):
    """An app on the test's database (migrated, or with migrate=False an
    empty one: tests of a migration) and folders under tmp_path."""
    config = dict(BASE_SETTINGS, DATABASE_URL=database_url(tmp_path, migrate))
    config.update(test_settings(tmp_path))
    config.update(overrides)
    app = create_app(config, instance_path=str(tmp_path / "instance"))
    if migrate:
        upgrade()
    # What reuse() puts back: the settings as create_app left them.
    app.extensions["test_settings"] = copy.deepcopy(dict(app.config))
    return app


def reuse(app, tmp_path):
    """Point `app` (made by make_app without overrides) at a new test: its
    settings as made (a test may have changed some), the test's database
    and folders, a new instance folder (TOTP key file), an empty page
    cache, and the process's globals bound to it again."""
    app.config.clear()
    app.config.update(copy.deepcopy(app.extensions["test_settings"]))
    app.config.update(test_settings(tmp_path), DATABASE_URL=database_url(tmp_path))
    app.instance_path = str(tmp_path / "instance")
    os.makedirs(app.instance_path, exist_ok=True)
    bind(app)
    cache.init_app(app)
    return app


def bind(app):
    """Bind the process's globals (the database above all) to `app`."""
    if not database.is_closed():
        database.close()
    configure_process(app)
    return app


def database_url(tmp_path, migrated=True):
    """The URL of the test's database, migrated or empty."""
    if TEST_DATABASE_URL:
        return _postgres().url(str(tmp_path), migrated)
    path = tmp_path / DATABASE_FILE
    if migrated and not path.exists():
        tmp_path.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_sqlite_template(), path)
    return f"sqlite:///{path}"


def fresh_database_url(tmp_path):
    """An empty database (no schema) for the test."""
    return database_url(tmp_path, migrated=False)


# --- SQLite: a template file --------------------------------------------------------

_template = None


def _sqlite_template():
    """The path of a migrated SQLite file, made on the first call."""
    global _template
    if _template is None:
        folder = tempfile.mkdtemp(prefix=f"keyfob-template-{WORKER or 'main'}-")
        atexit.register(shutil.rmtree, folder, True)
        path = os.path.join(folder, DATABASE_FILE)
        init_database(f"sqlite:///{path}")
        upgrade()
        # Closing the last connection writes the WAL back into the file
        # and removes it: the template is one file, a copy is whole.
        database.obj.close_all()
        assert not os.path.exists(path + "-wal"), "the template kept its WAL file"
        _template = path
    return _template


# --- PostgreSQL: a database per worker, emptied between tests --------------------------

class WorkerDatabase:
    """This process's PostgreSQL database: migrated once, emptied for each
    new test folder (only the tables that hold rows, in one transaction on
    a connection kept for it: emptying all 29 costs ten times as much)."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.worker_url = None
        self.connection = None
        self.migrated = False
        self.owner = None           # the folder of the test whose data it holds
        self.tables = []
        self.seeds = {}             # {table: (columns, rows)} the migrations wrote

    def url(self, folder, migrated=True):
        if self.worker_url is None:
            self.worker_url = self._create()
            self.connection = connect(self.worker_url)
        if not migrated:
            self._execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
            self.migrated = False
            self.owner = folder
        elif not self.migrated:
            self._migrate()
            self.owner = folder
        elif folder != self.owner:
            self._empty()
            self.owner = folder
        return self.worker_url

    def _create(self):
        """TEST_DATABASE_URL without xdist; else its database name with
        the worker's name added, created when missing."""
        if not WORKER:
            return self.base_url
        parts = urlsplit(self.base_url)
        name = f"{parts.path.lstrip('/')}_{WORKER}"
        admin = connect(self.base_url)
        try:
            exists = admin.execute_sql("SELECT 1 FROM pg_database WHERE datname = %s",
                                       (name,)).fetchone()
            if not exists:       # (peewee runs psycopg2 in autocommit: no transaction)
                admin.execute_sql(f'CREATE DATABASE "{name}"')
        finally:
            admin.close()
        return urlunsplit(parts._replace(path="/" + name))

    def _execute(self, sql, params=None):
        with self.connection.atomic():
            return self.connection.execute_sql(sql, params)

    def _migrate(self):
        self._execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        init_database(self.worker_url)
        upgrade()
        database.obj.close_all()
        db = self.connection
        self.tables = sorted(set(db.get_tables()) - {RUNNER_TABLE})
        self.seeds = {}
        for table in self.tables:
            cursor = db.execute_sql(f'SELECT * FROM "{table}"')
            rows = cursor.fetchall()
            if rows:
                self.seeds[table] = ([column[0] for column in cursor.description], rows)
        self.migrated = True

    def _empty(self):
        db = self.connection
        with db.atomic():
            # Which tables hold rows, and the rows of those the migrations filled.
            found = {table for (table,) in db.execute_sql(" UNION ALL ".join(
                f"SELECT '{table}' WHERE EXISTS (SELECT 1 FROM \"{table}\")"
                for table in self.tables if table not in self.seeds))}
            for table, (columns, rows) in self.seeds.items():
                names = ", ".join(f'"{column}"' for column in columns)
                if db.execute_sql(f'SELECT {names} FROM "{table}"').fetchall() != rows:
                    found.add(table)
            if found:
                db.execute_sql("TRUNCATE " + ", ".join(f'"{table}"' for table in sorted(found))
                               + " CASCADE")
                for table in sorted(found & set(self.seeds)):
                    columns, rows = self.seeds[table]
                    names = ", ".join(f'"{column}"' for column in columns)
                    marks = ", ".join(["%s"] * len(columns))
                    for row in rows:
                        db.execute_sql(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', row)
            # Ids from 1 again, in tables emptied now or earlier (an insert
            # rolled back takes a number too).
            db.execute_sql("SELECT setval(format('%%I.%%I', schemaname, sequencename)::regclass, 1, false) "
                           "FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL")


_worker_database = None


def _postgres():
    global _worker_database
    if _worker_database is None:
        _worker_database = WorkerDatabase(TEST_DATABASE_URL)
    return _worker_database


def markets_file(tmp_path, old, new):
    """config/markets.toml with its first `old` replaced by `new`, written
    under tmp_path; its path, for MARKETS_FILE."""
    with open("config/markets.toml", encoding="utf-8") as f:
        text = f.read()
    assert old in text, old
    path = tmp_path / "markets.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return str(path)
