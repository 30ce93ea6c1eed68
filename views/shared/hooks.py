"""What the app does around every request, whatever the blueprint: ids in
URLs, the site from the URL, the database connection closed, the
signed-in customer loaded, security headers, the outbox sent."""
from flask import current_app, g, request, session
from flask_login import current_user

from domain import sessions, worker
from domain.db import database
from domain.ids import IdConverter
from extensions import login_manager
from views.shared import sites
from views.shared.guards import STAFF_SESSION

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; form-action 'self'; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'")


def init_app(app):
    # Before any blueprint: routes name their ids <id:...> (domain.ids).
    app.url_map.converters["id"] = IdConverter
    # No connect in before_request: peewee connects on the first query, so
    # pages that need no database (static files, /healthz when the database
    # is down) do not fail before they start.
    app.teardown_request(close_database)
    app.url_value_preprocessor(sites.pull_site)
    app.url_defaults(sites.add_site)
    app.after_request(security_headers)
    app.after_request(sites.remember_site)
    app.after_request(send_outbox)


def close_database(exc):
    if not database.is_closed():
        database.close()


@login_manager.user_loader
def load_customer(session_key):
    # flask-login keeps customer.get_id() in the cookie: our session key.
    config = current_app.config
    customer = sessions.load(session_key, config["SESSION_IDLE_MINUTES"] * 60,
                             config["SESSION_ABSOLUTE_HOURS"] * 3600)
    site = getattr(g, "site", None)
    if customer is not None and site is not None and customer.market != site.market.key:
        return None     # an account belongs to one market's sites
    return customer


def send_outbox(response):
    # Only POSTs queue email; by now their transaction has committed.
    if current_app.config["OUTBOX_SEND_AFTER_REQUEST"] and request.method == "POST":
        worker.run_once()
    return response


def security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    # same-origin, not no-referrer: Flask-WTF checks the Referer of a POST
    # over HTTPS. An address carrying a token (an email's link) sends none;
    # its forms live at a token-free address (views.shared.link_tokens).
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
