"""The database: SQLite in instance/ by default, PostgreSQL through DATABASE_URL."""
import inspect
import logging
import os
import sqlite3

from peewee import Alias, DatabaseProxy, Field, Node, SelectBase, SqliteDatabase
from playhouse.db_url import connect
from playhouse.migrations import Runner

from domain.page_reads import TRIGGER_PREFIX, wanted_triggers

database = DatabaseProxy()
# Raised by each init_database(): what a process keeps from one database
# (domain.sessions, domain.texts, views.shared.cache) is keyed by it, so that
# nothing carries over to the next (tests, a shell open several; an id()
# of a freed database object may come back).
_generation = 0

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")

SQLITE_PRAGMAS = {
    "journal_mode": "wal",       # readers do not block the writer
    "busy_timeout": 5000,        # wait for a lock instead of failing at once
    "foreign_keys": 1,
    "synchronous": "normal",     # safe with WAL, much faster than "full"
}


class HideQueryValues(logging.Filter):
    """peewee logs every query with its values at DEBUG. The values are
    personal data, password hashes, and in the outbox one-time codes until
    they are sent: the log keeps the SQL only."""

    def filter(self, record):
        if isinstance(record.msg, tuple) and len(record.msg) == 2:
            record.msg = (record.msg[0], "[values hidden]")
        return True


logging.getLogger("peewee").addFilter(HideQueryValues())


def pooled(url):
    """The URL of the same database through peewee's connection pool:
    a request then takes an open connection (opening one costs SQLite a
    file open and four pragmas, PostgreSQL a login) and gives it back at
    its end; 5 minutes unused, a connection is opened anew."""
    scheme, rest = url.split("://", 1)
    if "+" in scheme:
        return url
    return f"{scheme}+pool://{rest}"


def init_database(url):
    previous = database.obj
    if previous is not None and hasattr(previous, "close_all"):
        previous.close_all()        # a new database (tests, a shell): free the old one's files
    options = dict(max_connections=None, stale_timeout=300)
    if url.startswith("sqlite"):
        # A pooled connection may serve another thread next (one at a time,
        # the pool sees to it), which SQLite's module refuses unless told.
        db = connect(pooled(url), pragmas=SQLITE_PRAGMAS, check_same_thread=False, **options)
    else:
        db = connect(pooled(url), **options)
    database.initialize(db)
    global _generation
    _generation += 1
    return db


def generation():
    return _generation


def upgrade():
    """Apply the migration scripts not applied yet, then make the triggers
    the kept pages' versions need (made from domain.page_reads' list, and
    made again where a migration that rebuilt a table dropped them);
    returns the names of the migrations applied."""
    with database.connection_context():
        applied = Runner(database.obj, MIGRATIONS_DIR).up()
        sync_triggers()
        return applied


# --- the kept pages' triggers (domain.page_reads) ---------------------------------------

def existing_triggers(sqlite):
    """{trigger name: table} of the page version triggers in the database."""
    if sqlite:
        sql = "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'"
    else:
        sql = "SELECT DISTINCT trigger_name, event_object_table FROM information_schema.triggers"
    return {name: table for name, table in database.execute_sql(sql).fetchall()
            if name.startswith(TRIGGER_PREFIX)}


def sync_triggers():
    """Make the database's page version triggers those page_reads.FOLLOWED asks for:
    create the missing ones (also those a migration lost by rebuilding a
    table), drop the ones no longer wanted. Returns (created, dropped)."""
    sqlite = isinstance(database.obj, SqliteDatabase)
    wanted, existing = wanted_triggers(sqlite), existing_triggers(sqlite)
    dropped = sorted(set(existing) - set(wanted))
    created = sorted(set(wanted) - set(existing))
    with database.atomic():
        for name in dropped:
            if sqlite:
                database.execute_sql(f"DROP TRIGGER IF EXISTS {name}")
            else:
                database.execute_sql(f"DROP TRIGGER IF EXISTS {name} ON {existing[name]}")
                database.execute_sql(f"DROP FUNCTION IF EXISTS {name}()")
        for name in created:
            for statement in wanted[name][1]:
                database.execute_sql(statement)
    return created, dropped


def backup_sqlite(destination):
    """Copy the SQLite database to `destination` with SQLite's online backup
    API: a consistent copy while the app keeps reading and writing (a
    plain file copy of a WAL database may be torn). Returns the pages copied."""
    source = database.obj
    if not isinstance(source, SqliteDatabase):
        raise ValueError("backup_sqlite is for SQLite; use pg_dump for PostgreSQL")
    with sqlite3.connect(destination) as target:
        source.connection().backup(target)
        pages = target.execute("PRAGMA page_count").fetchone()[0]
    target.close()
    return pages


