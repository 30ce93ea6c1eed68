"""A customer can close their online account (domain.account_closing): the
row stays, emptied, while their messages are kept, and says since when."""
from peewee import SqliteDatabase


def up(migrator, db):
    # Plain SQL, as in 0014, in the type peewee gives a DateTimeField.
    kind = "DATETIME" if isinstance(db, SqliteDatabase) else "TIMESTAMP"
    db.execute_sql(f"ALTER TABLE customer ADD COLUMN closed_at {kind}")


def down(migrator, db):
    db.execute_sql("ALTER TABLE customer DROP COLUMN closed_at")
