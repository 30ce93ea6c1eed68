"""The dashboard: documents, payoff quotes, the customer's contact details,
re-authentication time, e-mail change tokens, and the threads that service
requests (and later the message center) write to."""
from peewee import *


def up(migrator, db):
    class Customer(Model):
        class Meta:
            database = db
            table_name = 'customer'

    class Agreement(Model):
        class Meta:
            database = db
            table_name = 'agreement'

    class FixedDecimal(BigIntegerField):
        pass

    class Document(Model):
        agreement = ForeignKeyField(Agreement, on_delete='CASCADE')
        kind = CharField(max_length=16)
        title = CharField(max_length=200)
        issued_on = DateField()
        stored_name = CharField(max_length=64, unique=True)
        original_name = CharField(max_length=255)
        size = IntegerField()
        created_at = DateTimeField()
        opened_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'document'
            indexes = ((('agreement', 'issued_on'), False),
                       (('agreement', 'original_name'), True))

    class PayoffQuote(Model):
        number = CharField(max_length=24, unique=True)
        agreement = ForeignKeyField(Agreement, on_delete='CASCADE')
        customer = ForeignKeyField(Customer, on_delete='CASCADE')
        payoff_date = DateField()
        currency = CharField(max_length=3)
        lines = TextField()
        total = FixedDecimal()
        remaining_payments = IntegerField(default=0)
        interest_days = IntegerField(default=0)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'payoff_quote'

    class Thread(Model):
        customer = ForeignKeyField(Customer, on_delete='CASCADE')
        market = CharField(max_length=8)
        agreement = ForeignKeyField(Agreement, null=True, on_delete='SET NULL')
        kind = CharField(max_length=16, default='message')
        topic = CharField(max_length=32)
        status = CharField(max_length=16, default='open')
        created_at = DateTimeField()
        updated_at = DateTimeField()
        customer_unread = BooleanField(default=False)
        class Meta:
            database = db
            table_name = 'thread'
            indexes = ((('customer', 'updated_at'), False),
                       (('market', 'status', 'updated_at'), False))

    class Message(Model):
        thread = ForeignKeyField(Thread, on_delete='CASCADE')
        author = CharField(max_length=8)
        body = TextField()
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'message'
            indexes = ((('thread', 'created_at'), False),)

    db.create_tables([Document, PayoffQuote, Thread, Message])
    migrator.migrate(
        migrator.add_column('customer', 'phone', CharField(max_length=20, default='')),
        migrator.add_column('customer', 'street', CharField(max_length=200, default='')),
        migrator.add_column('customer', 'postal_code', CharField(max_length=16, default='')),
        migrator.add_column('customer', 'city', CharField(max_length=100, default='')),
        migrator.add_column('token', 'payload', CharField(max_length=254, default='')),
        # Existing sessions count as authenticated when they started.
        migrator.add_column('login_session', 'authenticated_at', DateTimeField(null=True)),
    )
    db.execute_sql('UPDATE login_session SET authenticated_at = created_at')
    migrator.migrate(migrator.add_not_null('login_session', 'authenticated_at'))


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column('login_session', 'authenticated_at'),
        migrator.drop_column('token', 'payload'),
        migrator.drop_column('customer', 'city'),
        migrator.drop_column('customer', 'postal_code'),
        migrator.drop_column('customer', 'street'),
        migrator.drop_column('customer', 'phone'),
    )
    for table in ('message', 'thread', 'payoff_quote', 'document'):
        migrator.migrate(migrator.drop_table(table))
