"""Every page of the app, and how to reach it. The crawls (test_pages.py
through Flask, tests/browser through Chromium) walk this list in every
language variant; test_every_route_is_listed fails when a route is added
without an entry here.

A visitor is anything with get(url) and form(url, data): a Flask test client
or a browser context, wrapped. The steps go through the pages where the
step is what leads there (a registration's pages, a code sent, a form
sent); the states behind them, a customer who registered and activated, a
linked agreement, are made in the database (make_customer), since their
own flows are walked by test_register.py, test_linking.py and the browser
journeys."""
import email
import email.policy
import glob
import os
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Optional
from urllib.parse import urlparse

import pyotp

from domain import messages, passwords, texts
from domain.clock import utcnow
from domain.markets import MARKETS, SITES, load_markets
from domain.tokens import digest, new_secret
from models import Customer, DataExport, LoginSession, Staff, Thread
from support.agreements import identity_form, make_agreement
from support.help_articles import make_help_article
from support.staff import staff_member

PASSWORD = "tulip river lantern 7"
# The sites to crawl and their markets, read from the markets file the app reads.
load_markets(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          "config", "markets.toml"))
VARIANTS = list(SITES)
MARKET_OF = {code: site.market.key for code, site in SITES.items()}
IDENTITY_MARKETS = {key for key, market in MARKETS.items() if market.link_method == "identity"}
CONTRACT_MARKETS = {key for key, market in MARKETS.items() if market.link_method == "contract_code"}
DEVICE_MARKETS = {key for key, market in MARKETS.items() if market.device_authorization}


@dataclass
class Page:
    endpoint: str
    # Returns the URL to open, after whatever steps lead there.
    reach: Callable
    status: int = 200
    per_variant: bool = True
    customer: bool = False          # only for a signed-in customer
    markets: frozenset = frozenset(MARKET_OF.values())   # where the page exists


def latest_link(outbox_dir, recipient, path_part):
    for path in sorted(glob.glob(os.path.join(outbox_dir, "*.eml")), reverse=True):
        with open(path, "rb") as f:
            message = email.message_from_bytes(f.read(), policy=email.policy.default)
        if message["To"].lower() == recipient.lower():
            text = message.get_body(("plain",)).get_content()
            match = re.search(r"https?://[^/\s]+(/\S*" + re.escape(path_part) + r"\S*)", text)
            if match:
                return match.group(1)
    raise AssertionError(f"no {path_part} link for {recipient}")


def new_address():
    return f"crawl-{uuid.uuid4().hex[:10]}@example.com"


def name_step(visitor, lang):
    visitor.form(f"/{lang}/register", {"title": "ms", "first_name": "Ana", "last_name": "Silva"})


def email_step(visitor, lang, address=None):
    name_step(visitor, lang)
    visitor.form(f"/{lang}/register/email", {"email": address or new_address()})


def password_step(visitor, lang, address=None):
    email_step(visitor, lang, address)
    visitor.form(f"/{lang}/register/password", {"password": PASSWORD})


def registered(visitor, lang):
    address = new_address()
    password_step(visitor, lang, address)
    visitor.form(f"/{lang}/register/check", {"accept_terms": "y"})
    return address


def activation_link(visitor, lang):
    address = registered(visitor, lang)
    return latest_link(visitor.outbox_dir, address, "/activate/")


def reset_link(visitor, lang):
    address = visitor.customer(lang)
    visitor.form(f"/{lang}/forgot-password", {"email": address})
    return latest_link(visitor.outbox_dir, address, "/reset-password/")


def make_customer(lang, linked=False):
    """An active customer of the variant `lang`, as registration and
    activation leave one, who signs in with PASSWORD, and with `linked`
    an agreement linked to them (the models bound to the app's database):
    (customer, agreement or None)."""
    now = utcnow()
    address = new_address()
    customer = Customer.create(
        market=MARKET_OF[lang], locale=SITES[lang].locale, email=address,
        email_key=address, title="ms", first_name="Ana", last_name="Silva",
        password_hash=passwords.hash_password(PASSWORD), status="active", activated_at=now)
    agreement = None
    if linked:
        agreement = make_agreement(MARKET_OF[lang], customer=customer.id, linked_at=now)
    return customer, agreement


