"""Vehicle identification numbers (ISO 3779): 17 characters, never I, O or
Q (they look like 1 and 0). North American VINs carry a check digit in
position 9, computed from the other 16 (49 CFR 565.15)."""
import re

VIN_FORMAT = re.compile(r"[A-HJ-NPR-Z0-9]{17}")
# Letters take the values of 49 CFR 565.15, table IV.
_VALUES = {**{str(d): d for d in range(10)},
           **dict(zip("ABCDEFGH", range(1, 9))), **dict(zip("JKLMN", range(1, 6))),
           "P": 7, "R": 9, **dict(zip("STUVWXYZ", range(2, 10)))}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def normalize(text):
    """What a customer typed, as stored: upper case, no spaces or dashes."""
    return re.sub(r"[\s-]", "", text or "").upper()


def check_digit(vin):
    remainder = sum(_VALUES[c] * w for c, w in zip(vin, _WEIGHTS)) % 11
    return "X" if remainder == 10 else str(remainder)


def is_valid(vin, with_check_digit=False):
    if not VIN_FORMAT.fullmatch(vin or ""):
        return False
    return not with_check_digit or vin[8] == check_digit(vin)


def with_check_digit(vin):
    """`vin` with position 9 set right: for demo and test data."""
    return vin[:8] + check_digit(vin) + vin[9:]
