"""The database: SQLite in instance/ by default, PostgreSQL through DATABASE_URL."""
import logging
import os

from peewee import DatabaseProxy
from playhouse.db_url import connect
from playhouse.migrations import Runner

database = DatabaseProxy()

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


def init_database(url):
    if url.startswith("sqlite"):
        db = connect(url, pragmas=SQLITE_PRAGMAS)
    else:
        db = connect(url)
    database.initialize(db)
    return db


def upgrade():
    """Apply the migration scripts not applied yet; returns their names."""
    with database.connection_context():
        return Runner(database.obj, MIGRATIONS_DIR).up()