def authorize_device(customer_id):
    """The customer's open sessions are on an authorized device, as after
    a code typed back (the device pages' own visits reach them by the code)."""
    LoginSession.update(device_ok=True).where(LoginSession.customer == customer_id,
                                              LoginSession.ended_at.is_null()).execute()


def signed_in(visitor, lang, linked=False):
    """A customer made in the database (visitor.customer), signed in through
    the login form; with `linked`, an agreement linked to them
    (visitor.last_agreement), the device not authorized yet."""
    address = visitor.customer(lang, linked=linked)
    visitor.form(f"/{lang}/login", {"email": address, "password": PASSWORD})
    return address


def latest_code(sms_dir):
    """The code of the newest text message (the crawl runs one visit at a time)."""
    paths = sorted(glob.glob(os.path.join(sms_dir, "*.txt")))
    with open(paths[-1], encoding="utf-8") as f:
        return re.search(r"\b(\d{6})\b", f.read()).group(1)


def contract_code_sent(visitor, lang):
    signed_in(visitor, lang)
    agreement = visitor.agreement(MARKET_OF[lang])
    visitor.form(f"/{lang}/agreements/link", {"contract_number": agreement.contract_number})


def identity_linked(visitor, lang):
    """Signed in with an agreement linked; the device is not authorized yet."""
    signed_in(visitor, lang, linked=True)


def send_device_code(visitor, lang):
    page = visitor.page_text(f"/{lang}/device")
    key = re.search(r'name="destination" value="(sms-\d+)"', page).group(1)
    visitor.form(f"/{lang}/device", {"destination": key})


def device_code_sent(visitor, lang):
    identity_linked(visitor, lang)
    send_device_code(visitor, lang)


def linked(visitor, lang):
    """A customer with a linked agreement, on an authorized device."""
    signed_in(visitor, lang, linked=True)
    if MARKET_OF[lang] in DEVICE_MARKETS:
        visitor.device_authorized()


def linked_through_the_pages(visitor, lang):
    """An agreement linked through the linking pages, the way each market
    links (link.done lists what this session linked)."""
    if MARKET_OF[lang] in IDENTITY_MARKETS:
        signed_in(visitor, lang)
        agreement = visitor.agreement(MARKET_OF[lang])
        visitor.form(f"/{lang}/agreements/link", identity_form(agreement))
        send_device_code(visitor, lang)
        visitor.form(f"/{lang}/device/code", {"code": latest_code(visitor.sms_dir), "remember": "no"})
    else:
        contract_code_sent(visitor, lang)
        visitor.form(f"/{lang}/agreements/link/code", {"code": latest_code(visitor.sms_dir)})


def of_agreement(steps, url):
    """After `steps` (which link an agreement), `url` with {id} the agreement's."""
    def reach(visitor, lang):
        steps(visitor, lang)
        return url.format(lang=lang, id=visitor.last_agreement.id)
    return reach


def service_request_sent(visitor, lang):
    linked(visitor, lang)
    answer = visitor.form(f"/{lang}/service-requests/document_copy/{visitor.last_agreement.id}",
                          {"document": "contract"})
    # A Flask response is the 303 itself; a browser's has followed it.
    return urlparse(getattr(answer, "location", None) or answer.url).path


def payoff_quote_made(visitor, lang):
    """A payoff quote asked for; the quote page's path."""
    linked(visitor, lang)
    # Two days after today in UTC is within the 30 days of every market's
    # today, whatever its time zone (the browser's server clock is not frozen).
    day = (datetime.now(timezone.utc) + timedelta(days=2)).date()
    answer = visitor.form(f"/{lang}/agreements/{visitor.last_agreement.id}/payoff",
                          {"payoff_day": str(day.day), "payoff_month": str(day.month),
                           "payoff_year": str(day.year)})
    return urlparse(getattr(answer, "location", None) or answer.url).path


