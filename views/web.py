"""What every request shares: the site from the URL, the database
connection, the signed-in customer, security headers, and render_page(),
the one helper that answers with a full page or only its fragment."""
import functools
import hashlib
import os

from babel import Locale, dates, numbers
from flask import abort, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import format_currency, format_date, format_time
from flask_login import current_user

from domain import greeting, links, messages, ratelimit, sessions, worker
from domain.accounts import email_key
from domain.ids import IdConverter
from domain.db import database
from domain.i18n import format_day
from domain.markets import SITES, best_site
from extensions import login_manager
from forms.register import TITLE_LABELS
from models import Customer

SITE_COOKIE = "site"
SITE_COOKIE_MAX_AGE = 365 * 24 * 3600
# Where flask.session keeps a staff member's session key (views.staff_auth):
# apart from flask-login's, which is only ever a customer's.
STAFF_SESSION = "staff"


def init_app(app):
    # Before any blueprint: routes name their ids <id:...> (domain.ids).
    app.url_map.converters["id"] = IdConverter
    # No connect in before_request: peewee connects on the first query, so
    # pages that need no database (static files, /healthz when the database
    # is down) do not fail before they start.
    app.teardown_request(_close)
    app.url_value_preprocessor(_pull_site)
    app.url_defaults(_add_site)
    app.after_request(_security_headers)
    app.after_request(_remember_site)
    app.after_request(_send_outbox)
    app.context_processor(_template_globals)
    # Smaller pages: no blank lines left by template tags.
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["date"] = format_day
    app.jinja_env.filters["datetime"] = format_moment
    app.jinja_env.filters["percent"] = format_rate
    app.jinja_env.globals["public_url"] = links.public_url
    app.jinja_env.globals["salutation"] = greeting.salutation
    app.jinja_env.globals["addressee"] = greeting.addressee
    app.config["STATIC_FINGERPRINT"] = _fingerprint(os.path.join(app.static_folder, "css", "site.css"))


# --- the database ------------------------------------------------------------

def _close(exc):
    if not database.is_closed():
        database.close()


# --- the site (market + language) from the URL --------------------------------

def _pull_site(endpoint, values):
    if values and "lang" in values:
        code = values.pop("lang")
        site = SITES.get(code)
        if site is None:
            abort(404)
        g.site = site


def _add_site(endpoint, values):
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


def cookie_name(name, secure=None):
    """A cookie's name: with HTTPS cookies (SESSION_COOKIE_SECURE) it
    carries the __Host- prefix, which browsers accept only with Secure,
    Path=/ and no Domain, so no other host or plain-HTTP page can set or
    shadow it."""
    if secure is None:
        secure = current_app.config["SESSION_COOKIE_SECURE"]
    return "__Host-" + name if secure and not name.startswith("__Host-") else name


