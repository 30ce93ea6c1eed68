"""Loading agreements and payments from the lender's system (`flask
agreements import`).

Two CSV files, UTF-8, comma-separated, with a header row:

- agreements: market, contract_number, kind (lease|loan), business (yes|no),
  vehicle_model, vin, title, first_name, last_name, birth_date, customer_number,
  phone, email, start_date, term_months, rate (yearly percent), monthly_payment,
  residual_value (leases only), balance;
- payments (optional): market, contract_number, reference, paid_on, amount.

Dates are ISO (2026-01-31), amounts plain decimals with a dot (412.35). Every
row is checked before anything is written; a bad row is reported with its
line number and skipped, the good ones load. An agreement is found again by
its market and contract number, a payment by its agreement and the lender's
reference, so a second run of the same files changes nothing.
"""
import csv
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from domain import vin as vins
from domain.clock import utcnow
from domain.db import database
from domain.markets import MARKETS
from models import Agreement, Payment

AGREEMENT_COLUMNS = ("market", "contract_number", "kind", "business", "vehicle_model", "vin",
                     "title", "first_name", "last_name", "birth_date", "customer_number",
                     "phone", "email", "start_date", "term_months", "rate", "monthly_payment",
                     "residual_value", "balance")
PAYMENT_COLUMNS = ("market", "contract_number", "reference", "paid_on", "amount")
# A contract number where the market sets no pattern of its own.
ANY_CONTRACT_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9-]{0,31}")
YES, NO = {"yes", "y", "true", "1"}, {"no", "n", "false", "0", ""}


class BadValue(ValueError):
    """One column of one row is wrong; the message says how."""


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    payments_created: int = 0
    payments_unchanged: int = 0
    # (file name, line number, what is wrong)
    bad_rows: list = field(default_factory=list)


# --- one value --------------------------------------------------------------------------

def text(value, column, longest, required=True):
    value = (value or "").strip()
    if required and not value:
        raise BadValue(f"{column} is empty")
    if len(value) > longest:
        raise BadValue(f"{column} is longer than {longest} characters")
    return value


def iso_date(value, column):
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise BadValue(f"{column} must be a date like 2026-01-31") from None


def amount(value, column, places=2, required=True):
    value = (value or "").strip()
    if not value:
        if required:
            raise BadValue(f"{column} is empty")
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise BadValue(f"{column} must be an amount like 412.35") from None
    if not number.is_finite() or number < 0:
        raise BadValue(f"{column} must be an amount like 412.35")
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise BadValue(f"{column} has more than {places} decimal places")
    if number >= 10 ** 12:
        raise BadValue(f"{column} is too large")
    return number


def whole_number(value, column, lowest, highest):
    try:
        number = int((value or "").strip())
    except ValueError:
        raise BadValue(f"{column} must be a whole number") from None
    if not lowest <= number <= highest:
        raise BadValue(f"{column} must be between {lowest} and {highest}")
    return number


