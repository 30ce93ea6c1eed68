"""Password reset requests wait in a table of their own for the outbox
worker (domain.accounts.answer_reset_requests), so that the page does the
same work for a known and an unknown address."""
from peewee import *


def up(migrator, db):
    class ResetRequest(Model):
        market = CharField(max_length=8)
        email_key = CharField(max_length=254)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'reset_request'

    db.create_tables([ResetRequest])


def down(migrator, db):
    db.execute_sql('DROP TABLE reset_request')