def message_sent(visitor, lang):
    """A message to customer care written; the confirmation page's path."""
    linked(visitor, lang)
    answer = visitor.form(f"/{lang}/messages/new", {
        "topic": "payments", "agreement": str(visitor.last_agreement.id),
        "body": "When is my next payment taken?\nThank you."})
    return urlparse(getattr(answer, "location", None) or answer.url).path


def message_answered(visitor, lang):
    """A thread with an answer from customer care not read yet; its path."""
    path = message_sent(visitor, lang).removesuffix("/sent")
    visitor.staff_reply(int(path.rsplit("/", 1)[1]),
                        "Your next payment is taken on the 15th.\nKind regards, customer care")
    return path


# A mobile number of each market that is no agreement's (those end in 42).
PROFILE_PHONES = {"ca": "613 555 0143", "us": "202 555 0143", "at": "0664 1234543",
                  "fr": "06 12 34 56 43"}


def phone_code_sent(visitor, lang):
    linked(visitor, lang)
    visitor.form(f"/{lang}/profile/phone", {"phone": PROFILE_PHONES[MARKET_OF[lang]]})


def email_change_link(visitor, lang):
    """The confirmation link of a new email address."""
    linked(visitor, lang)
    address = new_address()
    visitor.form(f"/{lang}/profile/email", {"email": address})
    return latest_link(visitor.outbox_dir, address, "/profile/email/confirm/")


def make_ready_export(customer_id, exports_dir):
    """A data export as the outbox worker leaves it for the customer (a
    file in `exports_dir`, a row with its link's token hashed); the token."""
    secret = new_secret()
    now = utcnow()
    row = DataExport.create(customer=customer_id, locale="en",
                            stored_name=secrets.token_hex(16) + ".zip", token_hash=digest(secret),
                            ready_at=now, expires_at=now + timedelta(hours=48))
    os.makedirs(exports_dir, exist_ok=True)
    with open(os.path.join(exports_dir, row.stored_name), "wb") as f:
        f.write(b"PK\x05\x06" + bytes(18))     # an empty zip file
    return secret


def data_export_link(visitor, lang):
    """The link of the email that says a customer's data is ready."""
    linked(visitor, lang)
    return f"/{lang}/profile/data/download/{visitor.ready_export()}"


def opened(link):
    """A step that opens the email's link (which keeps its token in the
    session and leads on to the page without it)."""
    def step(visitor, lang):
        visitor.get(link(visitor, lang))
    return step


def then(steps, url):
    def reach(visitor, lang):
        steps(visitor, lang)
        return url.format(lang=lang)
    return reach


def at(url):
    return lambda visitor, lang: url.format(lang=lang)


# Staff pages have no language in their URL (per_variant=False): they come in
# the language of the `site` cookie or of the browser. Each visit makes a new
# member (visitor.staff), so a TOTP code of now is never one used before.

def staff_password_typed(visitor, enrolled=True, role="admin"):
    """A new member typed their password; their TOTP secret ("" when
    their authenticator app is not set up yet)."""
    email, password, secret = visitor.staff(role, enrolled=enrolled)
    visitor.form("/staff/login", {"email": email, "password": password})
    return secret


def staff_app_not_set_up(visitor, lang):
    staff_password_typed(visitor, enrolled=False)


def staff_code_due(visitor, lang):
    staff_password_typed(visitor)


def staff_code_typed(visitor, lang, role="admin"):
    """A new member signed in: password, then the TOTP code of now."""
    secret = staff_password_typed(visitor, role=role)
    visitor.form("/staff/second-factor", {"code": pyotp.TOTP(secret).now()})


def staff_home(role):
    def reach(visitor, lang):
        staff_code_typed(visitor, lang, role=role)
        return "/staff"
    return reach


