"""Kept pages are public ones now (domain.page_cache): the page versions
per customer and 0009's hand-written triggers go. The triggers that follow
the tables kept pages read are made from page_cache.FOLLOWED by
page_cache.sync_triggers, which domain.db.upgrade runs after the
migrations; down() leaves them to it too."""
import importlib.util
import os

from peewee import *

# 0009's triggers, as it named them.
TABLES_0009 = ["customer", "agreement", "payment", "document", "payoff_quote",
               "remembered_device", "thread", "message", "attachment",
               "help_category", "help_article", "help_article_version"]


def up(migrator, db):
    for table in TABLES_0009:
        if isinstance(db, SqliteDatabase):
            for event in ("insert", "update", "delete"):
                db.execute_sql(f"DROP TRIGGER IF EXISTS page_version_{table}_{event}")
        else:
            db.execute_sql(f"DROP TRIGGER IF EXISTS page_version_{table} ON {table}")
            db.execute_sql(f"DROP FUNCTION IF EXISTS page_version_{table}()")
    db.execute_sql("DELETE FROM page_version")


def down(migrator, db):
    """0009's triggers again, for the version of the app before this one;
    the customers' versions start at 0, right for processes that kept no
    page yet."""
    path = os.path.join(os.path.dirname(__file__), "0009_page_versions.py")
    spec = importlib.util.spec_from_file_location("page_versions_0009", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (module.create_sqlite if module.is_sqlite(db) else module.create_postgresql)(db)
