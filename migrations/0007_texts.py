"""The marketers' texts: a layer of published wordings over the compiled
catalogues, their history, and the revision number every server process
checks to know its texts are stale."""
from peewee import *


def up(migrator, db):
    class Staff(Model):
        class Meta:
            database = db
            table_name = 'staff'

    class TextEntry(Model):
        locale = CharField(max_length=16)
        key = CharField(max_length=64)
        msgid = TextField()
        msgid_plural = TextField(null=True)
        published = TextField(null=True)
        published_by = ForeignKeyField(Staff, null=True, on_delete='SET NULL')
        published_at = DateTimeField(null=True)
        draft = TextField(null=True)
        draft_by = ForeignKeyField(Staff, null=True, on_delete='SET NULL')
        draft_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'text_entry'
            indexes = ((('locale', 'key'), True),)

    class TextChange(Model):
        locale = CharField(max_length=16)
        key = CharField(max_length=64)
        msgid = TextField()
        msgid_plural = TextField(null=True)
        before = TextField(null=True)
        after = TextField(null=True)
        staff = ForeignKeyField(Staff, null=True, on_delete='SET NULL')
        note = CharField(max_length=32, default='')
        created_at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'text_change'

    class TextRevision(Model):
        number = BigIntegerField(default=0)
        class Meta:
            database = db
            table_name = 'text_revision'

    db.create_tables([TextEntry, TextChange, TextRevision])
    TextRevision.create(id=1, number=0)


def down(migrator, db):
    for table in ('text_revision', 'text_change', 'text_entry'):
        migrator.migrate(migrator.drop_table(table))