def agent_with_thread(visitor, lang, answered=False):
    """A customer wrote to customer care (and, when `answered`, got an
    answer), then an agent signed in on the same browser; the thread's id.
    (Signing in as staff starts a new cookie session: the customer's ends.)"""
    path = message_answered(visitor, lang) if answered else message_sent(visitor, lang)
    staff_code_typed(visitor, lang, role="agent")
    return int(path.removesuffix("/sent").rsplit("/", 1)[1])


def account_close_asked(visitor, lang):
    """Signed in, the password typed on the closing page: the last question."""
    linked(visitor, lang)
    visitor.form(f"/{lang}/profile/close", {"current_password": PASSWORD})


def agent_with_thread_of_closed_account(visitor, lang):
    """A customer wrote, got an answer, then closed their online account; an
    agent opens the thread (kept for the retention period, not answerable)."""
    path = message_answered(visitor, lang)
    visitor.form(f"/{lang}/profile/close", {"current_password": PASSWORD})
    visitor.form(f"/{lang}/profile/close/confirm", {})
    staff_code_typed(visitor, lang, role="agent")
    return path.replace(f"/{lang}/messages/", "/staff/queue/")


def agents_queue(visitor, lang):
    agent_with_thread(visitor, lang)
    return "/staff/queue"


def agents_thread(visitor, lang):
    return f"/staff/queue/{agent_with_thread(visitor, lang, answered=True)}"


def admin_signed_in(visitor, lang):
    staff_code_typed(visitor, lang, role="admin")


def member_added(visitor, lang):
    """An admin added an agent through the form; the path of the page that
    shows the initial password. (A browser's request follows the redirect:
    the crawl then sees the page as it is once the password was shown.)"""
    admin_signed_in(visitor, lang)
    answer = visitor.form("/staff/admin/staff", {
        "email": f"crawl-agent-{uuid.uuid4().hex[:10]}@keyfob.example", "name": "Crawl Agent",
        "role": "agent"})
    return urlparse(getattr(answer, "location", None) or answer.url).path


def locked_member(visitor, lang):
    """The page of an agent with an authenticator app, locked by wrong
    passwords: every form of a member's page shows."""
    email, _password, _secret = visitor.staff("agent")
    for _ in range(5):
        visitor.form("/staff/login", {"email": email, "password": "not the password at all"})
    admin_signed_in(visitor, lang)
    listing = visitor.page_text("/staff/admin/staff")
    member_id = re.search(r'href="/staff/admin/staff/(\d+)">(?:(?!href=).)*?' + re.escape(email),
                          listing, re.S).group(1)
    return f"/staff/admin/staff/{member_id}"


def marketer_signed_in(visitor, lang):
    staff_code_typed(visitor, lang, role="marketer")


def article_drafted(visitor, lang):
    """A marketer wrote a new help article through the form; the path of
    its version's page (draft, preview and the publish button)."""
    help_article(visitor, "en-ca")      # the market's "account" category
    marketer_signed_in(visitor, lang)
    answer = visitor.form("/staff/content/help/new?market=ca", {
        "category": "account", "key": f"crawl-{uuid.uuid4().hex[:10]}", "locale": "fr_CA",
        "title": "Pneus d'hiver", "body": "Vos **pneus** d'hiver.\n\n- un\n- deux"})
    return urlparse(getattr(answer, "location", None) or answer.url).path


FORGOT_KEY = texts.message_key("Forgot your password?")


def text_drafted(visitor, lang):
    """A marketer saved a draft of a login-page text in Canadian French,
    with a glossary warning; the path of the text's page."""
    marketer_signed_in(visitor, lang)
    path = f"/staff/texts/fr_CA/{FORGOT_KEY}"
    visitor.form(path, {"action": "save", "form_0": "Oublié ? Écrivez par e-mail"})
    return path


