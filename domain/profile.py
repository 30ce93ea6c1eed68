"""The customer's profile: address, phone, email address, password and
language. Plain functions over the models; views and tests call them.

- Every change needs a password typed in the last PROFILE_REAUTH_MINUTES
  (the session's authenticated_at). A wrong password typed again counts
  towards the same lock as at sign-in: whoever holds a session must not get
  more guesses than whoever holds only the address.
- A phone number is kept only once the code sent to it was typed back
  (domain.codes, purpose "phone").
- A new email address is kept only once the link sent to it was opened;
  the old address is told at once. Whether the new address belongs to
  another account shows nowhere: that case is answered exactly like the
  others, and its owner gets no email.
"""
from datetime import timedelta
from enum import Enum

import phonenumbers
from flask import current_app
from flask_babel import lazy_gettext as _l
from peewee import IntegrityError

from domain import accounts, codes, passwords, sessions
from domain.accounts import LoginResult, TokenState, email_key, find_customer
from domain.clock import utcnow
from domain.db import database
from domain.links import customer_link
from domain.markets import MARKETS, customer_site
from domain.security_log import log_event
from models import Customer, Token

EMAIL_CHANGE_HOURS = 24

STREET_MAX = 200
POSTAL_CODE_MAX = 16
CITY_MAX = 100



# --- asking for the password again ---------------------------------------------

def needs_password(customer):
    """True when the password of this session was typed too long ago for a change."""
    minutes = current_app.config["PROFILE_REAUTH_MINUTES"]
    return customer.authenticated_at < utcnow() - timedelta(minutes=minutes)


