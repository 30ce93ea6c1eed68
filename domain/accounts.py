"""Customer accounts: registration, activation, login with lockout, password
reset. Plain functions over the models; views and CLI commands call them.

Nothing here tells a caller whether an address is registered in a way the
caller could show: registering a known address and asking a reset for an
unknown one look exactly like the ordinary case from outside.
"""
import json
from datetime import timedelta
from enum import Enum

from email_validator import validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l

from domain import devices, lockout, outbox, passwords, sessions
from domain.clock import utcnow
from domain.db import database
from domain.links import customer_link
from domain.markets import customer_site
from domain.security_log import log_event
from domain.tokens import digest, new_secret
from models import Customer, RegistrationDraft, ResetRequest, Token

MAX_FAILED_LOGINS = 3


def email_key(address):
    """The form of an address used for lookups: "  Ana@X.com " -> "ana@x.com"."""
    return address.strip().lower()


def normalized_email(address):
    """The address to store and write to, or raise EmailNotValidError."""
    result = validate_email(address.strip(), check_deliverability=False)
    return result.normalized


def find_customer(market, address):
    return Customer.get_or_none(Customer.market == market,
                                Customer.email_key == email_key(address))


# --- emails ---------------------------------------------------------------

def mail_customer(customer, template, subject, recipient=None, **context):
    """Queue email `template` for the customer, in their language and with
    their market's brand; to `recipient` when it is not their address (a
    new address being confirmed, the old one being told)."""
    site = customer_site(customer)
    outbox.enqueue_mail(recipient or customer.email, template, customer.locale, subject,
                        customer=customer, market=site.market, site=site, **context)


def end_links(customer, purpose):
    """The customer's unused links of `purpose` expire now."""
    now = utcnow()
    Token.update(expires_at=now).where(Token.customer == customer.id, Token.purpose == purpose,
                                       Token.used_at.is_null(), Token.expires_at > now).execute()


def issue_token(customer, purpose, lifetime, payload=""):
    """A new link's secret. Only the newest link of a purpose works: a link
    in an older email, perhaps read by someone else, is worth nothing once a
    new one is sent."""
    end_links(customer, purpose)
    now = utcnow()
    secret = new_secret()
    Token.create(customer=customer.id, purpose=purpose, token_hash=digest(secret), payload=payload,
                 created_at=now, expires_at=now + lifetime)
    return secret


def _activation_lifetime():
    return timedelta(hours=current_app.config["ACTIVATION_HOURS"])


def _reset_lifetime():
    return timedelta(minutes=current_app.config["RESET_MINUTES"])


def send_activation(customer):
    secret = issue_token(customer, "activate", _activation_lifetime())
    mail_customer(customer, "activation", _l("Activate your %(brand)s account",
                                     brand=customer_site(customer).market.brand),
          link=customer_link("register.activate", customer, token=secret),
          hours=current_app.config["ACTIVATION_HOURS"])


def send_existing_account_notice(customer):
    """Someone registered with an address that already has an account. The
    owner, and only the owner, learns it, with a link to choose a password:
    that also finishes a registration that was never activated, without
    trusting the password typed by whoever registered first."""
    secret = issue_token(customer, "reset", _reset_lifetime())
    mail_customer(customer, "existing_account", _l("You already have a %(brand)s account",
                                           brand=customer_site(customer).market.brand),
          link=customer_link("auth.reset_link", customer, token=secret),
          login_link=customer_link("auth.login", customer))


# --- registration and activation -------------------------------------------

def register(market, locale, answers, password_hash):
    """Create a pending account and queue its activation email; for an
    address already registered, email its owner instead. Returns the new
    customer or None; the caller must show the same page either way."""
    with database.atomic():
        existing = find_customer(market, answers["email"])
        if existing is not None:
            send_existing_account_notice(existing)
            log_event("register_existing", existing)
            return None
        customer = Customer.create(
            market=market, locale=locale, email=answers["email"],
            email_key=email_key(answers["email"]), title=answers.get("title", ""),
            first_name=answers["first_name"], last_name=answers["last_name"],
            password_hash=password_hash)
        send_activation(customer)
        return customer


def resend_registration_email(market, address):
    """The thank-you page's "send it again": the same email as the first time."""
    with database.atomic():
        customer = find_customer(market, address)
        if customer is None:
            return
        if customer.status == "pending":
            send_activation(customer)
        else:
            send_existing_account_notice(customer)


class TokenState(Enum):
    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"
    INVALID = "invalid"


def check_token(secret, purpose):
    """(state, token) for a secret from a link."""
    if not secret or len(secret) > 100:
        return TokenState.INVALID, None
    token = Token.get_or_none(Token.token_hash == digest(secret), Token.purpose == purpose)
    if token is None:
        return TokenState.INVALID, None
    if token.used_at is not None:
        return TokenState.USED, token
    if token.expires_at <= utcnow():
        return TokenState.EXPIRED, token
    return TokenState.VALID, token


def _consume(token):
    """Mark a token used; False if another request got there first."""
    return Token.update(used_at=utcnow()).where(
        Token.id == token.id, Token.used_at.is_null()).execute() == 1


def activate(secret):
    """Activate the account of an activation link; returns a TokenState."""
    state, token = check_token(secret, "activate")
    if state is TokenState.EXPIRED:
        purge_expired_registrations(customer_id=token.customer_id)
    if state is not TokenState.VALID:
        return state
    with database.atomic():
        if not _consume(token):
            return TokenState.USED
        Customer.update(status="active", activated_at=utcnow()).where(
            Customer.id == token.customer_id, Customer.status == "pending").execute()
        log_event("activated", token.customer_id)
    return TokenState.VALID