def text_published(visitor, lang):
    marketer_signed_in(visitor, lang)
    visitor.form(f"/staff/texts/fr_CA/{FORGOT_KEY}", {"action": "publish", "form_0": "Oublié ?"})
    return "/staff/texts/history"


def help_article(visitor, lang):
    """A help article of the visitor's market, in the app's database; its key."""
    market = MARKET_OF[lang]
    if hasattr(visitor, "server"):      # a browser: the server's database
        return visitor.server.make_help_article(market)
    with visitor.client.application.app_context():
        return make_help_article(market).key


def help_at(url):
    """`url` with {key} a new help article of the visitor's market."""
    def reach(visitor, lang):
        return url.format(lang=lang, key=help_article(visitor, lang))
    return reach


PAGES = [
    Page("site.root", at("/"), status=302, per_variant=False),
    Page("site.sites", at("/sites"), per_variant=False),
    Page("site.home", at("/{lang}/")),
    Page("site.terms", at("/{lang}/terms")),
    Page("register.name", at("/{lang}/register")),
    Page("register.email", then(name_step, "/{lang}/register/email")),
    Page("register.password", then(email_step, "/{lang}/register/password")),
    Page("register.check", then(password_step, "/{lang}/register/check")),
    Page("register.sent", then(registered, "/{lang}/register/sent")),
    Page("register.activate", activation_link),
    Page("auth.login", at("/{lang}/login")),
    Page("auth.forgot_password", at("/{lang}/forgot-password")),
    Page("auth.reset_sent", at("/{lang}/forgot-password/sent")),
    Page("auth.reset_link", reset_link, status=303),
    Page("auth.reset_password", then(opened(reset_link), "/{lang}/reset-password")),
    Page("auth.reset_done", at("/{lang}/forgot-password/done")),
    Page("account.home", then(linked, "/{lang}/account"), customer=True),
    Page("link.start", then(signed_in, "/{lang}/agreements/link"), customer=True),
    Page("link.customer_number", then(signed_in, "/{lang}/agreements/link/customer-id"),
         customer=True, markets=frozenset(IDENTITY_MARKETS)),
    Page("link.code", then(contract_code_sent, "/{lang}/agreements/link/code"),
         customer=True, markets=frozenset(CONTRACT_MARKETS)),
    Page("link.blocked", then(signed_in, "/{lang}/agreements/link/blocked"), status=403,
         customer=True),
    Page("link.done", then(linked_through_the_pages, "/{lang}/agreements/link/done"), customer=True),
    Page("device.choose", then(identity_linked, "/{lang}/device"), customer=True,
         markets=frozenset(DEVICE_MARKETS)),
    Page("device.code", then(device_code_sent, "/{lang}/device/code"), customer=True,
         markets=frozenset(DEVICE_MARKETS)),
    Page("device.remembered", then(linked, "/{lang}/account/devices"), customer=True,
         markets=frozenset(DEVICE_MARKETS)),
    # --- agreements, documents, service requests
    Page("agreements.detail", of_agreement(linked, "/{lang}/agreements/{id}"), customer=True),
    Page("service.start", then(linked, "/{lang}/service-requests"), customer=True),
    Page("service.details", of_agreement(linked, "/{lang}/service-requests/payment_date/{id}"),
         customer=True),
    Page("service.sent", service_request_sent, customer=True),
    # --- payoff quotes
    Page("payoff.start", of_agreement(linked, "/{lang}/agreements/{id}/payoff"), customer=True),
    Page("payoff.quote", payoff_quote_made, customer=True),
    # --- message center (customers)
    Page("messages.inbox", then(message_sent, "/{lang}/messages"), customer=True),
    Page("messages.compose", then(linked, "/{lang}/messages/new"), customer=True),
    Page("messages.sent", message_sent, customer=True),
    Page("messages.thread", message_answered, customer=True),
    # --- staff: sign-in, second factor, home
    Page("staff.login", at("/staff/login"), per_variant=False),
    Page("staff.setup", then(staff_app_not_set_up, "/staff/second-factor/setup"),
         per_variant=False),
    # visitor.staff() makes no recovery codes: this first visit shows them.
    Page("staff.recovery_codes", then(staff_code_typed, "/staff/second-factor/recovery-codes"),
         per_variant=False),
    Page("staff.second_factor", then(staff_code_due, "/staff/second-factor"), per_variant=False),
    Page("staff.recovery", then(staff_code_due, "/staff/second-factor/recovery"),
         per_variant=False),
    Page("staff.home", staff_home("agent"), per_variant=False),
    Page("staff.home", staff_home("marketer"), per_variant=False),
    Page("staff.home", staff_home("admin"), per_variant=False),
    # --- staff: agents
    Page("agents.queue", agents_queue, per_variant=False),
    Page("agents.thread", agents_thread, per_variant=False),
    Page("agents.thread", agent_with_thread_of_closed_account, per_variant=False),
    # --- staff: admins
    Page("admin.staff", then(admin_signed_in, "/staff/admin/staff"), per_variant=False),
    Page("admin.created", member_added, per_variant=False),
    Page("admin.member", locked_member, per_variant=False),
    Page("admin.customers", then(admin_signed_in, "/staff/admin/customers"), per_variant=False),
    Page("admin.security_log", then(admin_signed_in, "/staff/admin/security-log"),
         per_variant=False),
    # --- staff: marketers
    Page("content.home", then(marketer_signed_in, "/staff/content"), per_variant=False),
    Page("content.articles", then(marketer_signed_in, "/staff/content/help?market=ca"),
         per_variant=False),
    Page("content.report", then(marketer_signed_in, "/staff/content/help/report?market=ca"),
         per_variant=False),
    Page("content.new_article", then(marketer_signed_in, "/staff/content/help/new?market=ca"),
         per_variant=False),
    Page("content.version", article_drafted, per_variant=False),
    Page("texts.index", then(marketer_signed_in, "/staff/texts?variant=fr_CA&q=password"),
         per_variant=False),
    Page("texts.edit", text_drafted, per_variant=False),
    Page("texts.history", text_published, per_variant=False),
    Page("texts.emails", then(marketer_signed_in, "/staff/texts/emails?variant=fr_CA"),
         per_variant=False),
    # --- help center
    Page("help.home", help_at("/{lang}/help")),
    Page("help.category", help_at("/{lang}/help/categories/account")),
    Page("help.article", help_at("/{lang}/help/articles/{key}")),
    Page("help.search", help_at("/{lang}/help/search?q=Keyfob")),
    Page("help.ask", at("/{lang}/help/ask")),
    # --- profile
    Page("profile.overview", then(linked, "/{lang}/profile"), customer=True),
    Page("profile.confirm_password", then(linked, "/{lang}/profile/confirm-password"),
         customer=True),
    Page("profile.address", then(linked, "/{lang}/profile/address"), customer=True),
    Page("profile.phone", then(linked, "/{lang}/profile/phone"), customer=True),
    Page("profile.phone_code", then(phone_code_sent, "/{lang}/profile/phone/code"), customer=True),
    Page("profile.email", then(linked, "/{lang}/profile/email"), customer=True),
    Page("profile.email_sent", then(linked, "/{lang}/profile/email/sent"), customer=True),
    Page("profile.email_confirm_link", email_change_link, status=303),
    Page("profile.email_confirm", then(opened(email_change_link), "/{lang}/profile/email/confirm")),
    Page("profile.email_changed", at("/{lang}/profile/email/changed")),
    Page("profile.password", then(linked, "/{lang}/profile/password"), customer=True),
    Page("profile.language", then(linked, "/{lang}/profile/language"), customer=True),
    Page("profile.data_export", then(linked, "/{lang}/profile/data"), customer=True),
    Page("profile.data_export_queued", then(linked, "/{lang}/profile/data/queued"), customer=True),
    Page("profile.data_export_link", data_export_link, status=303),
    Page("profile.data_export_ready", then(opened(data_export_link), "/{lang}/profile/data/download"),
         customer=True),
    Page("profile.close", then(linked, "/{lang}/profile/close"), customer=True),
    Page("profile.close_confirm", then(account_close_asked, "/{lang}/profile/close/confirm"),
         customer=True),
    Page("profile.closed", at("/{lang}/profile/closed")),
]

