"""The help center: categories and articles of a market, a version of each
article per language, and the search index (domain.help keeps it): an FTS5
table on SQLite, a table of weighted tsvectors with a GIN index (and the
unaccent extension) on PostgreSQL."""
from peewee import *


def up(migrator, db):
    class HelpCategory(Model):
        market = CharField(max_length=8)
        key = CharField(max_length=64)
        position = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'help_category'
            indexes = ((('market', 'key'), True),)

    class HelpArticle(Model):
        market = CharField(max_length=8)
        category = ForeignKeyField(HelpCategory, on_delete='CASCADE')
        key = CharField(max_length=100)
        position = IntegerField(default=0)
        views = IntegerField(default=0)
        helpful_yes = IntegerField(default=0)
        helpful_no = IntegerField(default=0)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'help_article'
            indexes = ((('market', 'key'), True),)

    class HelpArticleVersion(Model):
        article = ForeignKeyField(HelpArticle, on_delete='CASCADE')
        locale = CharField(max_length=16)
        title = CharField(max_length=200)
        body = TextField()
        published = BooleanField(default=False)
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'help_article_version'
            indexes = ((('article', 'locale'), True),)

    db.create_tables([HelpCategory, HelpArticle, HelpArticleVersion])
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql('CREATE EXTENSION IF NOT EXISTS unaccent')
        db.execute_sql(
            'CREATE TABLE help_search ('
            ' version_id INTEGER PRIMARY KEY'
            '  REFERENCES help_article_version (id) ON DELETE CASCADE,'
            ' document TSVECTOR NOT NULL)')
        db.execute_sql('CREATE INDEX help_search_document ON help_search USING GIN (document)')
    else:
        # The columns hold stemmed, accent-folded words (domain.help does
        # the stemming, per language), so the tokenizer only splits them.
        db.execute_sql(
            'CREATE VIRTUAL TABLE help_search USING fts5('
            'version_id UNINDEXED, title, body, tokenize = "unicode61 remove_diacritics 2")')


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS help_search')
    for table in ('help_article_version', 'help_article', 'help_category'):
        migrator.migrate(migrator.drop_table(table))
