"""Payoff quotes: what it costs to end an agreement on a given date.

- Loan: the outstanding principal (the balance after the last payment), plus
  interest for each day from the last payment to the payoff date, plus the
  market's payoff fee. Interest for a day is balance × yearly rate ÷ the
  market's day count (365, or 360 where the market counts that way).
- Lease: the monthly payments still to come after the payoff date (they fall
  due one month apart from the start date, on the same day of the month, or
  the month's last day when it is shorter), plus the residual value, plus the
  fee, less the market's credit for an early end.

Amounts are Decimal throughout; interest is computed exactly and rounded
once, to the cent, with the market's rounding rule. What each kind counts
on, as the customer reads it (domain.quotes.quote_basis): a loan's amount
counts on no payment between the last one and the payoff date (interest
runs on the whole balance); a lease's leaves out the payments due until
the payoff date, which are owed as planned.
"""
import calendar
import functools
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ROUNDING = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN}


@dataclass(frozen=True)
class PayoffRules:
    """A market's rules (config/markets.toml, [markets.<key>.payoff])."""
    fee: Decimal = Decimal("0.00")
    lease_credit: Decimal = Decimal("0.00")
    day_count: int = 365
    rounding: str = "half_up"


@dataclass(frozen=True)
class Quote:
    payoff_date: date
    # (what, amount) in the order shown: principal, interest, remaining_payments,
    # residual, fee, credit (negative).
    lines: list = field(default_factory=list)
    remaining_payments: int = 0
    interest_days: int = 0

    @property
    def total(self):
        return sum((amount for _what, amount in self.lines), Decimal("0.00"))


def add_months(start, months):
    """The same day `months` later, or that month's last day when shorter:
    31 January + 1 month is 28 (or 29) February."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@functools.lru_cache(maxsize=4096)
def due_dates(start, term_months):
    """The monthly due dates: one month after the start, then each month
    (a tuple, kept: every dashboard asks for them again)."""
    return tuple(add_months(start, n) for n in range(1, term_months + 1))


def loan_quote(balance, yearly_rate_percent, last_payment_date, payoff_date, rules):
    days = (payoff_date - last_payment_date).days
    interest = (balance * yearly_rate_percent / 100 * days / rules.day_count).quantize(
        CENT, rounding=ROUNDING[rules.rounding])
    lines = [("principal", balance), ("interest", interest)]
    if rules.fee:
        lines.append(("fee", rules.fee))
    return Quote(payoff_date, lines, interest_days=days)


def lease_quote(start_date, term_months, monthly_payment, residual_value, payoff_date, rules):
    remaining = sum(1 for due in due_dates(start_date, term_months) if due > payoff_date)
    lines = [("remaining_payments", monthly_payment * remaining), ("residual", residual_value)]
    if rules.fee:
        lines.append(("fee", rules.fee))
    if rules.lease_credit:
        lines.append(("credit", -rules.lease_credit))
    return Quote(payoff_date, lines, remaining_payments=remaining)