# Routes that are not pages: assets, probes, and POST-only actions (those
# are exercised by the flows and by test_fuzz.py).
NOT_PAGES = {"static", "site.theme", "site.healthz",
             "messages.attachment",     # a file: tests/test_messages.py downloads it
             "agreements.document",     # a PDF: tests/test_dashboard.py downloads it
             "payoff.pdf",              # a PDF: tests/test_payoff_pages.py downloads it
             "staff.qr",                # an SVG image of the setup page: tests/test_staff_auth.py
             "agents.attachment",       # a file: tests/test_agents.py downloads it
             "texts.email_html"}        # an email's HTML as sent: tests/test_texts.py


def get_endpoints(app):
    return {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}


def visits(variants=VARIANTS):
    """(page, lang) pairs to crawl."""
    for page in PAGES:
        langs = [lang for lang in variants if MARKET_OF[lang] in page.markets]
        for lang in (langs if page.per_variant else langs[:1]):
            yield page, lang


def shown_visits(variants=VARIANTS):
    """The visits that end on a page, not a redirect: what the browser crawls."""
    return [(page, lang) for page, lang in visits(variants) if not 300 <= page.status < 400]


def first_visits(visits):
    """The first of `visits` to each page (a Page entry: the staff home of
    each role is one), in the first variant where it exists."""
    seen = set()
    for page, lang in visits:
        if id(page) not in seen:
            seen.add(id(page))
            yield page, lang


