"""Demo data for `make run`: one active customer per language variant, and
agreements for every market that they (or a tester) can link, with a
statement or letter each, loaded from config/demo/ through the same checks
as `flask agreements import` and `flask documents import`."""
import os

from domain import agreement_import, documents, passwords
from domain.accounts import email_key
from domain.clock import utcnow
from domain.db import database
from domain.markets import SITES
from models import Customer

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
    load_agreements()
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
