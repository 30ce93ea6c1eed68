"""The database: SQLite in instance/ by default, PostgreSQL through DATABASE_URL."""
import logging
import os
import sqlite3

from peewee import DatabaseProxy, SqliteDatabase
from playhouse.db_url import connect
from playhouse.migrations import Runner

database = DatabaseProxy()
# Raised by each init_database(): what a process keeps from one database
# (domain.sessions, domain.texts, views.shared.cache) is keyed by it, so that
# nothing carries over to the next (tests, a shell open several; an id()
# of a freed database object may come back).
_generation = 0

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")

SQLITE_PRAGMAS = {
    "journal_mode": "wal",       # readers do not block the writer
    "busy_timeout": 5000,        # wait for a lock instead of failing at once
    "foreign_keys": 1,
    "synchronous": "normal",     # safe with WAL, much faster than "full"
}


class HideQueryValues(logging.Filter):
    """peewee logs every query with its values at DEBUG. The values are
    personal data, password hashes, and in the outbox one-time codes until
    they are sent: the log keeps the SQL only."""

    def filter(self, record):
        if isinstance(record.msg, tuple) and len(record.msg) == 2:
            record.msg = (record.msg[0], "[values hidden]")
        return True


logging.getLogger("peewee").addFilter(HideQueryValues())


def pooled(url):
    """The URL of the same database through peewee's connection pool:
    a request then takes an open connection (opening one costs SQLite a
    file open and four pragmas, PostgreSQL a login) and gives it back at
    its end; 5 minutes unused, a connection is opened anew."""
    scheme, rest = url.split("://", 1)
    if "+" in scheme:
        return url
    return f"{scheme}+pool://{rest}"


def init_database(url):
    previous = database.obj
    if previous is not None and hasattr(previous, "close_all"):
        previous.close_all()        # a new database (tests, a shell): free the old one's files
    options = dict(max_connections=None, stale_timeout=300)
    if url.startswith("sqlite"):
        # A pooled connection may serve another thread next (one at a time,
        # the pool sees to it), which SQLite's module refuses unless told.
        db = connect(pooled(url), pragmas=SQLITE_PRAGMAS, check_same_thread=False, **options)
    else:
        db = connect(pooled(url), **options)
    database.initialize(db)
    global _generation
    _generation += 1
    return db


def generation():
    return _generation


def upgrade():
    """Apply the migration scripts not applied yet; returns their names."""
    with database.connection_context():
        return Runner(database.obj, MIGRATIONS_DIR).up()


def backup_sqlite(destination):
    """Copy the SQLite database to `destination` with SQLite's online backup
    API: a consistent copy while the app keeps reading and writing (a
    plain file copy of a WAL database may be torn). Returns the pages copied."""
    source = database.obj
    if not isinstance(source, SqliteDatabase):
        raise ValueError("backup_sqlite is for SQLite; use pg_dump for PostgreSQL")
    with sqlite3.connect(destination) as target:
        source.connection().backup(target)
        pages = target.execute("PRAGMA page_count").fetchone()[0]
    target.close()
    return pages
