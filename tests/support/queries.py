"""The SQL of every query the app runs meanwhile, for tests that count
queries per page:

    with counted_queries() as queries:
        client.get(url)
    assert len(queries) == 5

Each entry is the SQL text (domain.db's log filter hides the values)."""
import logging
from contextlib import contextmanager


@contextmanager
def counted_queries():
    queries = []
    handler = logging.Handler()
    # Queries only: peewee.pool logs to a child logger, which propagates here.
    handler.emit = lambda record: record.name == "peewee" and queries.append(
        record.msg[0] if isinstance(record.msg, tuple) else str(record.msg))
    logger = logging.getLogger("peewee")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        yield queries
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
