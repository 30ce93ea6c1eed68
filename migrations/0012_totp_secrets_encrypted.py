"""Staff members' TOTP secrets encrypted at rest (domain.totp_keys): a
column for the Fernet token, filled from the secrets kept in clear until
now, and the clear column dropped. It uses the app's keys (TOTP_KEY or
instance/totp_key), so it runs through `flask db upgrade`, which makes the
app first."""
from peewee import *

from domain import totp_keys


def _staff(db):
    """The staff table while it has both columns."""
    class Staff(Model):
        totp_secret = CharField(max_length=64, default='')
        totp_secret_sealed = CharField(max_length=255, default='')

        class Meta:
            database = db
            table_name = 'staff'
    return Staff


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('staff', 'totp_secret_sealed', CharField(max_length=255, default='')))
    Staff = _staff(db)
    for staff_id, secret in (Staff.select(Staff.id, Staff.totp_secret)
                             .where(Staff.totp_secret != '').tuples()):
        Staff.update(totp_secret_sealed=totp_keys.seal(secret)).where(
            Staff.id == staff_id).execute()
    migrator.migrate(migrator.drop_column('staff', 'totp_secret'))


def down(migrator, db):
    migrator.migrate(
        migrator.add_column('staff', 'totp_secret', CharField(max_length=64, default='')))
    Staff = _staff(db)
    for staff_id, token in (Staff.select(Staff.id, Staff.totp_secret_sealed)
                            .where(Staff.totp_secret_sealed != '').tuples()):
        Staff.update(totp_secret=totp_keys.unseal(token)).where(Staff.id == staff_id).execute()
    migrator.migrate(migrator.drop_column('staff', 'totp_secret_sealed'))
