"""An e-mail names its sender as the customer's market does in their
language ("Services financiers MINI"), not the deployment's MAIL_FROM name."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column('outbox_message', 'sender_name', CharField(max_length=100, default='')))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('outbox_message', 'sender_name'))
