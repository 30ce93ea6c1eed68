"""What every template gets: the site and its market, the filters that
write money, dates and rates the locale's way, the stylesheet's
fingerprint, and the names of help categories."""
import functools
import hashlib
import os

from babel import dates, numbers
from flask import current_app, g, has_request_context, request
from flask_babel import get_locale, to_user_timezone
from flask_login import current_user

from domain import greeting, links, messages
from domain.help import excerpt as help_excerpt
from domain.i18n import format_day
from forms.help import category_name
from forms.messages import topic_label
from forms.register import TITLE_LABELS
from models import Customer
from views.shared.chrome import site_chrome
from views.shared.sites import chosen_site, current_locale, switch_links

HTMX_FILE = "vendor/htmx-2.0.11.min.js"


def init_app(app):
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
    app.jinja_env.globals["help_category_name"] = category_name
    app.jinja_env.globals["help_excerpt"] = help_excerpt
    # Also where no view passes it: the data export's summary is written by
    # the outbox worker too (domain.data_export).
    app.jinja_env.globals["topic_label"] = topic_label
    app.context_processor(template_globals)
    app.jinja_env.globals["url_for"] = site_url_for
    app.extensions["site_urls"] = {}
    with open(os.path.join(app.static_folder, "css", "site.css"), encoding="utf-8") as f:
        app.extensions["site_css"] = f.read()
    app.config["STATIC_FINGERPRINT"] = _digest(app.extensions["site_css"].encode())
    app.config["SCRIPT_FINGERPRINT"] = _fingerprint(os.path.join(app.static_folder, "js", "count.js"))


# How many URLs a process keeps (views.shared.templating.site_url_for).
SITE_URLS_KEPT = 4096


def site_url_for(endpoint, **values):
    """The templates' url_for: Flask's, each URL kept per site. A page
    builds a dozen, the same for every customer of a site but for an id,
    and Flask takes as long to build one as Jinja to write a dozen words.
    A URL depends only on the endpoint, its values, the site (<lang>,
    views.shared.sites.add_site) and where the app is mounted; anything else
    (_external, _anchor, a blueprint-relative endpoint) is built as usual."""
    if (not has_request_context() or endpoint.startswith(".")
            or any(name.startswith("_") for name in values)):
        return current_app.url_for(endpoint, **values)
    site = getattr(g, "site", None)
    try:
        key = (endpoint, site.code if site else None, request.script_root,
               tuple(sorted(values.items())))
        kept = current_app.extensions["site_urls"]
        url = kept.get(key)
    except TypeError:       # a value that cannot be a key (a list): built as usual
        return current_app.url_for(endpoint, **values)
    if url is None:
        url = current_app.url_for(endpoint, **values)
        if len(kept) >= SITE_URLS_KEPT:
            kept.clear()
        kept[key] = url
    return url


def format_money(amount, currency=None):
    return money_text(amount, currency or chosen_site().market.currency, get_locale())


@functools.lru_cache(maxsize=8192)
def money_text(amount, currency, locale):
    """An amount as the locale writes it. Babel takes as long to write one
    as the rest of a payment's row: a page of payments writes the same
    monthly amount a dozen times, and customers' amounts repeat."""
    return numbers.format_currency(amount, currency, locale=locale)


def format_moment(value):
    """A UTC time as the customer reads it, to the minute, in the market's
    time zone: "Nov 25, 2026, 8:07 p.m.", "25 nov. 2026, 20:07"."""
    local = to_user_timezone(value).replace(tzinfo=None, second=0, microsecond=0)
    return moment_text(local, get_locale())


@functools.lru_cache(maxsize=8192)
def moment_text(local, locale):
    """A local time (naive, to the minute) as the locale writes it; Babel
    is given the parsed locale, which it would otherwise parse per call."""
    pattern = dates.get_datetime_format("medium", locale=locale).replace("'", "")
    return (pattern.replace("{0}", dates.format_time(local, "short", locale=locale))
            .replace("{1}", dates.format_date(local, "medium", locale=locale)))


def format_rate(rate_percent):
    """A yearly rate kept in percent (4.9900) as the locale writes it: 4.99%,
    4,99 %."""
    return numbers.format_percent(rate_percent / 100, locale=current_locale(),
                                  decimal_quantization=False)


def theme_version(market):
    """The fingerprint of a market's stylesheet (views.site.theme): the
    stylesheet's and the market's colour."""
    return _digest(f"{current_app.config['STATIC_FINGERPRINT']} {market.brand_color}".encode())


def _digest(content):
    return hashlib.sha256(content).hexdigest()[:10]


def _fingerprint(path):
    with open(path, "rb") as f:
        return _digest(f.read())


def template_globals():
    site = chosen_site()
    return dict(site=site, market=site.market, switch_links=switch_links,
                title_labels=TITLE_LABELS, theme_version=theme_version(site.market),
                css_version=current_app.config["STATIC_FINGERPRINT"],
                script_version=current_app.config["SCRIPT_FINGERPRINT"],
                htmx_file=HTMX_FILE, unread_messages=unread_messages, site_chrome=site_chrome)


def unread_messages():
    """The header's count of unread threads; called only where a signed-in
    customer's header is drawn."""
    customer = current_user._get_current_object()
    if not isinstance(customer, Customer):
        return 0
    # Counted with the session (domain.sessions); opening a thread takes one off.
    known = getattr(customer, "unread_threads", None)
    return known if known is not None else messages.unread_count(customer.id)