class FlaskVisitor:
    """A Flask test client as a visitor."""

    def __init__(self, client, outbox_dir, sms_dir):
        self.client, self.outbox_dir, self.sms_dir = client, outbox_dir, sms_dir

    def get(self, url):
        return self.client.get(url)

    def page_text(self, url):
        return self.client.get(url).get_data(as_text=True)

    def agreement(self, market):
        # Kept: pages of an agreement need its id in their URL.
        with self.client.application.app_context():
            self.last_agreement = make_agreement(market)
        return self.last_agreement

    def customer(self, lang, linked=False):
        """A new active customer in the app's database (make_customer); their
        address. Kept: the customer, and with `linked` their agreement."""
        with self.client.application.app_context():
            self.last_customer, agreement = make_customer(lang, linked=linked)
        if agreement is not None:
            self.last_agreement = agreement
        return self.last_customer.email

    def device_authorized(self):
        with self.client.application.app_context():
            authorize_device(self.last_customer.id)

    def ready_export(self):
        """A data export ready for the last customer; its link's token."""
        app = self.client.application
        with app.app_context():
            return make_ready_export(self.last_customer.id, app.config["EXPORTS_DIR"])

    def staff(self, role, enrolled=True):
        """A new staff member in the app's database: (email, password, TOTP
        secret, "" when their app is not set up yet)."""
        with self.client.application.app_context():
            staff, password, totp = staff_member(role, enrolled=enrolled)
        return staff.email, password, totp.secret if totp else ""

    def staff_reply(self, thread_id, text):
        """An agent's answer (domain.messages.staff_reply), in the app."""
        with self.client.application.test_request_context():
            agent = Staff.create(email=f"agent-{uuid.uuid4().hex[:10]}@example.com",
                                 name="Care Agent", role="agent", password_hash="x")
            messages.staff_reply(agent, Thread.get_by_id(thread_id), text)

    def form(self, url, data):
        page = self.client.get(url).get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]*)"', page)
        data = dict(data, csrf_token=token.group(1) if token else "")
        return self.client.post(url, data=data)
