"""The migration scripts build the schema the models describe: a column
added to a model without a migration (or the reverse) fails here."""
import importlib.util
import os

from peewee import SqliteDatabase
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


def test_0016_drops_the_customers_page_versions_and_down_brings_0009s_triggers_back(app, db):
    """(The triggers made from domain.page_reads: tests/test_page_cache.py.)"""
    migration = load_migration("0016_page_versions_from_the_list")
    migrator = SchemaMigrator.from_database(database)
    migration.down(migrator, database.obj)       # what the runner passes
    assert {"page_version_customer_update", "page_version_customer"} & triggers()
    database.execute_sql("INSERT INTO page_version (scope, number) VALUES ('c1', 3)")
    migration.up(migrator, database.obj)
    assert not {name for name in triggers() if name.startswith("page_version_customer")}
    assert database.execute_sql("SELECT COUNT(*) FROM page_version").fetchone()[0] == 0


def triggers():
    if isinstance(database.obj, SqliteDatabase):
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        sql = "SELECT trigger_name FROM information_schema.triggers"
    return {name for (name,) in database.execute_sql(sql).fetchall()}


def test_0015_moves_the_marketers_wordings_to_the_renamed_source_texts(app, db):
    """English writes "email" now: a wording published for the old source
    text ("e-mail") is found under the new one, and the way back is exact."""
    from models import TextChange, TextEntry
    from domain import texts
    old, new = "Enter your e-mail address.", "Enter your email address."
    TextEntry.create(locale="fr", key=texts.message_key(old), msgid=old,
                     published='["Indiquez votre adresse e-mail."]')
    TextChange.create(locale="fr", key=texts.message_key(old), msgid=old, after='["x"]')
    TextEntry.create(locale="fr", key=texts.message_key("Name"), msgid="Name", published='["Nom"]')
    migration = load_migration("0015_english_writes_email")
    migrator = SchemaMigrator.from_database(database)
    migration.up(migrator, database)
    entry = TextEntry.get(TextEntry.msgid == new)
    assert entry.key == texts.message_key(new)
    assert texts.row("fr", entry.key).forms == ["Indiquez votre adresse e-mail."]
    assert TextChange.get().msgid == new and TextChange.get().key == texts.message_key(new)
    assert TextEntry.get(TextEntry.msgid == "Name").key == texts.message_key("Name")
    migration.down(migrator, database)
    assert TextEntry.get(TextEntry.key == texts.message_key(old)).msgid == old
