"""The security log's listing (domain.admin.log_page): pages newest first,
by (created_at, id), filtered by kind, customer or staff. Without an index
that starts with the filter and goes on in the page's order, a filtered
page either sorts every matching row or walks the whole log by time to
find a rare kind. One index per filter, (filter, created_at, id); those of
the customer and the staff member replace their one-column indexes (the
foreign keys' lookups use the new ones' first column).

And the outbox's last_error kept the SMTP server's text, which can hold
the recipient's address (domain.outbox.failure keeps the class and code
now): what older failures left is cut to the exception's class."""
from peewee import *

NEW = [("kind", "created_at", "id"), ("customer_id", "created_at", "id"),
       ("staff_id", "created_at", "id")]


def up(migrator, db):
    migrator.migrate(*[migrator.add_index('security_event', columns, False) for columns in NEW])
    # By their columns: their names differ with how they were made
    # ("securityevent_customer_id" by create_tables, "security_event_..."
    # by the migrator).
    migrator.migrate(*[migrator.drop_index('security_event', index.name)
                       for index in db.get_indexes('security_event')
                       if index.columns in (['customer_id'], ['staff_id'])])
    # The pattern as a parameter: psycopg2 would read a literal % as its own.
    cursor = db.execute_sql(f"SELECT id, last_error FROM outbox_message WHERE last_error LIKE {db.param}",
                            ("%:%",))
    for message_id, last_error in list(cursor.fetchall()):
        db.execute_sql(f"UPDATE outbox_message SET last_error = {db.param} WHERE id = {db.param}",
                       (last_error.split(":", 1)[0].strip(), message_id))


def down(migrator, db):
    migrator.migrate(
        migrator.add_index('security_event', ('customer_id',), False),
        migrator.add_index('security_event', ('staff_id',), False),
    )
    migrator.migrate(*[migrator.drop_index('security_event', 'security_event_' + '_'.join(columns))
                       for columns in NEW])
