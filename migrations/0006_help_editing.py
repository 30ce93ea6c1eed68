"""The marketers' help-center tools: an article's version keeps a draft
beside the published text, and who changed it last; the questions typed in
the question box are kept (without personal data) for marketers."""
from peewee import *


def up(migrator, db):
    class Staff(Model):
        class Meta:
            database = db
            table_name = 'staff'

    class HelpQuestion(Model):
        market = CharField(max_length=8)
        locale = CharField(max_length=16)
        text = CharField(max_length=200)
        found = IntegerField()
        helpful = BooleanField(null=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'help_question'
            indexes = ((('market', 'found', 'created_at'), False),)

    db.create_tables([HelpQuestion])
    migrator.migrate(
        migrator.add_column('help_article_version', 'draft_title',
                            CharField(max_length=200, null=True)),
        migrator.add_column('help_article_version', 'draft_body', TextField(null=True)),
        migrator.add_column('help_article_version', 'updated_by_id',
                            ForeignKeyField(Staff, field=Staff.id, null=True,
                                            on_delete='SET NULL')),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column('help_article_version', 'updated_by_id'),
        migrator.drop_column('help_article_version', 'draft_body'),
        migrator.drop_column('help_article_version', 'draft_title'),
        migrator.drop_table('help_question'),
    )
