"""The migration scripts build the schema the models describe: a column
added to a model without a migration (or the reverse) fails here."""
from domain import help
from domain.db import database
from models import ALL_MODELS


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