def phone(value, market):
    """The phone on file in E.164 (+33612345642): codes are sent there."""
    try:
        number = phonenumbers.parse((value or "").strip(), market.country)
    except phonenumbers.NumberParseException:
        raise BadValue("phone is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise BadValue("phone is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email(value):
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise BadValue("email is not an email address") from None


# --- one row ----------------------------------------------------------------------------

def market_of(row):
    market = MARKETS.get((row.get("market") or "").strip())
    if market is None:
        raise BadValue(f"market must be one of {', '.join(sorted(MARKETS))}")
    return market


def contract_number(row, market):
    number = (row.get("contract_number") or "").strip().upper()
    pattern = market.contract_number_pattern or ANY_CONTRACT_NUMBER.pattern
    if not re.fullmatch(pattern, number):
        raise BadValue(f"contract_number {number!r} is not a contract number of market {market.key}")
    return number


def agreement_values(row):
    """The Agreement fields of one CSV row, checked; BadValue otherwise."""
    market = market_of(row)
    kind = (row.get("kind") or "").strip().lower()
    if kind not in ("lease", "loan"):
        raise BadValue("kind must be lease or loan")
    business = (row.get("business") or "").strip().lower()
    if business not in YES | NO:
        raise BadValue("business must be yes or no")
    vin = vins.normalize(row.get("vin"))
    if not vins.is_valid(vin, with_check_digit=market.vin_check_digit):
        raise BadValue("vin is not a valid VIN (17 characters, no I, O or Q"
                       + (", right check digit)" if market.vin_check_digit else ")"))
    title = (row.get("title") or "").strip().lower()
    if title and title not in market.titles:
        raise BadValue(f"title must be empty or one of {', '.join(market.titles) or '(none)'}")
    birth_date = iso_date(row.get("birth_date"), "birth_date")
    if not date(1900, 1, 1) <= birth_date < date.today():
        raise BadValue("birth_date is not a plausible date of birth")
    residual = amount(row.get("residual_value"), "residual_value", required=kind == "lease")
    if kind == "loan" and residual is not None:
        raise BadValue("residual_value is for leases only")
    rate = amount(row.get("rate"), "rate", places=4)
    if rate > 100:
        raise BadValue("rate is a yearly percentage, at most 100")
    return dict(
        market=market.key,
        contract_number=contract_number(row, market),
        kind=kind,
        business=business in YES,
        vehicle_model=text(row.get("vehicle_model"), "vehicle_model", 100),
        vin=vin,
        holder_title=title,
        holder_first_name=text(row.get("first_name"), "first_name", 100),
        holder_last_name=text(row.get("last_name"), "last_name", 100),
        holder_birth_date=birth_date,
        customer_number=text(row.get("customer_number"), "customer_number", 32).upper(),
        phone=phone(row.get("phone"), market),
        email=email(row.get("email")),
        start_date=iso_date(row.get("start_date"), "start_date"),
        term_months=whole_number(row.get("term_months"), "term_months", 1, 120),
        rate=rate,
        monthly_payment=amount(row.get("monthly_payment"), "monthly_payment"),
        residual_value=residual,
        balance=amount(row.get("balance"), "balance"),
    )


def payment_values(row):
    market = market_of(row)
    return dict(market=market.key, contract_number=contract_number(row, market),
                reference=text(row.get("reference"), "reference", 40),
                paid_on=iso_date(row.get("paid_on"), "paid_on"),
                amount=amount(row.get("amount"), "amount"))


# --- files ------------------------------------------------------------------------------

def read_rows(stream, name, columns, check, report):
    """(line number, checked values) of each good row; the bad ones go to
    the report. Line numbers are the file's, the header being line 1."""
    reader = csv.DictReader(stream)
    missing = [c for c in columns if c not in (reader.fieldnames or ())]
    if missing:
        report.bad_rows.append((name, 1, "missing columns: " + ", ".join(missing)))
        return []
    good = []
    for row in reader:
        line = reader.line_num
        if None in row or any(value is None for value in row.values()):
            report.bad_rows.append((name, line, "the row has a different number of columns"))
            continue
        try:
            good.append((line, check(row)))
        except BadValue as problem:
            report.bad_rows.append((name, line, str(problem)))
    return good


def first_of_each(rows, key, name, what, report):
    """Rows whose key comes again later in the same file are refused: which
    one the lender meant is not ours to guess."""
    seen = {}
    for line, values in rows:
        seen.setdefault(key(values), []).append(line)
    kept = []
    for line, values in rows:
        lines = seen[key(values)]
        if len(lines) > 1:
            report.bad_rows.append((name, line, f"the same {what} is on lines "
                                    + ", ".join(map(str, lines))))
        else:
            kept.append((line, values))
    return kept


def save_agreement(values, report):
    existing = Agreement.get_or_none(Agreement.market == values["market"],
                                     Agreement.contract_number == values["contract_number"])
    if existing is None:
        Agreement.create(**values, updated_at=utcnow())
        report.created += 1
    elif any(getattr(existing, name) != value for name, value in values.items()):
        (Agreement.update(**values, updated_at=utcnow())
         .where(Agreement.id == existing.id).execute())
        report.updated += 1
    else:
        report.unchanged += 1


def agreement_of_row(values, name, line, report):
    """The agreement a row of another file points to; when there is none,
    the row is reported bad and None returned."""
    agreement = Agreement.get_or_none(Agreement.market == values["market"],
                                      Agreement.contract_number == values["contract_number"])
    if agreement is None:
        report.bad_rows.append((name, line, f"no agreement {values['contract_number']} "
                                f"in market {values['market']}"))
    return agreement


def save_payment(line, values, name, report):
    agreement = agreement_of_row(values, name, line, report)
    if agreement is None:
        return
    existing = Payment.get_or_none(Payment.agreement == agreement.id,
                                   Payment.reference == values["reference"])
    if existing is None:
        Payment.create(agreement=agreement, reference=values["reference"],
                       paid_on=values["paid_on"], amount=values["amount"])
        report.payments_created += 1
    elif (existing.paid_on, existing.amount) != (values["paid_on"], values["amount"]):
        report.bad_rows.append((name, line, f"payment {values['reference']} was imported "
                                "before with another date or amount"))
    else:
        report.payments_unchanged += 1


def import_files(agreements_stream, payments_stream=None,
                 agreements_name="agreements", payments_name="payments"):
    """Load both files in one transaction; the Report says what happened."""
    report = Report()
    agreements = read_rows(agreements_stream, agreements_name, AGREEMENT_COLUMNS,
                           agreement_values, report)
    agreements = first_of_each(agreements, lambda v: (v["market"], v["contract_number"]),
                               agreements_name, "contract number", report)
    payments = []
    if payments_stream is not None:
        payments = read_rows(payments_stream, payments_name, PAYMENT_COLUMNS, payment_values, report)
        payments = first_of_each(
            payments, lambda v: (v["market"], v["contract_number"], v["reference"]),
            payments_name, "payment reference", report)
    with database.atomic():
        for _line, values in agreements:
            save_agreement(values, report)
        for line, values in payments:
            save_payment(line, values, payments_name, report)
    report.bad_rows.sort()
    return report
