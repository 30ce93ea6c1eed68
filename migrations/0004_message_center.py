"""The message center and the back office: staff accounts with their
second factor, recovery codes and sessions; attachments; threads learn
their assignee and since when the customer waits; the security log and
messages may name a staff member."""
from peewee import *


def up(migrator, db):
    class Message(Model):
        class Meta:
            database = db
            table_name = 'message'

    class Staff(Model):
        email = CharField(max_length=254, unique=True)
        name = CharField(max_length=100)
        role = CharField(max_length=16)
        password_hash = CharField(max_length=255)
        totp_secret = CharField(max_length=64, default='')
        totp_confirmed_at = DateTimeField(null=True)
        last_totp_step = BigIntegerField(default=0)
        active = BooleanField(default=True)
        failed_logins = IntegerField(default=0)
        locked_at = DateTimeField(null=True)
        created_at = DateTimeField()
        last_login_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'staff'

    class RecoveryCode(Model):
        staff = ForeignKeyField(Staff, on_delete='CASCADE')
        code_hash = CharField(max_length=64)
        used_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'recovery_code'

    class StaffSession(Model):
        staff = ForeignKeyField(Staff, on_delete='CASCADE')
        key_hash = CharField(max_length=64, unique=True)
        created_at = DateTimeField()
        last_seen_at = DateTimeField()
        second_factor_at = DateTimeField(null=True)
        ended_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'staff_session'

    class Attachment(Model):
        message = ForeignKeyField(Message, on_delete='CASCADE')
        stored_name = CharField(max_length=64, unique=True)
        original_name = CharField(max_length=255)
        content_type = CharField(max_length=32)
        size = IntegerField()
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'attachment'

    db.create_tables([Staff, RecoveryCode, StaffSession, Attachment])
    staff = ForeignKeyField(Staff, field=Staff.id, null=True, on_delete='SET NULL')
    migrator.migrate(
        migrator.add_column('thread', 'assignee_id', staff),
        migrator.add_column('thread', 'waiting_since', DateTimeField(null=True)),
        migrator.add_index('thread', ('status', 'waiting_since'), False),
        migrator.add_column('message', 'staff_id',
                            ForeignKeyField(Staff, field=Staff.id, null=True, on_delete='SET NULL')),
        migrator.add_column('security_event', 'staff_id',
                            ForeignKeyField(Staff, field=Staff.id, null=True, on_delete='SET NULL')),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column('security_event', 'staff_id'),
        migrator.drop_column('message', 'staff_id'),
        migrator.drop_index('thread', 'thread_status_waiting_since'),
        migrator.drop_column('thread', 'waiting_since'),
        migrator.drop_column('thread', 'assignee_id'),
    )
    for table in ('attachment', 'staff_session', 'recovery_code', 'staff'):
        migrator.migrate(migrator.drop_table(table))