def set_cookie(response, name, value, max_age):
    """Set one of our cookies: HTTP only, SameSite=Lax, and Secure with the
    __Host- prefix behind HTTPS."""
    response.set_cookie(cookie_name(name), value, max_age=max_age, path="/", httponly=True,
                        samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def read_cookie(name):
    return request.cookies.get(cookie_name(name))


def _remember_site(response):
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


# --- the signed-in customer ---------------------------------------------------

@login_manager.user_loader
def _load_customer(session_key):
    # flask-login keeps customer.get_id() in the cookie: our session key.
    config = current_app.config
    customer = sessions.load(session_key, config["SESSION_IDLE_MINUTES"] * 60,
                             config["SESSION_ABSOLUTE_HOURS"] * 3600)
    site = getattr(g, "site", None)
    if customer is not None and site is not None and customer.market != site.market.key:
        return None     # an account belongs to one market's sites
    return customer


# --- answers ----------------------------------------------------------------

def wants_fragment():
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-Boosted") != "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


def in_back_office():
    """Whether this request is for the back office (/staff and below):
    its answers, errors included, are in the staff's layout, whether or
    not a route matched."""
    return request.path == "/staff" or request.path.startswith("/staff/")


def render_page(template, status=200, back_office=False, **context):
    """The page, or only its #main fragment when htmx asked for it. Every
    page template extends `layout`, which is the whole document or the
    fragment layout: the customers' site's, or with back_office=True the
    staff's (templates/staff/). The template knows which (`back_office`)."""
    fragment = wants_fragment()
    layout = "_fragment.html" if fragment else "base.html"
    if back_office:
        layout = "staff/" + layout
    return render_template(template, layout=layout, fragment=fragment,
                           back_office=bool(back_office), **context), status


def redirect_to(endpoint, **values):
    """After a successful POST: 303, so that reload never posts again."""
    return redirect(url_for(endpoint, **values), code=303)


# A link's token (reset, e-mail confirmation) moves from the URL into the
# session at its first use, then a 303 leads to the same page without it:
# the page a person sees, and whatever it links or loads, never carries the
# token in its address (no Referer, history or screenshot gives it away).
LINK_TOKEN = "link_token_"


def keep_link_token(purpose, secret, endpoint):
    """The answer to opening a link with a token: kept in the session, 303 to `endpoint`."""
    session[LINK_TOKEN + purpose] = (secret or "")[:100]
    return redirect_to(endpoint)


def link_token(purpose):
    """The token of the link last opened for `purpose`, or ""."""
    return session.get(LINK_TOKEN + purpose, "")


def forget_link_token(purpose):
    session.pop(LINK_TOKEN + purpose, None)


def client_address():
    """Who per-client limits count: the client's IPv4 address or IPv6 /64
    (domain.ratelimit.client_key). Behind a proxy, TRUSTED_PROXIES makes
    remote_addr the client's address (app.py)."""
    return ratelimit.client_key(request.remote_addr)


def rate_limited(name, subject, config_key):
    """Count one hit; returns the Verdict. The limit comes from config."""
    count, seconds = current_app.config[config_key]
    return ratelimit.hit(ratelimit.Limit(name, count, seconds), subject)


def email_rate_limits(address):
    """Count a request that sends an e-mail, per address and per client;
    every limit is counted, even when the first already refuses."""
    return [rate_limited("email-address", email_key(address), "RATE_LIMIT_EMAIL_PER_ADDRESS"),
            rate_limited("email-client", client_address(), "RATE_LIMIT_EMAIL_PER_CLIENT")]


def message_limit():
    """Count one message the signed-in customer sends to customer care (a
    new message, an answer, a service request: MESSAGES_PER_CUSTOMER counts
    them together); the Verdict."""
    return rate_limited("customer-messages", current_user.id, "MESSAGES_PER_CUSTOMER")


def retry_after(answer, verdict):
    """A page (render_page's answer) refused by a rate limit: 429, and when
    to try again."""
    body, _status = answer
    return body, 429, {"Retry-After": str(verdict.retry_after)}


def too_many_requests(verdict):
    minutes = max(1, -(-verdict.retry_after // 60))
    body, _status = render_page("errors/too_many.html", minutes=minutes,
                                back_office=in_back_office())
    return body, 429, {"Retry-After": str(verdict.retry_after)}


def _send_outbox(response):
    # Only POSTs queue e-mail; by now their transaction has committed.
    if current_app.config["OUTBOX_SEND_AFTER_REQUEST"] and request.method == "POST":
        worker.run_once()
    return response


# --- headers ------------------------------------------------------------------

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; form-action 'self'; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'")


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    # same-origin, not no-referrer: Flask-WTF checks the Referer of a POST
    # over HTTPS. An address carrying a token (an e-mail's link) sends none;
    # its forms live at a token-free address (keep_link_token).
    token_in_url = request.view_args is not None and "token" in request.view_args
    headers["Referrer-Policy"] = "no-referrer" if token_in_url else "same-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers.add("Vary", "HX-Request")
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if (current_user.is_authenticated or session.get(STAFF_SESSION)) and response.mimetype == "text/html":
        headers["Cache-Control"] = "no-store"
    return response


# --- templates ----------------------------------------------------------------

def format_money(amount, currency=None):
    return format_currency(amount, currency or chosen_site().market.currency)


def format_moment(value):
    """A UTC time as the customer reads it, to the minute, in the market's
    time zone: "Nov 25, 2026, 8:07 p.m.", "25 nov. 2026, 20:07"."""
    pattern = dates.get_datetime_format("medium", locale=current_locale()).replace("'", "")
    return (pattern.replace("{0}", format_time(value, "short"))
            .replace("{1}", format_date(value, "medium")))


def format_rate(rate_percent):
    """A yearly rate kept in percent (4.9900) as the locale writes it: 4.99%,
    4,99 %."""
    return numbers.format_percent(rate_percent / 100, locale=current_locale(),
                                  decimal_quantization=False)


def theme_version(market):
    return hashlib.sha256(market.brand_color.encode()).hexdigest()[:10]


def _fingerprint(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:10]


def _template_globals():
    site = chosen_site()
    return dict(site=site, market=site.market, switch_links=switch_links,
                title_labels=TITLE_LABELS, theme_version=theme_version(site.market),
                css_version=current_app.config["STATIC_FINGERPRINT"],
                htmx_file="vendor/htmx-2.0.11.min.js", unread_messages=unread_messages)


def unread_messages():
    """The header's count of unread threads; called only where a signed-in
    customer's header is drawn."""
    if not isinstance(current_user._get_current_object(), Customer):
        return 0
    return messages.unread_count(current_user.id)
