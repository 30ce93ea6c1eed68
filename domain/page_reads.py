"""What each kept page reads (domain.page_cache keeps rendered public
pages): one declared list, and the triggers made from it that raise a
table's page version whenever a row the pages show changes.

A page kept must be named in PAGE_READS with every table it reads;
tests/test_page_cache.py renders each one and fails on a table not
named. A table read is followed by its own triggers (FOLLOWED) or through
another table written in the same transaction (FOLLOWED_THROUGH).
domain.db.upgrade makes the triggers after the migrations (sync_triggers):
adding a table here is all a new page needs."""
import hashlib

# The tables a kept page's version follows, with the columns whose change
# shows on it (None: all). An article's read and vote counters change on
# every read: they are not content (the read count is a hole).
FOLLOWED = {
    "help_category": None,
    "help_article": ("market", "category_id", "key", "position"),
    "help_article_version": None,
}
# Read by kept pages, and followed through another table: the search index
# (an FTS5 table on SQLite, which takes no trigger) is written only with an
# article's version (domain.help.save_version), in its transaction; the
# texts (every page) by the texts' revision, in every key (domain.texts).
FOLLOWED_THROUGH = {
    "help_search": "help_article_version",
    "text_entry": "texts",
    "text_revision": "texts",
}
HELP = ("help_category", "help_article", "help_article_version")

# endpoint -> the tables the page reads. A view decorated with
# views.shared.cache.cached_page must be named here.
PAGE_READS = {
    "auth.login": (),
    "register.name": (),        # for a visitor without a draft only
    "help.home": HELP,
    "help.article": HELP,
    "help.search": HELP + ("help_search",),
}


TRIGGER_PREFIX = "page_version_"
BUMP = ("INSERT INTO page_version (scope, number) VALUES ('{table}', 1) "
        "ON CONFLICT (scope) DO UPDATE SET number = page_version.number + 1")


def _trigger_name(table, columns):
    # The columns in the name: a changed list replaces the trigger.
    digest = hashlib.sha256(repr(columns).encode()).hexdigest()[:8]
    return f"{TRIGGER_PREFIX}{table}_{digest}"


def wanted_triggers(sqlite):
    """{trigger name: (table, [statements creating it])}."""
    wanted = {}
    for table, columns in FOLLOWED.items():
        name = _trigger_name(table, columns)
        update = "UPDATE OF " + ", ".join(columns) if columns else "UPDATE"
        bump = BUMP.format(table=table)
        if sqlite:
            for event in ("INSERT", update, "DELETE"):
                full = f"{name}_{event.split()[0].lower()}"
                wanted[full] = (table, [f"CREATE TRIGGER {full} AFTER {event} ON {table} "
                                        f"BEGIN {bump}; END"])
        else:
            wanted[name] = (table, [
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN {bump}; RETURN NULL; END $$",
                f"CREATE TRIGGER {name} AFTER INSERT OR DELETE OR {update} ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"])
    return wanted


