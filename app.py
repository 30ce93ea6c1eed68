"""Keyfob: create_app() binds configuration, extensions, blueprints and the
CLI. Nothing else lives here."""
import os
import secrets

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import cli
from domain import documents, links, passwords, totp_keys, virus_scan
from domain.db import init_database
from domain.markets import MARKETS, load_markets
from extensions import babel, csrf, login_manager
from views import (account, agreements, auth, device, help, link, messages, payoff, profile,
                   register, service, site)
from views.shared import cache, cookies, errors, hooks, sites, templating
from views.staff import admin, agents, content, texts
from views.staff import auth as staff_auth

# The customers' site (views/) and the back office (views/staff/).
PORTAL = (site, register, auth, account, link, device, agreements, payoff, profile, service,
          messages, help)
BACK_OFFICE = (staff_auth, agents, admin, content, texts)

HERE = os.path.dirname(os.path.abspath(__file__))

DEFAULTS = dict(
    MARKETS_FILE=os.path.join(HERE, "config", "markets.toml"),
    # Where customers reach the portal: every link in an email or text
    # message starts with it (domain.links), never with the request's Host.
    # A market on a domain of its own sets public_url in markets.toml.
    PUBLIC_URL="http://127.0.0.1:5000",
    # The host names requests may name; others get 400. None: the hosts of
    # the public URLs, plus localhost and 127.0.0.1 for local checks.
    TRUSTED_HOSTS=None,
    # Email: "file" writes .eml files to MAIL_OUTBOX_DIR; "smtp" sends.
    MAIL_BACKEND="file",
    MAIL_FROM="Keyfob <no-reply@keyfob.example>",
    SMTP_HOST="localhost",
    SMTP_PORT=587,
    SMTP_SECURITY="starttls",        # starttls | ssl | none
    SMTP_USERNAME=None,
    SMTP_PASSWORD=None,
    # SMS: "file" writes text files to SMS_OUTBOX_DIR; "http" posts to a provider.
    SMS_BACKEND="file",
    SMS_HTTP_URL=None,
    SMS_HTTP_TOKEN=None,
    SMS_SENDER_ID=None,
    # Development sends the outbox right after each request; production
    # runs `flask outbox send` from a timer instead.
    OUTBOX_SEND_AFTER_REQUEST=True,
    ACTIVATION_HOURS=48,
    RESET_MINUTES=60,
    RESEND_COOLDOWN_SECONDS=60,
    SESSION_IDLE_MINUTES=30,
    SESSION_ABSOLUTE_HOURS=12,
    # (count, seconds) per window
    RATE_LIMIT_EMAIL_PER_ADDRESS=(5, 3600),
    RATE_LIMIT_EMAIL_PER_CLIENT=(20, 3600),
    RATE_LIMIT_LOGIN_PER_CLIENT=(30, 900),
    # One-time codes (domain.codes) and linking an agreement.
    CODE_MINUTES=10,
    CODE_RESEND_COOLDOWN_SECONDS=60,
    CODE_SENDS_PER_AGREEMENT=(5, 86400),
    CODE_SENDS_PER_ACCOUNT=(10, 86400),
    CODE_SENDS_PER_CLIENT=(10, 3600),
    CODE_SENDS_PER_DAY=(2000, 86400),    # the whole site: a cap on what SMS can cost
    LINK_ATTEMPTS_PER_ACCOUNT=(10, 3600),
    LINK_ATTEMPTS_PER_AGREEMENT=(5, 86400),
    LINK_ATTEMPTS_PER_CLIENT=(30, 3600),
    DEVICE_REMEMBER_DAYS=90,
    # What one customer may send to customer care: new messages, answers and
    # service requests together, (count, seconds).
    MESSAGES_PER_CUSTOMER=(20, 3600),
    # Message center attachments: PDF, JPEG, PNG, each at most this big.
    ATTACHMENT_MAX_BYTES=10 * 1024 * 1024,
    ATTACHMENT_MAX_COUNT=3,
    # A statement or letter an agent uploads (the operator's import has its own check).
    DOCUMENT_MAX_BYTES=documents.MAX_BYTES,
    # Every upload goes to ClamAV's daemon before it is stored
    # (domain.virus_scan): "required" refuses a file that could not be
    # checked ("try again later"); "off" takes files unchecked, for
    # development without a daemon (`make run` sets it). CLAMD_SOCKET: a unix
    # socket path or "host:port"; CLAMD_TIMEOUT: seconds, under gunicorn's 30.
    VIRUS_SCAN="required",
    CLAMD_SOCKET="/var/run/clamav/clamd.ctl",
    CLAMD_TIMEOUT=10,
    # The profile asks for the password again when it was typed longer ago.
    PROFILE_REAUTH_MINUTES=15,
    # Download my data (domain.data_export): exports a customer may ask for,
    # (count, seconds); above this many rows (messages, attachments,
    # payments, security events) the file is built by the outbox worker and
    # its link emailed, working once for DATA_EXPORT_LINK_HOURS. Building
    # took 0.07 s at 1,100 rows, 0.18 s at 5,600 and 0.9 to 1.1 s at 22,000
    # here on a quiet machine (bench/data_export.py), up to 0.6 s at 5,000
    # on a busy one: past 5,000 a request holds a web worker too long.
    DATA_EXPORTS_PER_CUSTOMER=(3, 86400),
    DATA_EXPORT_QUEUE_ABOVE=5000,
    DATA_EXPORT_LINK_HOURS=48,
    # The Fernet key(s) that encrypt staff members' TOTP secrets, the one
    # that encrypts first (domain.totp_keys); None: instance/totp_key.
    TOTP_KEY=None,
    PASSWORD_HASH_TIME_COST=None,    # None: argon2-cffi's defaults
    PASSWORD_HASH_MEMORY_COST=None,
    SESSION_COOKIE_NAME="keyfob",
    SESSION_COOKIE_HTTPONLY=True,
    SESSION_COOKIE_SAMESITE="Lax",
    SESSION_COOKIE_SECURE=False,     # set True (KEYFOB_SESSION_COOKIE_SECURE) behind HTTPS:
                                     # every cookie then carries Secure and the __Host- prefix
    WTF_CSRF_TIME_LIMIT=None,        # the token lives as long as the session
    BABEL_TRANSLATION_DIRECTORIES=os.path.join(HERE, "translations"),
    BABEL_DEFAULT_LOCALE="en",
    MAX_CONTENT_LENGTH=1024 * 1024,
    # How many reverse proxies (nginx, a load balancer) stand in front and
    # set X-Forwarded-For/-Proto/-Host: rate limits then see the client's
    # address and URLs the client's scheme. 0: none, the headers are ignored.
    TRUSTED_PROXIES=0,
    # Static URLs carry a fingerprint (?v=<hash>, htmx-<version>.js).
    SEND_FILE_MAX_AGE_DEFAULT=365 * 24 * 3600,
    # Rendered pages kept per process (domain.page_cache): how many, and for
    # how long at most. 0 entries: none kept.
    PAGE_CACHE_ENTRIES=2000,
    PAGE_CACHE_SECONDS=60,
)


