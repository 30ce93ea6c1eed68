"""The first schema: accounts, tokens, sessions, the outbox, rate counters.

A frozen copy of the models as they were; later scripts change it. Time
defaults live in the models (Python side), so none is declared here."""
from peewee import *


def up(migrator, db):
    class Customer(Model):
        market = CharField(max_length=8)
        email = CharField(max_length=254)
        email_key = CharField(max_length=254)
        title = CharField(max_length=8, default='')
        first_name = CharField(max_length=100)
        last_name = CharField(max_length=100)
        password_hash = CharField()
        locale = CharField(max_length=16)
        status = CharField(max_length=16, default='pending')
        failed_logins = IntegerField(default=0)
        locked_at = DateTimeField(null=True)
        created_at = DateTimeField()
        activated_at = DateTimeField(null=True)
        last_login_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'customer'
            indexes = ((('market', 'email_key'), True),)
    db.create_tables([Customer])

    class LoginSession(Model):
        customer = ForeignKeyField(Customer, on_delete='CASCADE')
        key_hash = CharField(unique=True, max_length=64)
        created_at = DateTimeField()
        last_seen_at = DateTimeField()
        ended_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'login_session'
    db.create_tables([LoginSession])

    class OutboxMessage(Model):
        channel = CharField(max_length=8, default='mail')
        recipient = CharField(max_length=254)
        subject = CharField()
        body_text = TextField()
        body_html = TextField(default='')
        created_at = DateTimeField()
        attempts = IntegerField(default=0)
        next_attempt_at = DateTimeField()
        claimed_until = DateTimeField(null=True)
        sent_at = DateTimeField(null=True)
        last_error = TextField(default='')
        class Meta:
            database = db
            table_name = 'outbox_message'
            indexes = ((('sent_at', 'next_attempt_at'), False),)
    db.create_tables([OutboxMessage])

    class RateCounter(Model):
        key = CharField(primary_key=True, max_length=64)
        window_start = DateTimeField()
        count = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'rate_counter'
    db.create_tables([RateCounter])

    class RegistrationDraft(Model):
        key_hash = CharField(unique=True, max_length=64)
        market = CharField(max_length=8)
        data = TextField(default='{}')
        created_at = DateTimeField()
        completed_at = DateTimeField(null=True)
        last_sent_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'registration_draft'
    db.create_tables([RegistrationDraft])

    class SecurityEvent(Model):
        kind = CharField(max_length=32)
        customer = ForeignKeyField(Customer, null=True, on_delete='SET NULL')
        created_at = DateTimeField(index=True)
        detail = CharField(default='')
        class Meta:
            database = db
            table_name = 'security_event'
    db.create_tables([SecurityEvent])

    class Token(Model):
        customer = ForeignKeyField(Customer, on_delete='CASCADE')
        purpose = CharField(max_length=16)
        token_hash = CharField(unique=True, max_length=64)
        created_at = DateTimeField()
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'token'
    db.create_tables([Token])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('token'))
    migrator.migrate(migrator.drop_table('security_event'))
    migrator.migrate(migrator.drop_table('registration_draft'))
    migrator.migrate(migrator.drop_table('rate_counter'))
    migrator.migrate(migrator.drop_table('outbox_message'))
    migrator.migrate(migrator.drop_table('login_session'))
    migrator.migrate(migrator.drop_table('customer'))
