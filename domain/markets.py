"""Markets and the language variants ("sites") they are served in.

A site is one language variant of one market; its URL code is the locale in
lower case with a hyphen (fr_CA -> fr-ca), so /fr-ca/login and /en-ca/login are
the same page of the Canadian market in two languages. Loading the markets
also derives the table of language variants (domain.languages).
"""
import dataclasses
import functools
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property

from decimal import Decimal

import phonenumbers
from babel import Locale
from babel.core import get_global

from domain.addresses import AddressRules, address_rules
from domain.languages import derive_variants, site_code
from domain.payoff import ROUNDING, PayoffRules

# The service requests a market may offer online (domain.service).
SERVICE_REQUESTS = ("payment_date", "document_copy", "balance_confirmation")
# The topics a market may offer in the message center (domain.messages).
MESSAGE_TOPICS = ("payments", "contract_end", "documents", "vehicle", "account", "other")


# The brand colour is text on these (links, on the page and in notices) and
# the background of white text (header, buttons): each pair needs WCAG AA's
# 4.5:1 (static/css/site.css).
BRAND_BACKGROUNDS = ("#ffffff", "#f3f2f1")


def contrast_ratio(color, other):
    """WCAG 2's contrast ratio of two "#rrggbb" colours, from 1 to 21."""
    def luminance(hex_color):
        channels = [int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    lighter, darker = sorted((luminance(color), luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@dataclass(frozen=True)
class Market:
    key: str
    country: str
    brand: str
    locales: tuple
    currency: str
    timezone: str
    titles: tuple
    link_method: str
    business_customers_can_link: bool
    support_phone: str
    support_email: str
    brand_color: str
    support_hours: dict = field(default_factory=dict)
    # The brand as each language names it where it differs (Canada's French
    # customers know "Services financiers MINI"); a site's market carries it.
    brand_by_locale: dict = field(default_factory=dict)
    # How a language writes the support number where it differs from the
    # country's national format: "1-XXX-XXX-XXXX", each X the next digit of
    # the national number (North America's toll-free numbers).
    support_phone_layout: dict = field(default_factory=dict)
    # The order of a date's three boxes: North America's US writes the month
    # first (3 27 1985), the others the day.
    date_fields: tuple = ("day", "month", "year")
    # Customers are greeted with title and last name, never a first name
    # (domain.greeting).
    formal_address: bool = False
    # Set on a site's copy of the market: the number as its language writes it.
    support_phone_written: str = ""
    # The market's own public URL where it lives on a domain of its own
    # (links in emails and texts, domain.links); "": the site-wide PUBLIC_URL.
    public_url: str = ""
    # Linking by contract number: what a number looks like, and an example.
    contract_number_pattern: str = ""
    contract_number_example: str = ""
    # North American VINs carry a check digit in position 9.
    vin_check_digit: bool = False
    # After linking, and at each login from a device not remembered, a code
    # by text or email before agreement data shows.
    device_authorization: bool = False
    # Countries whose phone numbers may receive a code by SMS.
    sms_countries: tuple = ()
    payoff: PayoffRules = PayoffRules()
    # How the market's post writes an address (domain.addresses).
    address: AddressRules = AddressRules()
    # The service requests customers can make online (domain.service).
    service_requests: tuple = ("payment_date", "document_copy")
    # What a customer can write about in the message center.
    message_topics: tuple = MESSAGE_TOPICS
    # How long the messages of a closed account are kept (their attachments
    # with them), in years after closing: what the market's law asks of the
    # lender's records. Every market must say (load_markets).
    message_retention_years: int = 0

    @property
    def sites(self):
        return [SITES[site_code(locale)] for locale in self.locales]

    def format_support_phone(self):
        return self.support_phone_written or _national_format(self.support_phone)

    def support_phone_uri(self):
        return "tel:" + self.support_phone


def written_phone(phone, layout):
    """`phone` (E.164) laid out as "1-XXX-XXX-XXXX" says; ValueError when
    the layout does not hold the national number's digits."""
    digits = phonenumbers.national_significant_number(phonenumbers.parse(phone))
    if layout.count("X") != len(digits):
        raise ValueError(f"phone layout {layout!r} has {layout.count('X')} digits, {phone} has {len(digits)}")
    for digit in digits:
        layout = layout.replace("X", digit, 1)
    return layout


@functools.lru_cache(maxsize=64)
def _national_format(phone):
    # Every page's footer shows it: parsed once, not on each request.
    return phonenumbers.format_number(phonenumbers.parse(phone),
                                      phonenumbers.PhoneNumberFormat.NATIONAL)


@dataclass(frozen=True)
class Site:
    code: str        # "fr-ca", used in URLs
    locale: str      # "fr_CA", used by Babel
    market: Market

    # Cached: every page's header names the other languages (a frozen
    # dataclass keeps a cached_property in its own __dict__).
    @cached_property
    def language_name(self):
        # The name of the language in that language, for the switcher.
        return Locale.parse(self.locale).get_language_name(self.locale).capitalize()

    @cached_property
    def display_name(self):
        # "English (Canada)", "français (Canada)" -> "Français (Canada)"
        name = Locale.parse(self.locale).get_display_name(self.locale)
        return name[:1].upper() + name[1:]

    @cached_property
    def html_lang(self):
        return self.locale.replace("_", "-")


MARKETS = {}
SITES = {}
# Per language variant (fr_FR, fr_CA, ...): its typography rules
# (config/markets.toml [typography.*]; domain.text_checks applies them).
TYPOGRAPHY = {}


def customer_site(customer):
    """The site a customer uses: their market in their language (its brand
    as that language names it)."""
    return SITES[site_code(customer.locale)]


def load_markets(path):
    """Read the markets file; called once by create_app()."""
    with open(path, "rb") as f:
        data = tomllib.load(f)
    MARKETS.clear()
    SITES.clear()
    TYPOGRAPHY.clear()
    TYPOGRAPHY.update(data.get("typography", {}))
    for key, entry in data["markets"].items():
        entry = dict(entry)
        entry["locales"] = tuple(entry["locales"])
        entry["titles"] = tuple(entry.get("titles", ()))
        entry["sms_countries"] = tuple(entry.get("sms_countries", (entry["country"],)))
        entry["date_fields"] = tuple(entry.get("date_fields", ("day", "month", "year")))
        if sorted(entry["date_fields"]) != ["day", "month", "year"]:
            raise ValueError(f"market {key}: date_fields must order day, month and year")
        if entry["link_method"] not in ("identity", "contract_code"):
            raise ValueError(f"market {key}: link_method must be identity or contract_code")
        entry["payoff"] = payoff_rules(key, entry.get("payoff", {}))
        entry["address"] = address_rules(key, entry.get("address", {}))
        unknown = set(entry["address"].regions) - set(entry["locales"])
        if unknown:
            raise ValueError(f"market {key}: address regions name locales it does not serve {sorted(unknown)}")
        if "message_topics" in entry:
            entry["message_topics"] = tuple(entry["message_topics"])
            unknown = set(entry["message_topics"]) - set(MESSAGE_TOPICS)
            if unknown:
                raise ValueError(f"market {key}: unknown message topics {sorted(unknown)}")
        if "service_requests" in entry:
            entry["service_requests"] = tuple(entry["service_requests"])
            unknown = set(entry["service_requests"]) - set(SERVICE_REQUESTS)
            if unknown:
                raise ValueError(f"market {key}: unknown service requests {sorted(unknown)}")
        years = entry.get("message_retention_years")
        if type(years) is not int or not 1 <= years <= 30:
            raise ValueError(f"market {key}: message_retention_years must be a whole number "
                             "of years, 1 to 30")
        if entry["link_method"] == "contract_code":
            re.compile(entry["contract_number_pattern"])
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", entry["brand_color"]):
            raise ValueError(f"market {key}: brand_color must look like #1f4e79")
        for background in BRAND_BACKGROUNDS:
            if contrast_ratio(entry["brand_color"], background) < 4.5:
                raise ValueError(f"market {key}: brand_color {entry['brand_color']} on {background} "
                                 "is below WCAG AA's contrast of 4.5:1")
        market = Market(key=key, **entry)
        for per_locale in ("brand_by_locale", "support_phone_layout"):
            unknown = set(getattr(market, per_locale)) - set(market.locales)
            if unknown:
                raise ValueError(f"market {key}: {per_locale} names locales it does not serve {sorted(unknown)}")
        MARKETS[key] = market
        for locale in market.locales:
            # Each site sees the market under the brand its language uses:
            # pages, emails and texts all read site.market.brand.
            layout = market.support_phone_layout.get(locale)
            local = dataclasses.replace(
                market, brand=market.brand_by_locale.get(locale, market.brand),
                support_phone_written=written_phone(market.support_phone, layout) if layout else "")
            SITES[site_code(locale)] = Site(site_code(locale), locale, local)
    unserved = set(TYPOGRAPHY) - {site.locale for site in SITES.values()}
    if unserved:
        raise ValueError(f"typography for locales no market serves: {sorted(unserved)}")
    derive_variants(MARKETS)
    return MARKETS


def payoff_rules(key, table):
    rules = PayoffRules(fee=Decimal(table.get("fee", "0.00")),
                        lease_credit=Decimal(table.get("lease_credit", "0.00")),
                        day_count=int(table.get("day_count", 365)),
                        rounding=table.get("rounding", "half_up"))
    if rules.rounding not in ROUNDING or rules.day_count not in (360, 365):
        raise ValueError(f"market {key}: payoff rounding must be half_up or half_even, "
                         "day_count 360 or 365")
    return rules


def best_site(accept_languages):
    """The site for a first visit, from the Accept-Language header.

    An exact variant wins ("fr-CA"). Otherwise the language's variant for the
    country where it is most spoken, by CLDR's likely subtags ("fr" and
    "fr-BE" -> fr_FR, "en" -> en_US), or else the first site of that language.
    """
    by_locale = {site.locale: site for site in SITES.values()}
    likely = get_global("likely_subtags")
    for tag, _quality in accept_languages:
        try:
            wanted = Locale.parse(tag, sep="-" if "-" in tag else "_")
        except (ValueError, TypeError):
            continue        # a malformed tag: try the next one
        if str(wanted) in by_locale:
            return by_locale[str(wanted)]
        country = likely.get(wanted.language, "").split("_")[-1]
        if f"{wanted.language}_{country}" in by_locale:
            return by_locale[f"{wanted.language}_{country}"]
        for locale, site in by_locale.items():
            if locale.split("_")[0] == wanted.language:
                return site
    return next(iter(SITES.values()))
