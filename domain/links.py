"""Links that leave the site: in emails and text messages.

They are built from the configured public URL (PUBLIC_URL, or a market's
own `public_url` in config/markets.toml where it lives on a domain of its
own), never from the request: a request's Host or X-Forwarded-Host is
whatever the sender typed, and a reset link that follows it would mail the
real owner a link to an attacker's server. Building from configuration also
works where there is no request at all (the outbox worker, a CLI command).
"""
from urllib.parse import urlsplit

from flask import current_app

from domain.markets import MARKETS, site_code


def check_public_url(url):
    """The URL, or ValueError when it cannot serve as the base of links:
    http(s), a host, no query or fragment. Checked when the app starts."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"public URL {url!r}: give it as https://portal.example.com")
    return url.rstrip("/")


def public_hosts(config):
    """The host names the public URLs name, for TRUSTED_HOSTS."""
    urls = [config["PUBLIC_URL"]] + [market.public_url for market in MARKETS.values()]
    return sorted({urlsplit(url).hostname for url in urls if url})


def public_url(endpoint, market=None, **values):
    """The absolute URL of `endpoint` on the public site of `market` (a
    Market or its key; None: the site-wide PUBLIC_URL)."""
    if isinstance(market, str):
        market = MARKETS[market]
    base = (market.public_url if market is not None and market.public_url
            else current_app.config["PUBLIC_URL"])
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                                       url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)


def customer_link(endpoint, customer, **values):
    """A link for `customer`, in their language variant and on their market's site."""
    return public_url(endpoint, customer.market, lang=site_code(customer.locale), **values)