# --- queries built once ---------------------------------------------------------------

class Slot(Node):
    """Where a kept query (KeptQuery) takes a value: stands in the query for
    a parameter, and remembers the converter of the field it is compared
    with (what peewee would have applied to the value)."""

    def __init__(self, name):
        super().__init__()
        self.name = name

    def __sql__(self, ctx):
        ctx._values.append(_Placed(self.name, ctx.state.converter))
        return ctx.literal(ctx.state.param or "?")


class _Placed:
    def __init__(self, name, converter):
        self.name = name
        self.converter = converter

    def value(self, values):
        value = values[self.name]
        return self.converter(value) if self.converter else value


class KeptQuery:
    """A peewee SELECT whose SQL text is built once per database and run
    again with new values. Building the text of a query costs peewee more
    than SQLite takes to run it, and so does its general way of turning rows
    into models (docs/BENCHMARKS.md): the queries of the pages customers
    open most are kept this way.

    `build` takes one argument per value and returns the query; each
    argument is a Slot, to be used where a value goes (not in an IN list,
    whose length is part of the text). Calling the KeptQuery with the values
    by name runs it and returns a list of model instances, as iterating the
    query would: each row's values converted by its fields, the models
    joined from the first one (by a foreign key) set on it (None for a LEFT
    OUTER join that found nothing), and any other value selected (a
    subquery's, with .alias(name)) an attribute under its name, as the
    database gives it. A query made of anything else (tuples, dicts, joins
    from a joined model) is refused when it is first built."""

    def __init__(self, build):
        self.build = build
        self.names = list(inspect.signature(build).parameters)
        self._compiled = (None, None, None, None)

    def compiled(self):
        built_for, sql, params, columns = self._compiled
        if built_for != _generation:
            query = self.build(*[Slot(name) for name in self.names])
            sql, params = query.sql()
            columns = _columns_of(query)
            self._compiled = (_generation, sql, params, columns)
        return sql, params, columns

    def __call__(self, **values):
        sql, params, columns = self.compiled()
        cursor = database.execute_sql(
            sql, [p.value(values) if isinstance(p, _Placed) else p for p in params])
        return _models(cursor.fetchall(), columns)


def rows_as_models(query):
    """Run a peewee SELECT of the shapes KeptQuery takes and turn its rows
    into models the same quick way, for a query whose text changes from
    call to call (the agents' queue, by its filters)."""
    sql, params = query.sql()
    return _models(database.execute_sql(sql, params).fetchall(), _columns_of(query))


def _models(rows, columns):
    model, joined, columns = columns
    found = []
    for row in rows:
        data = {m: {} for m in joined}
        data[model] = {}
        extra = {}
        for value, (owner, name, convert) in zip(row, columns):
            if owner is None:
                extra[name] = value
            else:
                data[owner][name] = value if value is None or convert is None else convert(value)
        instance = _loaded(model, data[model])
        instance.__dict__.update(extra)
        for other, attr in joined.items():
            related = data[other]
            if not related:
                continue        # none of its columns selected: peewee loads it if asked
            pk = related.get(other._meta.primary_key.name)
            related = _loaded(other, related) if pk is not None else None
            if attr in model._meta.fields:
                instance.__rel__[attr] = related        # the foreign key's object
            else:
                instance.__dict__[attr] = related       # join(..., attr="name")
        found.append(instance)
    return found


def _columns_of(query):
    """(the first model, {joined model: its attribute on the first},
    [(model or None, name, converter) per column selected])."""
    model = query.model
    joined = {}
    for source, joins in query._joins.items():
        for dest, attr, _constructor, _join_type in joins:
            if source is not model or not isinstance(attr, str):
                raise ValueError("a KeptQuery joins models to its first one only")
            joined[dest] = attr
    columns = []
    for node in query._returning:
        if isinstance(node, Field):
            if node.model is not model and node.model not in joined:
                raise ValueError(f"a KeptQuery selects fields of its models only: {node}")
            columns.append((node.model, node.name, node.python_value))
        else:
            # A subquery named by .alias() names itself; anything else by an Alias.
            name = node._alias if isinstance(node, (Alias, SelectBase)) else None
            if not name:
                raise ValueError("a KeptQuery names each value it selects with .alias()")
            columns.append((None, name, None))
    return model, joined, columns


def _loaded(model, data):
    """A model instance as peewee makes one from a row: its values, nothing
    to save."""
    instance = model.__new__(model)
    instance.__data__ = data
    instance._dirty = set()
    instance.__rel__ = {}
    return instance
