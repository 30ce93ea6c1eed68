"""An address in the US or Canada names its state or province (a code of
the market's list, config/markets.toml)."""


def up(migrator, db):
    # Plain SQL, not migrator.add_column: on SQLite that rebuilds the table
    # for a NOT NULL column, which drops the page-version triggers of 0009
    # (tests/test_migrations.py).
    db.execute_sql("ALTER TABLE customer ADD COLUMN region VARCHAR(8) NOT NULL DEFAULT ''")


def down(migrator, db):
    db.execute_sql("ALTER TABLE customer DROP COLUMN region")
