"""The site (market and language) of a request: from the URL's first
segment (/fr-ca/...), else the one remembered in a cookie, else
Accept-Language; and the locale and time zone Flask-Babel asks for."""
import functools

from babel import Locale
from flask import abort, current_app, g, request, url_for

from domain.markets import SITES, best_site
from views.shared.cookies import read_cookie, set_cookie

SITE_COOKIE = "site"
SITE_COOKIE_MAX_AGE = 365 * 24 * 3600


def pull_site(endpoint, values):
    """A URL value preprocessor: <lang> becomes g.site, or 404."""
    if values and "lang" in values:
        code = values.pop("lang")
        site = SITES.get(code)
        if site is None:
            abort(404)
        g.site = site


def add_site(endpoint, values):
    """A URL defaults function: url_for() keeps the request's site."""
    if "lang" not in values and getattr(g, "site", None) is not None:
        if current_app.url_map.is_endpoint_expecting(endpoint, "lang"):
            values["lang"] = g.site.code


def chosen_site():
    """The site of the URL, else the one remembered, else Accept-Language."""
    site = getattr(g, "site", None)
    if site is None:
        # Routing failed (404, 405), so the URL was not parsed: its first
        # segment still says which language the page was in.
        first_segment = request.path.split("/")[1] if request.path.count("/") > 1 else ""
        site = (SITES.get(first_segment) or SITES.get(read_cookie(SITE_COOKIE) or "")
                or best_site(request.accept_languages))
    return site


def current_locale():
    return chosen_site().locale


def babel_locale():
    """Flask-Babel's locale selector: the site's Locale, parsed once (Babel
    does not keep parsed locales, and a page asks for one every request)."""
    return _parsed_locale(current_locale())


@functools.lru_cache(maxsize=None)
def _parsed_locale(code):
    return Locale.parse(code)


def current_timezone():
    return chosen_site().market.timezone


def remember_site(response):
    """After a request: the cookie remembers the site last used."""
    site = getattr(g, "site", None)
    if site is not None and read_cookie(SITE_COOKIE) != site.code:
        set_cookie(response, SITE_COOKIE, site.code, SITE_COOKIE_MAX_AGE)
    return response


def switch_links():
    """Links to this page in the market's other languages."""
    site = chosen_site()
    if request.endpoint is None or "lang" not in (request.url_rule.arguments if request.url_rule else ()):
        return []
    args = dict(request.view_args or {})
    return [(other, url_for(request.endpoint, **dict(args, lang=other.code)))
            for other in site.market.sites if other.code != site.code]
