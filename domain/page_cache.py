"""Rendered public pages kept in the process, so that a page asked again
with nothing changed is not rendered again: the sign-in page,
registration's first step and the help center, which new visitors open
without a cookie and which are the same for every one of them
(docs/BENCHMARKS.md: kept, they serve 1.45 to 5.3 times as many). A signed-in customer's pages are not kept: each customer
opens their own once, so a kept copy would seldom be asked again; they are
made fast to build instead.

A page is kept under a key that holds everything it was made from: its URL,
the site, the day, the texts' revision and the version of each table it
reads. domain.page_reads declares those tables, page by page; triggers made
from it (run by domain.db.upgrade after the migrations) raise a
table's version (page_version, scope = the table's name) in the same
transaction as any change to a row, so every process sees a change on its
next request and no kept page outlives the data it showed, whoever wrote
it (the back office, an import, a shell). tests/test_page_cache.py fails
when a kept page reads a table the list does not name. Entries also expire
after a minute, for what no version follows (the order of the most read
articles).

What differs per request is cut out before keeping (a "hole": the CSRF
token, an article's read count) and put back on each use."""
import threading
import time
from collections import OrderedDict

from domain import texts
from domain.db import database
from domain.page_reads import FOLLOWED, FOLLOWED_THROUGH, PAGE_READS


def scopes_of(endpoint):
    """The page versions a kept page's key holds (the texts' revision is in
    every key)."""
    tables = (FOLLOWED_THROUGH.get(table, table) for table in PAGE_READS[endpoint])
    return tuple(sorted({table for table in tables if table in FOLLOWED}))


def versions(scopes):
    """The numbers of `scopes` and the texts' revision, in one query (plain
    SQL: asked on every kept page)."""
    sql = "SELECT 'texts', number FROM text_revision WHERE id = 1"
    if scopes:      # "IN ()" is an error on PostgreSQL
        marks = ", ".join([database.param] * len(scopes))
        sql += f" UNION ALL SELECT scope, number FROM page_version WHERE scope IN ({marks})"
    found = dict(database.execute_sql(sql, list(scopes)).fetchall())
    texts.revision_known(found.get("texts", 0))
    return tuple(found.get(scope, 0) for scope in (*scopes, "texts"))


def _marker(name):
    # NUL never comes out of a template, nor out of the forms (they refuse it).
    return f"\x00{name}\x00"


class Page:
    """A rendered body with its holes cut out."""

    def __init__(self, body, holes, expires):
        self.expires = expires
        self.names = []
        for name, text in holes.items():
            if text and text in body:
                body = body.replace(text, _marker(name))
                self.names.append(name)
        self.body = body

    def filled(self, values):
        """The body with each hole filled by values[name](); every one is
        called, even for a hole the page no longer shows (an article's read
        is counted by its function)."""
        body = self.body
        for name, make in values.items():
            text = make()
            if name in self.names:
                body = body.replace(_marker(name), text)
        return body


class PageCache:
    """At most `entries` pages, the least recently used dropped first; each
    kept `seconds`. One per app (tests build many apps, each its own
    database), shared by the app's threads."""

    def __init__(self, entries, seconds):
        self.entries = entries
        self.seconds = seconds
        self._pages = OrderedDict()
        self._lock = threading.Lock()
        # CSRF tokens by session secret (views.shared.cache), as many as pages.
        self.tokens = {}

    def get(self, key):
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                return None
            if page.expires < time.monotonic():
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key, body, holes):
        page = Page(body, holes, time.monotonic() + self.seconds)
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.entries:
                self._pages.popitem(last=False)
        return page

    def keep_token(self, secret, token):
        if len(self.tokens) >= self.entries:
            self.tokens.clear()
        self.tokens[secret] = token

    def __len__(self):
        return len(self._pages)
