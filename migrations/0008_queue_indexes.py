"""The agents' queue pages by keyset along two streams (domain.queue):
indexes for the answered threads by status and time, and for the waiting
ones of a market."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_index('thread', ('status', 'updated_at'), False),
        migrator.add_index('thread', ('market', 'status', 'waiting_since'), False),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index('thread', 'thread_market_status_waiting_since'),
        migrator.drop_index('thread', 'thread_status_updated_at'),
    )
