"""Postal addresses as each market's post writes them (config/markets.toml,
[markets.<key>.address]): which boxes the form shows and in what order, what
a postal code looks like, the regions (states, provinces) a customer picks
from, and the line under the street ("Springfield, IL 62701", "1010 Wien").
"""
import re
from dataclasses import dataclass, field

FIELDS = ("street", "city", "region", "postal_code")
POSTAL_CODE_NAMES = ("postal_code", "zip_code")
REGION_NAMES = ("province", "state")


@dataclass(frozen=True)
class AddressRules:
    fields: tuple = ("street", "postal_code", "city")
    written: str = "{postal_code} {city}"
    # A regular expression for the whole code, "" for any short text.
    postal_code: str = ""
    postal_code_example: str = ""
    postal_code_name: str = "postal_code"
    region_name: str = ""
    # {locale: {code: name}}, in the order the list shows them.
    regions: dict = field(default_factory=dict)

    @property
    def has_regions(self):
        return "region" in self.fields

    def region_choices(self, locale):
        """[(code, name)] in the page's language, or the first one listed."""
        names = self.regions.get(str(locale)) or next(iter(self.regions.values()), {})
        return list(names.items())

    def normalize_postal_code(self, text):
        """The code as the post writes it ("k1a0b1" -> "K1A 0B1"), or None
        when it does not look like one of the market's country."""
        text = " ".join(text.split()).upper()
        if not self.postal_code:
            return text
        if not re.fullmatch(self.postal_code, text):
            return None
        # Spaced as the market's example is ("K1A 0B1": three and three).
        compact, example = text.replace(" ", ""), self.postal_code_example
        if " " in example and len(compact) == len(example.replace(" ", "")):
            cut = example.index(" ")
            return f"{compact[:cut]} {compact[cut:]}"
        return text

    def second_line(self, city, region, postal_code):
        """The line under the street, as the market writes it."""
        line = self.written.format(city=city, region=region, postal_code=postal_code)
        return line.strip(" ,")


def address_rules(key, table):
    """AddressRules from a market's [address] table; ValueError names what is wrong."""
    table = dict(table)
    table["fields"] = tuple(table.get("fields", AddressRules.fields))
    table["regions"] = {locale: dict(names) for locale, names in table.get("regions", {}).items()}
    rules = AddressRules(**table)
    if sorted(set(rules.fields)) != sorted(rules.fields) or not set(rules.fields) <= set(FIELDS) \
            or not {"street", "city", "postal_code"} <= set(rules.fields):
        raise ValueError(f"market {key}: address fields must name street, city, postal_code "
                         "and maybe region, each once")
    if rules.has_regions != bool(rules.regions) or (rules.has_regions and rules.region_name not in REGION_NAMES):
        raise ValueError(f"market {key}: an address with a region lists its regions and "
                         f"names them one of {REGION_NAMES}")
    if rules.postal_code_name not in POSTAL_CODE_NAMES:
        raise ValueError(f"market {key}: postal_code_name must be one of {POSTAL_CODE_NAMES}")
    if rules.postal_code:
        re.compile(rules.postal_code)
        if rules.normalize_postal_code(rules.postal_code_example) is None:
            raise ValueError(f"market {key}: the postal code example does not match its pattern")
    codes = [tuple(names) for names in rules.regions.values()]
    if any(sorted(c) != sorted(codes[0]) for c in codes):
        raise ValueError(f"market {key}: each language must list the same regions")
    return rules
