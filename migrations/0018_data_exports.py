"""A customer's data export too big to build during the request waits here
for the outbox worker, then for its one download (domain.data_export)."""
from peewee import *


def up(migrator, db):
    class Customer(Model):
        class Meta:
            database = db
            table_name = 'customer'

    class DataExport(Model):
        customer = ForeignKeyField(Customer, on_delete='CASCADE')
        locale = CharField(max_length=16)
        stored_name = CharField(max_length=64, unique=True)
        requested_at = DateTimeField()
        claimed_until = DateTimeField(null=True)
        token_hash = CharField(max_length=64, null=True, unique=True)
        ready_at = DateTimeField(null=True)
        expires_at = DateTimeField(null=True)
        downloaded_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = 'data_export'
            indexes = ((('ready_at', 'requested_at'), False),)

    db.create_tables([DataExport])


def down(migrator, db):
    db.execute_sql('DROP TABLE data_export')
