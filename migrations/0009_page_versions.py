"""Page versions for the rendered-page cache (domain.page_cache): a number
per customer ("c42") and one for the help center ("help"), raised by
triggers in the same transaction as any change to a row those pages show.
Triggers, not calls from the code: no write path (an agent's answer, an
import, a cascade delete, a shell) can forget one."""
from peewee import *

# (table, the customer a row belongs to, written with {row} for NEW or OLD)
CUSTOMER_ROWS = [
    ("customer", "{row}.id"),
    ("agreement", "{row}.customer_id"),
    ("payment", "(SELECT customer_id FROM agreement WHERE id = {row}.agreement_id)"),
    ("document", "(SELECT customer_id FROM agreement WHERE id = {row}.agreement_id)"),
    ("payoff_quote", "{row}.customer_id"),
    ("remembered_device", "{row}.customer_id"),
    ("thread", "{row}.customer_id"),
    ("message", "(SELECT customer_id FROM thread WHERE id = {row}.thread_id)"),
    ("attachment", "(SELECT t.customer_id FROM thread t JOIN message m ON m.thread_id = t.id"
                   " WHERE m.id = {row}.message_id)"),
]
# (table, the columns whose change shows, or None for all). An article's
# read and vote counters change on every read: they are not content.
HELP_ROWS = [
    ("help_category", None),
    ("help_article", ("market", "category_id", "key", "position")),
    ("help_article_version", None),
]

BUMP = ("INSERT INTO page_version (scope, number) SELECT {scope}, 1 WHERE {scope} IS NOT NULL "
        "ON CONFLICT (scope) DO UPDATE SET number = page_version.number + 1")


def customer_scope(expression, row):
    return "'c' || " + expression.format(row=row)


def triggers():
    """(table, the columns an UPDATE must touch or None, a function of the
    row (NEW or OLD) giving the scope's SQL) for every table with triggers."""
    for table, expression in CUSTOMER_ROWS:
        yield table, None, lambda row, e=expression: customer_scope(e, row)
    for table, columns in HELP_ROWS:
        yield table, columns, lambda row: "'help'"


def create_sqlite(db):
    for table, columns, scope in triggers():
        update = "UPDATE OF " + ", ".join(columns) if columns else "UPDATE"
        for event, rows in (("INSERT", ["NEW"]), (update, ["NEW", "OLD"]), ("DELETE", ["OLD"])):
            name = f"page_version_{table}_{event.split()[0].lower()}"
            body = "; ".join(BUMP.format(scope=scope(row)) for row in rows)
            db.execute_sql(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {body}; END")


def create_postgresql(db):
    for table, columns, scope in triggers():
        update = "UPDATE OF " + ", ".join(columns) if columns else "UPDATE"
        db.execute_sql(f"""
CREATE FUNCTION page_version_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'DELETE' THEN {BUMP.format(scope=scope('NEW'))}; END IF;
  IF TG_OP <> 'INSERT' THEN {BUMP.format(scope=scope('OLD'))}; END IF;
  RETURN NULL;
END $$""")
        db.execute_sql(f"CREATE TRIGGER page_version_{table} AFTER INSERT OR DELETE OR {update} "
                       f"ON {table} FOR EACH ROW EXECUTE FUNCTION page_version_{table}()")


def drop_sqlite(db):
    for table, _columns, _scope in triggers():
        for event in ("insert", "update", "delete"):
            db.execute_sql(f"DROP TRIGGER IF EXISTS page_version_{table}_{event}")


def drop_postgresql(db):
    for table, _columns, _scope in triggers():
        db.execute_sql(f"DROP TRIGGER IF EXISTS page_version_{table} ON {table}")
        db.execute_sql(f"DROP FUNCTION IF EXISTS page_version_{table}()")


def is_sqlite(db):
    return isinstance(db, SqliteDatabase)


def up(migrator, db):
    db.execute_sql("CREATE TABLE page_version (scope VARCHAR(40) NOT NULL PRIMARY KEY, "
                   "number INTEGER NOT NULL)")
    (create_sqlite if is_sqlite(db) else create_postgresql)(db)


def down(migrator, db):
    (drop_sqlite if is_sqlite(db) else drop_postgresql)(db)
    db.execute_sql("DROP TABLE page_version")
