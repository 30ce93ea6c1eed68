"""Agreements for the linking and device tests, made directly in the
database (the import command has its own tests)."""
import itertools
from datetime import date
from decimal import Decimal

from domain.vin import with_check_digit
from models import Agreement, Payment

_numbers = itertools.count(1)


def make_agreement(market="ca", **overrides):
    n = next(_numbers)
    values = dict(
        market=market, contract_number=f"S{n:010d}" if market == "fr" else f"{40000000 + n}",
        kind="loan", business=False, vehicle_model="MINI Cooper S",
        vin=with_check_digit(f"WMWXR310{n % 10}RT{n:06d}"),
        holder_title="ms", holder_first_name="Hélène", holder_last_name="Tremblay",
        holder_birth_date=date(1985, 3, 27), customer_number=f"C{n:07d}",
        phone={"ca": "+16135550142", "us": "+12025550142", "fr": "+33612345642",
               "at": "+436641234542"}[market],
        email="helene.tremblay@example.com", start_date=date(2024, 1, 15), term_months=48,
        rate=Decimal("4.9900"), monthly_payment=Decimal("412.35"), residual_value=None,
        balance=Decimal("12000.00"))
    values.update(overrides)
    agreement = Agreement.create(**values)
    for month, amount in ((9, Decimal("400.00")), (10, Decimal("412.35"))):
        Payment.create(agreement=agreement, reference=f"P-{agreement.id}-{month}",
                       paid_on=date(2026, month, 1), amount=amount)
    return agreement


def identity_form(agreement, **overrides):
    born = agreement.holder_birth_date
    data = {"first_name": agreement.holder_first_name, "last_name": agreement.holder_last_name,
            "birth_day": str(born.day), "birth_month": str(born.month), "birth_year": str(born.year),
            "vin": agreement.vin, "last_payment": "412.35"}
    data.update(overrides)
    return data
