"""Linking an agreement to an account, by the market's method:

- "identity": the holder's first and last name and date of birth as on file,
  the full VIN and the exact amount of the last payment; or the customer ID
  printed on the owner's card;
- "contract_code": the contract number, then a code sent by SMS to the phone
  on file (domain.codes).

Every mismatch gets the same answer (Outcome.MISMATCH), whichever detail was
wrong, and so does an agreement linked to someone else (that one is written
to the security log). Attempts are counted per account, per client address
and per agreement found, in the database (domain.ratelimit).
"""
import unicodedata
from dataclasses import dataclass
from enum import Enum

from flask import current_app

from domain import ratelimit
from domain.security_log import log_event
from domain.clock import utcnow
from domain.db import database
from models import Agreement, Payment


class Outcome(Enum):
    LINKED = "linked"
    MISMATCH = "mismatch"
    ALREADY_YOURS = "already_yours"
    BUSINESS = "business"          # the market lets no business customer link
    BLOCKED = "blocked"            # its codes ran out: only support can help
    TOO_MANY = "too_many"          # attempt limits
    CODE_NEEDED = "code_needed"    # contract found: send the code


@dataclass
class Result:
    outcome: Outcome
    agreements: list = None
    retry_after: int = 0


def same_name(typed, on_file):
    """Names match "exactly" as a person means it: case and spaces aside, and
    however the keyboard composed the accents ("é" or "e" + "´")."""
    def plain(name):
        return " ".join(unicodedata.normalize("NFC", name).split()).casefold()
    return plain(typed) == plain(on_file)


def last_payment(agreement):
    return (Payment.select().where(Payment.agreement == agreement.id)
            .order_by(Payment.paid_on.desc(), Payment.id.desc()).first())


def _hit(name, subject, config_key):
    """Count one attempt; seconds to wait when the limit is passed, else 0."""
    count, seconds = current_app.config[config_key]
    return ratelimit.hit(ratelimit.Limit(name, count, seconds), subject).retry_after


def _count_attempt(customer, client):
    # Both are counted, even when the first already refuses.
    return max(_hit("link-account", customer.id, "LINK_ATTEMPTS_PER_ACCOUNT"),
               _hit("link-client", client, "LINK_ATTEMPTS_PER_CLIENT"))


def _count_agreement(agreement):
    """Attempts on one agreement found, whoever makes them."""
    return _hit("link-agreement", agreement.id, "LINK_ATTEMPTS_PER_AGREEMENT")


def _refuse_taken(customer, agreement):
    log_event("link_refused_taken", customer, f"agreement {agreement.id}")
    return Result(Outcome.MISMATCH)


def link(customer, agreements):
    """Attach `agreements` to the account; each only if still free."""
    now = utcnow()
    with database.atomic():
        for agreement in agreements:
            Agreement.update(customer=customer.id, linked_at=now).where(
                Agreement.id == agreement.id, Agreement.customer.is_null()).execute()
            log_event("agreement_linked", customer, f"agreement {agreement.id}")
    return Result(Outcome.LINKED, agreements)


def by_identity(customer, client, first_name, last_name, birth_date, vin, last_amount):
    wait = _count_attempt(customer, client)
    if wait:
        return Result(Outcome.TOO_MANY, retry_after=wait)
    agreement = Agreement.get_or_none(Agreement.market == customer.market, Agreement.vin == vin)
    if agreement is None:
        return Result(Outcome.MISMATCH)
    wait = _count_agreement(agreement)
    if wait:
        return Result(Outcome.TOO_MANY, retry_after=wait)
    payment = last_payment(agreement)
    matches = (same_name(first_name, agreement.holder_first_name)
               and same_name(last_name, agreement.holder_last_name)
               and birth_date == agreement.holder_birth_date
               and payment is not None and payment.amount == last_amount)
    if not matches:
        return Result(Outcome.MISMATCH)
    return _link_found(customer, [agreement])


def by_customer_number(customer, client, number):
    wait = _count_attempt(customer, client)
    if wait:
        return Result(Outcome.TOO_MANY, retry_after=wait)
    found = list(Agreement.select().where(Agreement.market == customer.market,
                                          Agreement.customer_number == number))
    if not found:
        return Result(Outcome.MISMATCH)
    wait = max([_count_agreement(agreement) for agreement in found])
    if wait:
        return Result(Outcome.TOO_MANY, retry_after=wait)
    return _link_found(customer, found)


def _link_found(customer, agreements):
    if any(a.customer_id not in (None, customer.id) for a in agreements):
        taken = next(a for a in agreements if a.customer_id not in (None, customer.id))
        return _refuse_taken(customer, taken)
    free = [a for a in agreements if a.customer_id is None]
    if not free:
        return Result(Outcome.ALREADY_YOURS, agreements)
    return link(customer, free)


def by_contract(customer, client, market, contract_number):
    """Step one of "contract_code": the agreement to send a code for."""
    wait = _count_attempt(customer, client)
    if wait:
        return Result(Outcome.TOO_MANY, retry_after=wait)
    agreement = Agreement.get_or_none(Agreement.market == market.key,
                                      Agreement.contract_number == contract_number)
    if agreement is None or not agreement.phone:
        return Result(Outcome.MISMATCH)
    wait = _count_agreement(agreement)
    if wait:
        return Result(Outcome.TOO_MANY, retry_after=wait)
    if agreement.customer_id == customer.id:
        return Result(Outcome.ALREADY_YOURS, [agreement])
    if agreement.customer_id is not None:
        return _refuse_taken(customer, agreement)
    if agreement.business and not market.business_customers_can_link:
        return Result(Outcome.BUSINESS, [agreement])
    if agreement.link_blocked_at is not None:
        return Result(Outcome.BLOCKED, [agreement])
    return Result(Outcome.CODE_NEEDED, [agreement])


def block(customer, agreement):
    """The codes for this contract ran out: no more linking it online."""
    blocked = Agreement.update(link_blocked_at=utcnow()).where(
        Agreement.id == agreement.id, Agreement.link_blocked_at.is_null()).execute()
    if blocked:
        log_event("link_blocked", customer, f"agreement {agreement.id}")


def link_checked(customer, agreement):
    """After the right code: link it, unless someone else did meanwhile."""
    return _link_found(customer, [Agreement.get_by_id(agreement.id)])
