"""Payoff quotes against figures worked out by hand (each comment shows the
sum), in every currency, around month ends, leap days and payment days."""
from datetime import date
from decimal import Decimal as D

import pytest

from domain.markets import load_markets
from domain.payoff import PayoffRules, add_months, due_dates, lease_quote, loan_quote

MARKETS = load_markets("config/markets.toml")


def lines(quote):
    return dict(quote.lines)


def test_loan_in_canadian_dollars():
    # 18,250.00 × 5.99 % × 28 days / 365 = 30,608.90 / 365 = 83.86 exactly
    quote = loan_quote(D("18250.00"), D("5.99"), date(2026, 1, 31), date(2026, 2, 28),
                       MARKETS["ca"].payoff)
    assert quote.interest_days == 28
    assert lines(quote) == {"principal": D("18250.00"), "interest": D("83.86"), "fee": D("75.00")}
    assert quote.total == D("18408.86")


def test_loan_in_us_dollars_rounds_half_up():
    # 9,876.54 × 6.49 % × 30 / 365 = 19,229.62338 / 365 = 52.6838...  -> 52.68
    quote = loan_quote(D("9876.54"), D("6.49"), date(2026, 3, 15), date(2026, 4, 14),
                       MARKETS["us"].payoff)
    assert lines(quote)["interest"] == D("52.68")
    assert quote.total == D("9979.22")          # 9,876.54 + 52.68 + 50.00


def test_loan_in_euros_over_a_leap_day_with_a_360_day_year():
    # 28 Feb 2028 -> 28 Mar 2028 is 29 days (29 Feb exists).
    # 12,345.67 × 4.5 % × 29 / 360 = 16,111.09935 / 360 = 44.7530... -> 44.75
    quote = loan_quote(D("12345.67"), D("4.50"), date(2028, 2, 28), date(2028, 3, 28),
                       MARKETS["at"].payoff)
    assert quote.interest_days == 29
    assert lines(quote)["interest"] == D("44.75")
    assert quote.total == D("12510.42")         # + 120.00 fee


@pytest.mark.parametrize("days, half_even, half_up", [
    (1, "0.00", "0.01"),    # 0.005: to the even cent, or up
    (3, "0.02", "0.02"),    # 0.015
    (5, "0.02", "0.03"),    # 0.025
])
def test_rounding_follows_the_market(days, half_even, half_up):
    # 730.00 × 0.25 % / 365 = 0.005 a day: every result is a tie.
    start = date(2026, 5, 1)
    payoff = date(2026, 5, 1 + days)
    france = loan_quote(D("730.00"), D("0.25"), start, payoff, MARKETS["fr"].payoff)
    assert lines(france)["interest"] == D(half_even)
    assert MARKETS["fr"].payoff.rounding == "half_even"
    other = loan_quote(D("730.00"), D("0.25"), start, payoff, PayoffRules(rounding="half_up"))
    assert lines(other)["interest"] == D(half_up)


def test_loan_on_the_day_of_the_last_payment_has_no_interest():
    quote = loan_quote(D("5000.00"), D("7.00"), date(2026, 6, 30), date(2026, 6, 30),
                       MARKETS["ca"].payoff)
    assert lines(quote)["interest"] == D("0.00")
    assert quote.total == D("5075.00")


def test_lease_on_the_day_of_a_payment_and_the_day_before():
    # Started 31 Jan 2024, 36 payments: due 29 Feb 2024 (leap year), 31 Mar,
    # ..., 28 Feb 2026 (the 25th), ..., 31 Jan 2027 (the 36th).
    rules = MARKETS["ca"].payoff
    on_the_day = lease_quote(date(2024, 1, 31), 36, D("512.45"), D("21300.00"),
                             date(2026, 2, 28), rules)
    assert on_the_day.remaining_payments == 11            # the 26th to the 36th
    assert lines(on_the_day) == {"remaining_payments": D("5636.95"),   # 11 × 512.45
                                 "residual": D("21300.00"), "fee": D("75.00")}
    assert on_the_day.total == D("27011.95")
    day_before = lease_quote(date(2024, 1, 31), 36, D("512.45"), D("21300.00"),
                             date(2026, 2, 27), rules)
    assert day_before.remaining_payments == 12
    assert day_before.total == D("27524.40")               # 6,149.40 + 21,300.00 + 75.00


def test_lease_in_euros_with_the_markets_credit():
    # France: fee 150.00, credit 100.00. Started 15 Mar 2025, 24 payments,
    # payoff 1 Jul 2026: due 15 Jul 2026 ... 15 Mar 2027 remain, 9 of them.
    quote = lease_quote(date(2025, 3, 15), 24, D("389.90"), D("14250.00"), date(2026, 7, 1),
                        MARKETS["fr"].payoff)
    assert quote.remaining_payments == 9
    assert lines(quote) == {"remaining_payments": D("3509.10"), "residual": D("14250.00"),
                            "fee": D("150.00"), "credit": D("-100.00")}
    assert quote.total == D("17809.10")


def test_due_dates_keep_the_day_or_take_the_months_last():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2025, 1, 31), 2) == date(2025, 3, 31)     # not 28 March
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert due_dates(date(2025, 12, 15), 3) == (date(2026, 1, 15), date(2026, 2, 15), date(2026, 3, 15))


def test_amounts_are_decimals_never_floats():
    quote = loan_quote(D("0.10"), D("0.00"), date(2026, 1, 1), date(2026, 1, 2),
                       PayoffRules(fee=D("0.20")))
    assert quote.total == D("0.30") and all(isinstance(a, D) for _w, a in quote.lines)