class PasswordCheck(Enum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"      # this wrong password locked the account (or it was locked)


def check_password(customer, password):
    """The password of a signed-in customer, typed again. Goes through the
    sign-in's own check, so a wrong one counts towards the lock (three in a
    row, with its email) and a right one resets the count. On success the
    session counts as freshly authenticated."""
    result, _customer = accounts.authenticate(customer.market, customer.email_key, password)
    if result is LoginResult.OK:
        sessions.mark_authenticated(customer.session_key)
        return PasswordCheck.OK
    if Customer.get_by_id(customer.id).locked_at is not None:
        log_event("profile_password_locked", customer)
        return PasswordCheck.LOCKED
    log_event("profile_password_wrong", customer)
    return PasswordCheck.WRONG


# --- address -------------------------------------------------------------------

def save_address(customer, street, postal_code, city, region=""):
    """The address as the form checked it (the market's postal code shape
    and, in the US and Canada, a state or province of its list)."""
    Customer.update(street=street, postal_code=postal_code, city=city, region=region).where(
        Customer.id == customer.id).execute()
    log_event("address_changed", customer)


# --- phone ---------------------------------------------------------------------

def parse_phone(market, text):
    """(E.164 number, problem): problem is None, "invalid", "country" (not
    one of the market's SMS countries) or "landline"."""
    try:
        number = phonenumbers.parse(text, market.country)
    except phonenumbers.NumberParseException:
        return None, "invalid"
    if not phonenumbers.is_valid_number(number):
        return None, "invalid"
    if phonenumbers.region_code_for_number(number) not in market.sms_countries:
        return None, "country"
    if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.FIXED_LINE:
        return None, "landline"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None


def example_phone(market):
    """A mobile number of the market's country as people write it there."""
    number = phonenumbers.example_number_for_type(market.country, phonenumbers.PhoneNumberType.MOBILE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def national_phone(phone):
    number = phonenumbers.parse(phone)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def send_phone_code(customer, phone, locale, client):
    """A code by SMS to the new number; returns its row. Raises codes.Refused."""
    return codes.send("phone", customer, "sms", phone, locale, client)


def has_phone(customer, phone):
    """Whether `phone` is the customer's now (read again from the database)."""
    return Customer.get_by_id(customer.id).phone == phone


def check_phone_code(customer, row, typed):
    """(codes.Check, tries left). The number becomes the customer's in the
    same transaction as the code is used."""
    with database.atomic():
        verdict, left = codes.check(row, typed)
        if verdict is codes.Check.OK:
            Customer.update(phone=row.destination).where(Customer.id == customer.id).execute()
            log_event("phone_changed", customer)
    if verdict is codes.Check.EXHAUSTED:
        codes.close(row)
    return verdict, left


# --- email address ------------------------------------------------------------

def request_email_change(customer, new_address):
    """Send a confirmation link to `new_address` and tell the current address.
    When the new address belongs to another account of the market, no link
    is sent and its owner hears nothing; everything else (the page, the note
    to the current address) is the same."""
    brand = customer_site(customer).market.brand
    with database.atomic():
        if find_customer(customer.market, new_address) is None:
            secret = accounts.issue_token(customer, "email", timedelta(hours=EMAIL_CHANGE_HOURS),
                                          payload=new_address)
            accounts.mail_customer(
                customer, "email_change_confirm",
                _l("Confirm your new email address for %(brand)s", brand=brand),
                recipient=new_address, hours=EMAIL_CHANGE_HOURS,
                link=customer_link("profile.email_confirm_link", customer, token=secret))
            log_event("email_change_requested", customer)
        else:
            # Only the newest request's link works, as when one is sent.
            accounts.end_links(customer, "email")
            log_event("email_change_taken", customer)
        accounts.mail_customer(
            customer, "email_change_notice",
            _l("A change of your %(brand)s email address was requested", brand=brand),
            new_address=codes.mask_email(new_address), hours=EMAIL_CHANGE_HOURS)


class EmailChange(Enum):
    CHANGED = "changed"
    USED = "used"
    EXPIRED = "expired"
    INVALID = "invalid"
    TAKEN = "taken"        # the address got an account of its own meanwhile


def email_change_token(secret, market):
    """(EmailChange, token) for a link of the market's sites; nothing is used up."""
    state, token = accounts.check_token(secret, "email")
    if token is not None and token.customer.market != market.key:
        return EmailChange.INVALID, None
    return {TokenState.VALID: EmailChange.CHANGED, TokenState.USED: EmailChange.USED,
            TokenState.EXPIRED: EmailChange.EXPIRED,
            TokenState.INVALID: EmailChange.INVALID}[state], token


def confirm_email_change(secret, market):
    """Make the link's address the customer's login address and tell the
    old one. Returns an EmailChange."""
    state, token = email_change_token(secret, market)
    if state is not EmailChange.CHANGED:
        return state
    new_address = token.payload
    with database.atomic():
        used = Token.update(used_at=utcnow()).where(
            Token.id == token.id, Token.used_at.is_null()).execute()
        if not used:
            return EmailChange.USED
        customer = Customer.get_by_id(token.customer_id)
        owner = find_customer(customer.market, new_address)
        if owner is not None and owner.id != customer.id:
            return EmailChange.TAKEN
        old_address = customer.email
        try:
            with database.atomic():     # a savepoint: the unique index may refuse
                Customer.update(email=new_address, email_key=email_key(new_address)).where(
                    Customer.id == customer.id).execute()
        except IntegrityError:
            return EmailChange.TAKEN
        log_event("email_changed", customer)
        accounts.mail_customer(
            customer, "email_changed",
            _l("Your %(brand)s email address was changed", brand=customer_site(customer).market.brand),
            recipient=old_address, new_address=codes.mask_email(new_address),
            login_link=customer_link("auth.login", customer))
    return EmailChange.CHANGED


# --- password ------------------------------------------------------------------

def change_password(customer, new_password):
    """Set a new password (the current one was checked by the caller): every
    session ends, a new one starts for this browser, the owner is told.
    Returns the key of the new session."""
    new_hash = passwords.hash_password(new_password)
    with database.atomic():
        Customer.update(password_hash=new_hash).where(Customer.id == customer.id).execute()
        # A reset link sent before would set a password over this one.
        Token.update(used_at=utcnow()).where(Token.customer == customer.id, Token.purpose == "reset",
                                             Token.used_at.is_null()).execute()
        sessions.end_all(customer.id)
        # A new key rather than the old one kept: a copy of the old cookie,
        # wherever it is, is worth nothing now.
        key = sessions.start(customer)
        if customer.device_ok:
            sessions.mark_device_ok(key)
        log_event("password_changed", customer)
        accounts.mail_customer(
            customer, "password_changed",
            _l("Your %(brand)s password was changed", brand=customer_site(customer).market.brand),
            login_link=customer_link("auth.login", customer))
    return key


# --- language ------------------------------------------------------------------

def save_locale(customer, locale):
    """The language of the customer's emails; one of the market's."""
    if locale not in MARKETS[customer.market].locales:
        raise ValueError(f"{locale} is not a language of market {customer.market}")
    Customer.update(locale=locale).where(Customer.id == customer.id).execute()
    log_event("locale_changed", customer, locale)
