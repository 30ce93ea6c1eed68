"""Demo data for `make run`: one active customer per language variant, and
agreements for every market that they (or a tester) can link, with a
statement or letter each, loaded from config/demo/ through the same checks
as `flask agreements import` and `flask documents import`; and one staff
member per role for the back office."""
import os
import tomllib

from domain import agreement_import, documents, help, passwords, roles, totp_keys
from domain.accounts import email_key
from domain.clock import utcnow
from domain.db import database
from domain.languages import VARIANTS
from domain.markets import MARKETS, SITES
from models import Customer, HelpArticle, HelpCategory, Staff

PASSWORD = "Demo-Keyfob-2026"

PEOPLE = {
    "en-ca": ("mr", "Liam", "Tremblay"),
    "fr-ca": ("ms", "Chloé", "Gagnon"),
    "de-at": ("ms", "Anna", "Gruber"),
    "fr-fr": ("mr", "Lucas", "Martin"),
    "en-us": ("", "Olivia", "Smith"),
}

DEMO_FILES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          "config", "demo")
LOGINS = [(code, f"demo.{code}@example.com") for code in PEOPLE]

# One member of each role (domain.roles), at <role>@keyfob.example.
STAFF_NAMES = {"agent": "Alex Agent", "marketer": "Morgan Marketer", "admin": "Ada Admin"}
STAFF_LOGINS = [(role, f"{role}@keyfob.example", STAFF_NAMES.get(role, f"Demo {role}"))
                for role in roles.ROLES]
# DEMO ONLY. The demo staff share this published TOTP secret (the README
# and `flask demo load` print it) so that a tester can add it to an
# authenticator app. A real member gets a random secret of their own when
# they first sign in (`flask staff create`, then /staff/login).
STAFF_TOTP_SECRET = "KEYFOBDEMOSTAFFONLYNOTFORREALUSE"


def load(if_empty=False):
    """Create the demo customers; returns their logins, or None when
    if_empty and there are customers already."""
    if if_empty and Customer.select().exists():
        return None
    password_hash = passwords.hash_password(PASSWORD)
    with database.atomic():
        for code, email in LOGINS:
            site = SITES[code]
            title, first, last = PEOPLE[code]
            if not site.market.titles:
                title = ""
            if Customer.get_or_none(Customer.market == site.market.key,
                                    Customer.email_key == email_key(email)):
                continue
            Customer.create(market=site.market.key, locale=site.locale, email=email,
                            email_key=email_key(email), title=title, first_name=first,
                            last_name=last, password_hash=password_hash,
                            status="active", activated_at=utcnow())
        for role, email, name in STAFF_LOGINS:
            if Staff.get_or_none(Staff.email == email) is None:
                Staff.create(email=email, name=name, role=role, password_hash=password_hash,
                             totp_secret_sealed=totp_keys.seal(STAFF_TOTP_SECRET),
                             totp_confirmed_at=utcnow())
    load_agreements()
    load_help()
    return LOGINS


def load_agreements():
    with open(os.path.join(DEMO_FILES, "agreements.csv"), encoding="utf-8", newline="") as a, \
            open(os.path.join(DEMO_FILES, "payments.csv"), encoding="utf-8", newline="") as p:
        report = agreement_import.import_files(a, p, "agreements.csv", "payments.csv")
    if report.bad_rows:
        raise ValueError(f"demo data: {report.bad_rows}")
    report = documents.import_mapping(os.path.join(DEMO_FILES, "documents.csv"))
    if report.bad_rows:
        raise ValueError(f"demo documents: {report.bad_rows}")


# The locale tables of config/demo/help.toml, each saved as that locale,
# for every language variant (domain.languages) an article has. A language
# (en, fr, de) is saved in every market, since every variant's fallback
# chain ends in one of them (domain.help.fallback_chain); a regional variant
# (fr_CA) only in the markets that serve it.


def load_help():
    """The demo help center of every market (config/demo/help.toml), saved
    through domain.help.save_version so that search finds it. Articles that
    are there already are left alone."""
    with open(os.path.join(DEMO_FILES, "help.toml"), "rb") as f:
        data = tomllib.load(f)
    with database.atomic():
        for market in MARKETS:
            for entry in data["categories"]:
                if market in entry.get("markets", MARKETS):
                    HelpCategory.get_or_create(market=market, key=entry["key"],
                                               defaults={"position": entry["position"]})
            for position, entry in enumerate(data["articles"]):
                if market not in entry.get("markets", MARKETS):
                    continue
                if HelpArticle.get_or_none(HelpArticle.market == market,
                                           HelpArticle.key == entry["key"]):
                    continue
                category = HelpCategory.get(HelpCategory.market == market,
                                            HelpCategory.key == entry["category"])
                article = HelpArticle.create(market=market, category=category,
                                             key=entry["key"], position=position)
                for locale, variant in VARIANTS.items():
                    # A regional version (fr_CA) is in no other market's
                    # fallback chain: elsewhere no one would ever read it.
                    if locale not in entry or (variant.regional
                                               and locale not in MARKETS[market].locales):
                        continue
                    help.save_version(article, locale, entry[locale]["title"],
                                      entry[locale]["body"], published=True)
