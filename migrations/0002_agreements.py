"""Agreements and their payments, one-time codes, remembered devices; the
session learns whether its device is authorized, the outbox which messages
carry a code."""
from peewee import *


def up(migrator, db):
    class Customer(Model):
        class Meta:
            database = db
            table_name = 'customer'

    class FixedDecimal(BigIntegerField):
        pass

    class Agreement(Model):
        market = CharField(max_length=8)
        contract_number = CharField(max_length=32)
        kind = CharField(max_length=8)
        business = BooleanField(default=False)
        vehicle_model = CharField(max_length=100)
        vin = CharField(max_length=17)
        holder_title = CharField(max_length=8, default='')
        holder_first_name = CharField(max_length=100)
        holder_last_name = CharField(max_length=100)
        holder_birth_date = DateField()
        customer_number = CharField(max_length=32)
        phone = CharField(max_length=20, default='')
        email = CharField(max_length=254, default='')
        start_date = DateField()
        term_months = IntegerField()
        rate = FixedDecimal()
        monthly_payment = FixedDecimal()
        residual_value = FixedDecimal(null=True)
        balance = FixedDecimal()
        customer = ForeignKeyField(Customer, null=True, on_delete='SET NULL')
        linked_at = DateTimeField(null=True)
        link_blocked_at = DateTimeField(null=True)
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'agreement'
            indexes = ((('market', 'contract_number'), True),
                       (('market', 'vin'), False),
                       (('market', 'customer_number'), False))

    class Payment(Model):
        agreement = ForeignKeyField(Agreement, on_delete='CASCADE')
        reference = CharField(max_length=40)
        paid_on = DateField()
        amount = FixedDecimal()
        class Meta:
            database = db
            table_name = 'payment'
            indexes = ((('agreement', 'reference'), True),
                       (('agreement', 'paid_on'), False))

    class OneTimeCode(Model):
        purpose = CharField(max_length=16)
        customer = ForeignKeyField(Customer, on_delete='CASCADE')
        agreement = ForeignKeyField(Agreement, null=True, on_delete='CASCADE')
        channel = CharField(max_length=8)
        destination = CharField(max_length=254)
        code_hash = CharField(max_length=64)
        created_at = DateTimeField()
        expires_at = DateTimeField()
        last_sent_at = DateTimeField()
        sends = IntegerField(default=1)
        attempts = IntegerField(default=0)
        used_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'one_time_code'

    class RememberedDevice(Model):
        customer = ForeignKeyField(Customer, on_delete='CASCADE')
        key_hash = CharField(unique=True, max_length=64)
        label = CharField(max_length=120, default='')
        created_at = DateTimeField()
        last_used_at = DateTimeField()
        expires_at = DateTimeField()
        revoked_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'remembered_device'

    db.create_tables([Agreement, Payment, OneTimeCode, RememberedDevice])
    migrator.migrate(
        migrator.add_column('login_session', 'device_ok', BooleanField(default=False)),
        migrator.add_column('outbox_message', 'sensitive', BooleanField(default=False)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column('outbox_message', 'sensitive'),
        migrator.drop_column('login_session', 'device_ok'),
    )
    for table in ('remembered_device', 'one_time_code', 'payment', 'agreement'):
        migrator.migrate(migrator.drop_table(table))
