"""@cached_page: a public GET page answered from the process's rendered
pages (domain.page_cache) when nothing it shows has changed. The tables
the page reads are declared in domain.page_reads.PAGE_READS under its
endpoint.

Only what a page is made of may go in its key, so a page is cached only
when it passes every check below, and otherwise rendered as usual:
- a GET from a visitor not signed in; never for a signed-in customer (their
  header is their own) nor with a staff session (a marketer's preview of
  drafts, the staff's own pages);
- no flashed message waiting (it shows once);
- the view answered 200 with a rendered body (not a redirect, a file, an
  error) and left the session as it found it (but for the CSRF token).
The CSRF token is a hole, put back per request; so is anything the view
names in `g.page_holes` (name -> the text it rendered) with a function in
`holes` giving that text anew."""
from functools import wraps

from flask import current_app, g, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from domain import page_cache
from domain.clock import today_in
from domain import db
from views.shared.answers import wants_fragment
from views.shared.guards import STAFF_SESSION
from views.shared.sites import chosen_site

CSRF_FIELD = "csrf_token"


def init_app(app):
    app.extensions["page_cache"] = page_cache.PageCache(app.config["PAGE_CACHE_ENTRIES"],
                                                        app.config["PAGE_CACHE_SECONDS"])


def cached_page(vary=None, holes=None, when=None):
    """`vary(**view_args)`: what else of the request the page depends on;
    `holes`: {name: function(**view_args) -> text} for the per-request
    parts; `when()`: whether this request's page may be kept at all (a
    visitor's own draft may not)."""
    holes = dict(holes or {})

    def decorate(view):
        @wraps(view)
        def wrapped(**view_args):
            key = _key(vary, view_args) if when is None or when() else None
            if key is None:
                return view(**view_args)
            cache = current_app.extensions["page_cache"]
            page = cache.get(key)
            if page is not None:
                fill = {name: (lambda make=make: make(**view_args)) for name, make in holes.items()}
                if CSRF_FIELD in page.names:
                    fill[CSRF_FIELD] = lambda: _csrf_token(cache)
                return page.filled(fill), 200
            before = _session_state()
            answer = view(**view_args)
            if _keepable(answer) and _session_state() == before:
                cut = {name: text for name, text in g.get("page_holes", {}).items()
                       if name in holes}
                cut[CSRF_FIELD] = g.get(CSRF_FIELD)
                cache.put(key, answer[0], cut)
            return answer
        wrapped.kept_page = True        # tests/test_page_cache.py: named in page_reads
        return wrapped
    return decorate


def _key(vary, view_args):
    if (request.method != "GET" or not current_app.config["PAGE_CACHE_ENTRIES"]
            or session.get(STAFF_SESSION) or session.get("_flashes")
            or current_user.is_authenticated):
        return None
    site = chosen_site()
    scopes = page_cache.scopes_of(request.endpoint)
    return (db.generation(), request.full_path, wants_fragment(), site.code,
            today_in(site.market.timezone), page_cache.versions(scopes),
            vary(**view_args) if vary else None)


def _csrf_token(cache):
    """The session's CSRF token. Signing one costs as much as the rest of a
    kept page, and with WTF_CSRF_TIME_LIMIT None a token is good for as long
    as its session's secret: each secret's first token is kept and given
    again (as a page reloaded from the browser's cache would)."""
    secret = session.get(CSRF_FIELD)
    if secret is None or current_app.config["WTF_CSRF_TIME_LIMIT"] is not None:
        return generate_csrf()
    token = cache.tokens.get(secret)
    if token is None:
        token = generate_csrf()
        cache.keep_token(secret, token)
    g.setdefault(CSRF_FIELD, token)
    return token


def _session_state():
    return {name: value for name, value in session.items() if name != CSRF_FIELD}


def _keepable(answer):
    return (isinstance(answer, tuple) and len(answer) == 2 and answer[1] == 200
            and isinstance(answer[0], str))
