"""The migration scripts build the schema the models describe: a column
added to a model without a migration (or the reverse) fails here."""
import importlib.util
import os

from playhouse.migrate import SchemaMigrator

from domain import help
from domain.db import MIGRATIONS_DIR, database
from models import ALL_MODELS, OutboxMessage


def test_migrated_schema_matches_the_models(app, db):
    for model in ALL_MODELS:
        table = model._meta.table_name
        columns = {column.name: column.null for column in database.get_columns(table)}
        fields = {field.column_name: field.null for field in model._meta.sorted_fields}
        assert columns == fields, table
        indexes = {tuple(index.columns) for index in database.get_indexes(table)}
        for names, _unique in model._meta.indexes:
            wanted = tuple(model._meta.fields[name].column_name for name in names)
            assert wanted in indexes, (table, wanted)


def test_every_table_has_a_model(app, db):
    tables = set(database.get_tables()) - {"schema_migration"}    # the runner's own
    # The help center's search index has no model: domain.help writes it
    # (on SQLite it is an FTS5 table with shadow tables named after it).
    tables = {table for table in tables if not table.startswith(help.SEARCH_TABLE)}
    assert tables == {model._meta.table_name for model in ALL_MODELS}


def load_migration(name):
    path = os.path.join(MIGRATIONS_DIR, name + ".py")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_0011_indexes_the_log_and_cuts_old_failures_to_their_class(app, db):
    """Down then up again, on the data an older version wrote: the log's
    one-column indexes come back and go, and a failure's text (which held
    the refused address) is cut to the exception's class."""
    old = ("SMTPRecipientsRefused: {'ana.silva@example.com': (550, b'5.1.1 "
           "<ana.silva@example.com>: Recipient address rejected')}")
    for last_error in (old, "ConnectionRefusedError: [Errno 111] Connection refused",
                       "HTTPError (HTTP 503)", ""):
        OutboxMessage.create(recipient="ana.silva@example.com", subject="s", body_text="t",
                             last_error=last_error)
    migration = load_migration("0011_security_log_indexes")
    migrator = SchemaMigrator.from_database(database)
    with migrator.migration_context():
        migration.down(migrator, database)
    indexes = {tuple(index.columns) for index in database.get_indexes("security_event")}
    assert ("customer_id",) in indexes and ("kind", "created_at", "id") not in indexes
    with migrator.migration_context():
        migration.up(migrator, database)
    indexes = {tuple(index.columns) for index in database.get_indexes("security_event")}
    # (PostgreSQL lists the primary key's index too.)
    assert indexes - {("id",)} == {("kind", "created_at", "id"), ("customer_id", "created_at", "id"),
                                   ("staff_id", "created_at", "id"), ("created_at",)}
    assert [m.last_error for m in OutboxMessage.select().order_by(OutboxMessage.id)] == [
        "SMTPRecipientsRefused", "ConnectionRefusedError", "HTTPError (HTTP 503)", ""]