def create_app(test_config=None, instance_path=None):
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(DEFAULTS)
    app.config["DATABASE_URL"] = "sqlite:///" + os.path.join(app.instance_path, "keyfob.sqlite3")
    app.config["MAIL_OUTBOX_DIR"] = os.path.join(app.instance_path, "outbox", "mail")
    app.config["SMS_OUTBOX_DIR"] = os.path.join(app.instance_path, "outbox", "sms")
    app.config["DOCUMENTS_DIR"] = os.path.join(app.instance_path, "documents")
    app.config["EXPORTS_DIR"] = os.path.join(app.instance_path, "exports")
    app.config["ATTACHMENTS_DIR"] = os.path.join(app.instance_path, "attachments")
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("KEYFOB")
    if os.environ.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = os.environ["DATABASE_URL"]
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(app.instance_path)

    virus_scan.check_config(app.config)
    configure_process(app)
    _check_public_urls(app.config)
    if app.config["SESSION_COOKIE_SECURE"]:
        app.config["SESSION_COOKIE_NAME"] = cookies.cookie_name(app.config["SESSION_COOKIE_NAME"], True)

    babel.init_app(app, locale_selector=sites.babel_locale,
                   timezone_selector=sites.current_timezone)
    csrf.init_app(app)
    login_manager.init_app(app)

    hooks.init_app(app)
    templating.init_app(app)
    cache.init_app(app)
    for module in PORTAL + BACK_OFFICE:
        app.register_blueprint(module.bp)
    errors.init_app(app)
    cli.init_app(app)
    if app.config["TRUSTED_PROXIES"]:
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app


def configure_process(app):
    """What the app's settings set for the whole process, in module globals
    rather than on the app: the database, the markets, the keys of the
    staff's TOTP secrets (TOTP_KEY, else instance/totp_key) and the password
    hash's cost. A process that goes back to an app it made before (the
    tests) calls it again for that app."""
    totp_keys.configure(app.config.get("TOTP_KEY"), app.instance_path)
    init_database(app.config["DATABASE_URL"])
    load_markets(app.config["MARKETS_FILE"])
    passwords.configure(app.config["PASSWORD_HASH_TIME_COST"],
                        app.config["PASSWORD_HASH_MEMORY_COST"])


def _check_public_urls(config):
    """Refuse to start with a public URL links cannot be built from, and
    derive the trusted hosts from the public URLs unless they are set."""
    config["PUBLIC_URL"] = links.check_public_url(config["PUBLIC_URL"])
    for market in MARKETS.values():
        if market.public_url:
            links.check_public_url(market.public_url)
    if config["TRUSTED_HOSTS"] is None:
        config["TRUSTED_HOSTS"] = links.public_hosts(config) + ["localhost", "127.0.0.1"]


def _instance_secret_key(instance_path):
    """Read the key from instance/secret_key, creating it on the first run."""
    path = os.path.join(instance_path, "secret_key")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        with open(path) as f:
            return f.read().strip()
    with os.fdopen(fd, "w") as f:
        key = secrets.token_hex(32)
        f.write(key)
    return key