def purge_expired_registrations(customer_id=None):
    """Delete accounts never activated whose every activation link has
    expired. Returns how many were deleted."""
    now = utcnow()
    with_live_link = Token.select(Token.customer).where(
        Token.purpose == "activate", Token.used_at.is_null(), Token.expires_at > now)
    query = Customer.delete().where(
        Customer.status == "pending",
        Customer.created_at <= now - _activation_lifetime(),
        Customer.id.not_in(with_live_link))
    if customer_id is not None:
        query = query.where(Customer.id == customer_id)
    return query.execute()


def purge_old_drafts():
    """Delete registration drafts older than an activation link lives: by
    then their thank-you page can send nothing more, and they hold a name or
    an address. Returns how many were deleted."""
    return RegistrationDraft.delete().where(
        RegistrationDraft.created_at <= utcnow() - _activation_lifetime()).execute()


def forget_drafts(market, address):
    """Delete the registration drafts that hold this address (closing an
    account). The drafts keep their answers as JSON (views.register)."""
    written = '"email": ' + json.dumps(address)
    return RegistrationDraft.delete().where(RegistrationDraft.market == market,
                                            RegistrationDraft.data.contains(written)).execute()


# --- login and lockout -----------------------------------------------------

class LoginResult(Enum):
    OK = "ok"
    PENDING = "pending"      # right password, account not activated yet
    REFUSED = "refused"      # wrong address, wrong password or locked: one answer


def authenticate(market, address, password):
    """(LoginResult, customer). Counts a wrong password in the database; the
    third in a row locks the account and emails its owner once."""
    customer = find_customer(market, address)
    if customer is None or customer.locked_at is not None:
        passwords.burn_time(password)
        return LoginResult.REFUSED, None
    if not passwords.verify_password(customer.password_hash, password):
        with database.atomic():   # the lock and its email, or neither
            if lockout.record_failure(Customer, customer.id, MAX_FAILED_LOGINS):
                log_event("locked", customer)
                mail_customer(customer, "locked", _l("Your %(brand)s account is locked",
                                              brand=customer_site(customer).market.brand),
                      reset_link=customer_link("auth.forgot_password", customer),
                      attempts=MAX_FAILED_LOGINS)
            else:
                log_event("login_failed", customer)
        return LoginResult.REFUSED, None
    if not _record_success(customer):
        return LoginResult.REFUSED, None      # locked by a parallel request
    if passwords.needs_rehash(customer.password_hash):
        Customer.update(password_hash=passwords.hash_password(password)).where(
            Customer.id == customer.id).execute()
    if customer.status != "active":
        return LoginResult.PENDING, customer
    return LoginResult.OK, customer


def _record_success(customer):
    return Customer.update(failed_logins=0, last_login_at=utcnow()).where(
        Customer.id == customer.id, Customer.locked_at.is_null()).execute() == 1


def start_session(customer):
    log_event("login", customer)
    return sessions.start(customer)


# --- password reset --------------------------------------------------------

def request_password_reset(market, address):
    """Record a reset request; the outbox worker answers it. One INSERT
    whatever the address: the request takes the same time for an address
    with an account and one without (looking it up, making a token and
    rendering the email here were measurably slower for a known one)."""
    ResetRequest.create(market=market, email_key=email_key(address))


def answer_reset_requests(limit=100):
    """Email a reset link for each recorded request whose address has an
    account; forget the others. Each request is taken by one DELETE, so
    several workers never answer one twice. Returns how many were answered."""
    answered = 0
    for request in ResetRequest.select().order_by(ResetRequest.id).limit(limit):
        with database.atomic():
            if not ResetRequest.delete().where(ResetRequest.id == request.id).execute():
                continue        # another worker took it
            customer = find_customer(request.market, request.email_key)
            if customer is None:
                continue
            secret = issue_token(customer, "reset", _reset_lifetime())
            mail_customer(customer, "reset", _l("Reset your %(brand)s password",
                                                brand=customer_site(customer).market.brand),
                          link=customer_link("auth.reset_link", customer, token=secret),
                          minutes=current_app.config["RESET_MINUTES"])
            log_event("reset_requested", customer)
            answered += 1
    return answered


def reset_password(token, new_password):
    """Set the password of a valid reset token: unlocks and activates the
    account, ends every session, tells the owner. False if the token was
    used meanwhile."""
    new_hash = passwords.hash_password(new_password)
    with database.atomic():
        if not _consume(token):
            return False
        customer = Customer.get_by_id(token.customer_id)
        updates = dict(password_hash=new_hash, failed_logins=0, locked_at=None)
        if customer.status == "pending":
            # The link came by email, which proves the address.
            updates.update(status="active", activated_at=utcnow())
        Customer.update(**updates).where(Customer.id == customer.id).execute()
        # Other reset links of this account are worth nothing now.
        Token.update(used_at=utcnow()).where(
            Token.customer == customer.id, Token.purpose == "reset",
            Token.used_at.is_null()).execute()
        sessions.end_all(customer.id)
        devices.revoke_all(customer.id)       # whoever reset it may not be the one they trusted
        log_event("password_reset", customer)
        mail_customer(customer, "password_changed", _l("Your %(brand)s password was changed",
                                               brand=customer_site(customer).market.brand),
              login_link=customer_link("auth.login", customer))
    return True
