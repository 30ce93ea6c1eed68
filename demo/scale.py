"""Data at scale for trying the app with many customers (`flask demo scale N`).

    generate(customers, messages_per_customer=10, seed=1, progress=None)

makes `customers` active customers spread over the markets of
config/markets.toml, each with 1 to 3 agreements (most of them linked to
the customer) and 12 to 60 payments each, threads with exactly
`messages_per_customer` messages between them, and a modest help center
(ARTICLES_PER_MARKET articles per market, saved through
domain.help.save_version so that search finds them). Every customer signs
in with PASSWORD; their addresses are scale.<customer id>@example.com, so a
second run adds more and never collides with the first.

The data is made to pass the app's own checks: contract numbers match
their market's pattern, VINs are valid (with the check digit in North
America), phones are valid E.164 numbers of the market's country.

Speed: the rows of CHUNK customers and everything under them are computed
in memory, then written in one transaction: by the sqlite3 module's
executemany on SQLite, by COPY on PostgreSQL (measured about 5 times as
fast as Model.insert_many in batches on either). Their ids are reserved
up front (after the table's MAX(id) inside a BEGIN IMMEDIATE transaction
on SQLite, from the table's sequence on PostgreSQL), so no row is read
back. One password hash serves every customer. 100,000 customers with
1,000,000 messages (and about 4.7 million payments) take 2 to 3 minutes.
"""
import io
import itertools
import random
import time
from datetime import date, datetime, timedelta

import phonenumbers
from babel import Locale
from peewee import PostgresqlDatabase, fn

from domain import help, passwords, roles, vin as vins
from domain.clock import utcnow
from domain.db import database
from domain.markets import MARKETS
from models import Agreement, Customer, HelpArticle, HelpCategory, Message, Payment, Staff, Thread

# Every generated customer's password (documented for testers, like
# demo.sample.PASSWORD). Demo data only: never load this into production.
PASSWORD = "Scale-Keyfob-2026"

# Customers per transaction (with their agreements, payments, threads and
# messages): short enough that a running server's writes wait little.
CHUNK = 500
SQLITE_CACHE_KIB = -131072      # negative: KiB, so 128 MiB while generating
ARTICLES_PER_MARKET = 50

# How customers spread over the markets (a market missing here gets 1).
MARKET_WEIGHTS = {"us": 35, "ca": 25, "fr": 22, "at": 18}

# --- word lists -------------------------------------------------------------------------

FIRST_NAMES = {
    "en": ["Liam", "Olivia", "Noah", "Emma", "William", "Ava", "James", "Sophia", "Benjamin",
           "Charlotte", "Lucas", "Amelia", "Henry", "Mia", "Ethan", "Harper", "Jack", "Evelyn",
           "Owen", "Abigail", "Logan", "Emily", "Samuel", "Ella", "Daniel", "Grace"],
    "fr_CA": ["Félix", "Léa", "William", "Florence", "Thomas", "Alice", "Jacob", "Rosalie",
              "Nathan", "Juliette", "Émile", "Béatrice", "Samuel", "Maëlle", "Olivier",
              "Chloé", "Gabriel", "Camille", "Antoine", "Zoé"],
    "fr": ["Lucas", "Emma", "Gabriel", "Jade", "Léo", "Louise", "Raphaël", "Alice", "Arthur",
           "Chloé", "Louis", "Inès", "Jules", "Léa", "Hugo", "Manon", "Adam", "Lina", "Paul",
           "Camille", "Théo", "Sarah", "Nathan", "Élise"],
    "de": ["Lukas", "Anna", "Maximilian", "Hannah", "David", "Sophie", "Tobias", "Laura",
           "Elias", "Lena", "Felix", "Marie", "Jakob", "Emilia", "Florian", "Johanna",
           "Sebastian", "Katharina", "Paul", "Valentina", "Stefan", "Theresa"],
}
LAST_NAMES = {
    "en_CA": ["Smith", "Brown", "Tremblay", "Martin", "Roy", "Wilson", "MacDonald", "Taylor",
              "Campbell", "Anderson", "Lee", "Clark", "Wong", "Thompson", "Young", "Scott"],
    "fr_CA": ["Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie",
              "Fortin", "Gagné", "Ouellet", "Pelletier", "Bélanger", "Lévesque", "Bergeron"],
    "en_US": ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
              "Rodriguez", "Martinez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
              "Jackson", "White", "Harris", "Clark", "Lewis"],
    "fr_FR": ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
              "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "Fournier",
              "Girard", "Bonnet", "Dupont", "Lambert"],
    "de_AT": ["Gruber", "Huber", "Bauer", "Wagner", "Müller", "Pichler", "Steiner", "Moser",
              "Mayer", "Hofer", "Leitner", "Berger", "Fuchs", "Eder", "Fischer", "Schmid",
              "Winkler", "Weber", "Schwarz", "Maier"],
}
PLACES = {
    # (city, region, postal code maker)
    "ca": [("Toronto", "ON", "M5V {d}A{d}"), ("Ottawa", "ON", "K1P {d}B{d}"),
           ("Montréal", "QC", "H2X {d}C{d}"), ("Québec", "QC", "G1R {d}E{d}"),
           ("Vancouver", "BC", "V6B {d}H{d}"), ("Calgary", "AB", "T2P {d}J{d}")],
    "us": [("New York", "NY", "100{d}{d}"), ("Chicago", "IL", "606{d}{d}"),
           ("Austin", "TX", "787{d}{d}"), ("Seattle", "WA", "981{d}{d}"),
           ("Boston", "MA", "021{d}{d}"), ("Denver", "CO", "802{d}{d}")],
    "fr": [("Paris", "", "750{d}{d}"), ("Lyon", "", "6900{d}"), ("Marseille", "", "130{d}{d}"),
           ("Toulouse", "", "3100{d}"), ("Nantes", "", "4400{d}"), ("Lille", "", "5900{d}")],
    "at": [("Wien", "", "1{d}{d}0"), ("Graz", "", "80{d}0"), ("Linz", "", "40{d}0"),
           ("Salzburg", "", "50{d}0"), ("Innsbruck", "", "60{d}0")],
}
STREETS = {
    "ca": ["{n} King Street West", "{n} Rue Saint-Denis", "{n} Bank Street", "{n} Rue Sherbrooke Est",
           "{n} Granville Street", "{n} Yonge Street"],
    "us": ["{n} Main Street", "{n} Oak Avenue", "{n} Maple Drive", "{n} Park Place",
           "{n} Lincoln Road", "{n} Elm Street"],
    "fr": ["{n} rue de la République", "{n} avenue Victor-Hugo", "{n} boulevard Voltaire",
           "{n} rue des Lilas", "{n} place de la Mairie"],
    "at": ["Hauptstraße {n}", "Bahnhofstraße {n}", "Mariahilfer Straße {n}", "Landstraße {n}",
           "Kirchengasse {n}"],
}
VEHICLES = ["MINI Cooper S", "MINI Cooper SE", "MINI Countryman S ALL4", "MINI Aceman E",
            "MINI Cooper 3-Door", "MINI Cooper 5-Door", "MINI Convertible", "MINI Clubman",
            "BMW 320i", "BMW X1 xDrive28i", "BMW X3 xDrive30e", "BMW i4 eDrive40",
            "BMW 118i", "BMW iX1 xDrive30", "BMW 530e", "BMW X5 xDrive40i"]
# World manufacturer identifiers and model codes (no I, O or Q).
WMIS = ["WMW", "WBA", "WBY", "5UX", "WBS"]
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
VIN_YEARS = "LMNPRST"       # model years 2020-2026

# Phone number shapes per market, filled with random digits and kept when
# libphonenumber says the number is valid.
PHONE_SHAPES = {
    "ca": ["+1613555{d}{d}{d}{d}", "+1514555{d}{d}{d}{d}", "+1416555{d}{d}{d}{d}",
           "+1604555{d}{d}{d}{d}", "+1403555{d}{d}{d}{d}", "+1418555{d}{d}{d}{d}"],
    "us": ["+1202555{d}{d}{d}{d}", "+1212555{d}{d}{d}{d}", "+1312555{d}{d}{d}{d}",
           "+1415555{d}{d}{d}{d}", "+1617555{d}{d}{d}{d}", "+1512555{d}{d}{d}{d}"],
    "fr": ["+336{d}{d}{d}{d}{d}{d}{d}{d}", "+337{d}{d}{d}{d}{d}{d}{d}{d}",
           "+331{d}{d}{d}{d}{d}{d}{d}{d}"],
    "at": ["+43664{d}{d}{d}{d}{d}{d}{d}", "+43676{d}{d}{d}{d}{d}{d}{d}",
           "+43699{d}{d}{d}{d}{d}{d}{d}{d}", "+431{d}{d}{d}{d}{d}{d}{d}"],
}
PHONES_PER_MARKET = 400
BODIES = 300

# Messages, by language: what customers ask and what care answers.
CUSTOMER_LINES = {
    "en": ["Could you tell me when my next payment will be taken?",
           "I would like to change the date of my monthly payment.",
           "My bank details have changed, what do I need to send you?",
           "What are my options at the end of the contract?",
           "I cannot find my last statement in my documents.",
           "Is it possible to pay off my loan early?",
           "I moved recently and need to update my address.",
           "The payment this month was taken twice, can you check?",
           "How many kilometres am I allowed per year on my lease?",
           "Thank you for your quick answer."],
    "fr": ["Pouvez-vous me dire quand aura lieu le prochain prélèvement ?",
           "Je souhaite modifier la date de mon prélèvement mensuel.",
           "Mes coordonnées bancaires ont changé, que dois-je vous envoyer ?",
           "Quelles sont mes options à la fin du contrat ?",
           "Je ne trouve pas mon dernier relevé dans mes documents.",
           "Est-il possible de rembourser mon crédit par anticipation ?",
           "J'ai déménagé et je dois mettre à jour mon adresse.",
           "Le prélèvement de ce mois a été fait deux fois, pouvez-vous vérifier ?",
           "Combien de kilomètres par an mon contrat de location prévoit-il ?",
           "Merci pour votre réponse rapide."],
    "de": ["Können Sie mir sagen, wann die nächste Rate abgebucht wird?",
           "Ich möchte das Datum meiner monatlichen Rate ändern.",
           "Meine Bankverbindung hat sich geändert, was muss ich Ihnen schicken?",
           "Welche Möglichkeiten habe ich am Ende des Vertrags?",
           "Ich finde meinen letzten Kontoauszug nicht in meinen Dokumenten.",
           "Kann ich meinen Kredit vorzeitig zurückzahlen?",
           "Ich bin umgezogen und muss meine Adresse ändern.",
           "Die Rate wurde diesen Monat doppelt abgebucht, können Sie das prüfen?",
           "Wie viele Kilometer im Jahr sind in meinem Leasing enthalten?",
           "Vielen Dank für die schnelle Antwort."],
}
STAFF_LINES = {
    "en": ["Thank you for your message.", "We have checked your agreement.",
           "Your next payment is due on the first business day of the month.",
           "We have changed the date as you asked; it applies from next month.",
           "You will find the document in your online account within two days.",
           "Please send us a void cheque or a bank letter through the message center.",
           "An early payoff is possible at any time: ask for a payoff quote online.",
           "We are sorry for the trouble and have refunded the second payment.",
           "Is there anything else we can do for you?"],
    "fr": ["Merci pour votre message.", "Nous avons vérifié votre contrat.",
           "Votre prochaine échéance est prélevée le premier jour ouvré du mois.",
           "Nous avons modifié la date comme demandé ; elle s'applique dès le mois prochain.",
           "Vous trouverez le document dans votre espace client sous deux jours.",
           "Merci de nous envoyer un RIB par la messagerie.",
           "Un remboursement anticipé est possible à tout moment : demandez un décompte en ligne.",
           "Nous sommes désolés et avons remboursé le second prélèvement.",
           "Pouvons-nous faire autre chose pour vous ?"],
    "de": ["Vielen Dank für Ihre Nachricht.", "Wir haben Ihren Vertrag geprüft.",
           "Ihre nächste Rate wird am ersten Werktag des Monats abgebucht.",
           "Wir haben das Datum wie gewünscht geändert; es gilt ab dem nächsten Monat.",
           "Sie finden das Dokument in zwei Tagen in Ihrem Kundenkonto.",
           "Bitte schicken Sie uns die neue Bankverbindung über das Nachrichtencenter.",
           "Eine vorzeitige Rückzahlung ist jederzeit möglich: fordern Sie online ein Angebot an.",
           "Wir entschuldigen uns und haben die zweite Abbuchung zurücküberwiesen.",
           "Können wir sonst noch etwas für Sie tun?"],
}

# Help articles: an action on a subject, in every language, with the
# category it belongs to. Titles are unique per (action, subject).
HELP_ACTIONS = {
    "en": ["change", "check", "download", "update", "understand", "request", "confirm",
           "find", "correct", "cancel"],
    "fr": ["Modifier", "Vérifier", "Télécharger", "Mettre à jour", "Comprendre", "Demander",
           "Confirmer", "Retrouver", "Corriger", "Annuler"],
    "de": ["ändern", "prüfen", "herunterladen", "aktualisieren", "verstehen", "anfordern",
           "bestätigen", "finden", "korrigieren", "kündigen"],
}
HELP_SUBJECTS = [
    # (category, en, fr, de)
    ("agreements", "payment date", "votre date de prélèvement", "Zahlungstermin"),
    ("agreements", "monthly statement", "votre relevé mensuel", "Monatsauszug"),
    ("agreements", "insurance certificate", "votre attestation d'assurance", "Versicherungsnachweis"),
    ("agreements", "contract end options", "vos options de fin de contrat", "Vertragsende-Optionen"),
    ("agreements", "payoff quote", "votre décompte de remboursement", "Ablöseangebot"),
    ("agreements", "mileage allowance", "votre kilométrage annuel", "Kilometerleistung"),
    ("account", "bank details", "vos coordonnées bancaires", "Bankverbindung"),
    ("account", "postal address", "votre adresse postale", "Postanschrift"),
    ("account", "sign-in password", "votre mot de passe de connexion", "Anmeldepasswort"),
    ("messages", "message attachments", "les pièces jointes de vos messages", "Nachrichtenanhänge"),
    ("messages", "service request", "votre demande de service", "Serviceanfrage"),
    ("devices", "remembered devices", "vos appareils mémorisés", "Gemerkte Geräte"),
]
HELP_SENTENCES = {
    "en": ["You can {action} your {subject} in your online account at any time.",
           "Sign in, open the agreement and choose the {subject} section.",
           "If you cannot {action} your {subject} online, write to us through the message center.",
           "Changes usually take effect within two business days.",
           "We confirm every change by email; the email never contains amounts.",
           "Our customer care team is happy to help during business hours."],
    "fr": ["{action} {subject} est possible à tout moment dans votre espace client.",
           "Connectez-vous, ouvrez le contrat et choisissez la rubrique correspondante : {subject}.",
           "Si vous ne pouvez pas {action_lower} {subject} en ligne, écrivez-nous depuis la messagerie.",
           "Les changements prennent généralement effet sous deux jours ouvrés.",
           "Nous confirmons chaque changement par courriel, sans aucun montant.",
           "Notre service client vous aide volontiers aux heures d'ouverture."],
    "de": ["{subject} {action}: das geht jederzeit in Ihrem Kundenkonto.",
           "Melden Sie sich an, öffnen Sie den Vertrag und wählen Sie den Bereich {subject}.",
           "Wenn Sie {subject} nicht online {action} können, schreiben Sie uns im Nachrichtencenter.",
           "Änderungen gelten meist innerhalb von zwei Werktagen.",
           "Wir bestätigen jede Änderung per E-Mail, ohne Beträge.",
           "Unser Kundenservice hilft Ihnen gerne zu den Geschäftszeiten."],
}
HELP_CATEGORIES = {"account": 1, "agreements": 2, "devices": 3, "messages": 4}
# Categories shown only where their subject exists (as in config/demo/help.toml).
CATEGORY_MARKETS = {"devices": ("ca", "us")}


def help_title(language, action, subject):
    """The title of the article on (action, subject) indexes in `language`."""
    category, en, fr, de = HELP_SUBJECTS[subject]
    verb = HELP_ACTIONS[language][action]
    if language == "fr":
        return f"{verb} {fr}"
    if language == "de":
        return f"{de} {verb}: so geht's"
    return f"How to {verb} your {en}"


def _help_body(language, action, subject, rng):
    _category, en, fr, de = HELP_SUBJECTS[subject]
    verb = HELP_ACTIONS[language][action]
    values = {"action": verb, "action_lower": verb.lower(),
              "subject": {"en": en, "fr": fr, "de": de}[language]}
    sentences = HELP_SENTENCES[language]
    first, rest = sentences[:3], sentences[3:]
    paragraphs = [" ".join(s.format(**values) for s in first[:2]),
                  first[2].format(**values),
                  " ".join(rng.sample(rest, 2))]
    return "\n\n".join(paragraphs)


# --- ids and writes ---------------------------------------------------------------------

def _is_postgres():
    return isinstance(database.obj, PostgresqlDatabase)


def _sqlite_ids(model):
    """Ids after the table's highest, for a transaction that holds the
    write lock (BEGIN IMMEDIATE): nobody else can take them meanwhile."""
    return itertools.count((model.select(fn.MAX(model.id)).scalar() or 0) + 1).__next__


def _postgres_ids(model, block=5000):
    """Ids taken from the table's sequence, `block` at a time: safe beside
    other writers; the ids a chunk leaves unused are a gap, as any rollback leaves."""
    table = model._meta.table_name
    sequence = database.execute_sql("SELECT pg_get_serial_sequence(%s, 'id')",
                                    (table,)).fetchone()[0]

    def ids():
        while True:
            rows = database.execute_sql("SELECT nextval(%s) FROM generate_series(1, %s)",
                                        (sequence, block)).fetchall()
            yield from sorted(row[0] for row in rows)

    return ids().__next__


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value):
    """A value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, datetime):
        return value.isoformat(" ")
    return str(value)       # int, date


class _Table:
    """Rows of one model waiting to be written, in a fixed order of columns."""

    def __init__(self, model, columns):
        self.model = model
        self.columns = columns
        self.rows = []
        self.written = 0
        fields = [model._meta.fields[name] for name in columns]
        names = ", ".join(f'"{field.column_name}"' for field in fields)
        table = model._meta.table_name
        if _is_postgres():
            self.copy_sql = f'COPY "{table}" ({names}) FROM STDIN'
        else:
            self.sql = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(fields))})'

    def flush(self):
        if not self.rows:
            return
        cursor = database.cursor()
        if _is_postgres():
            # COPY: several times faster than INSERTs of many rows.
            cursor.copy_expert(self.copy_sql, io.StringIO(
                "".join(["\t".join([_copy_text(v) for v in row]) + "\n" for row in self.rows])))
        else:
            # The sqlite3 module runs the statement once per row in C:
            # several times faster than building multi-row statements.
            cursor.executemany(self.sql, self.rows)
        self.written += len(self.rows)
        self.rows = []


# --- one chunk of customers ----------------------------------------------------------------

def _phones(market, rng):
    """A pool of valid E.164 numbers of the market's country."""
    shapes = PHONE_SHAPES.get(market.key)
    found = []
    tries = 0
    while shapes and len(found) < PHONES_PER_MARKET and tries < PHONES_PER_MARKET * 20:
        tries += 1
        shape = rng.choice(shapes)
        number = shape.replace("{d}", "{}").format(*(rng.randrange(10) for _ in range(shape.count("{d}"))))
        parsed = phonenumbers.parse(number)
        if phonenumbers.is_valid_number(parsed) and phonenumbers.region_code_for_number(parsed) == market.country:
            found.append(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
    if not found:
        support = phonenumbers.parse(market.support_phone)
        found.append(phonenumbers.format_number(support, phonenumbers.PhoneNumberFormat.E164))
    return found


def contract_number(market_key, agreement_id):
    """A contract number of the market's form, unique through the
    agreement's id: 8 digits in Austria, S and 10 digits in France."""
    if market_key == "at":
        if agreement_id >= 40_000_000:
            raise ValueError("too many agreements for 8-digit Austrian contract numbers")
        return str(60_000_000 + agreement_id)
    if market_key == "fr":
        return f"S{7_000_000_000 + agreement_id}"
    if market_key == "us":
        return f"9{agreement_id:09d}"
    return f"8{agreement_id:09d}"


def _vin(market, serial, pick):
    vin = (pick(WMIS) + "".join([pick(VIN_CHARS) for _ in range(5)]) + "0"
           + pick(VIN_YEARS) + pick(VIN_CHARS) + f"{serial % 1_000_000:06d}")
    if market.vin_check_digit:
        return vins.with_check_digit(vin)
    return vin[:8] + pick(VIN_CHARS) + vin[9:]


def _language(locale):
    return Locale.parse(locale).language


def _names(locale):
    language = _language(locale)
    firsts = FIRST_NAMES.get(locale) or FIRST_NAMES.get(language) or FIRST_NAMES["en"]
    lasts = LAST_NAMES.get(locale) or LAST_NAMES["en_US"]
    return firsts, lasts


def _months_back(day, months):
    """The date `months` months before `day`, on a day of the month up to 28."""
    index = day.year * 12 + day.month - 1 - months
    return index // 12, index % 12 + 1


class _Context:
    """What every chunk shares: the markets, their pools, the staff, the clock."""

    def __init__(self, rng, messages_per_customer):
        self.rng = rng
        self.messages_per_customer = messages_per_customer
        self.now = utcnow()
        self.today = self.now.date()
        self.password_hash = passwords.hash_password(PASSWORD)
        self.markets = list(MARKETS.values())
        self.weights = [MARKET_WEIGHTS.get(m.key, 1) for m in self.markets]
        self.phones = {m.key: _phones(m, rng) for m in self.markets}
        self.staff = [s.id for s in Staff.select(Staff.id).where(
            Staff.active == True, Staff.role.in_(roles.that_may("queue")))]   # noqa: E712
        # Message texts made up front: drawing sentences per message is slow.
        self.bodies = {}
        for language in CUSTOMER_LINES:
            self.bodies[language] = tuple(
                [" ".join(rng.sample(lines, rng.randint(1, 3))) for _ in range(BODIES)]
                for lines in (CUSTOMER_LINES[language], STAFF_LINES[language]))


def _chunk(ctx, count, tables, ids):
    """Rows for `count` customers and everything under them."""
    rng, now, today = ctx.rng, ctx.now, ctx.today
    customers, agreements, payments, threads, messages = tables
    mpc = ctx.messages_per_customer
    rnd, staff = rng.random, ctx.staff

    # random.choice and randint are several times slower than this.
    def pick(seq):
        return seq[int(rnd() * len(seq))]

    def between(low, high):
        return low + int(rnd() * (high - low + 1))

    next_payment, next_message = ids["payment"], ids["message"]
    add_payment, add_message = payments.rows.append, messages.rows.append
    for market in rng.choices(ctx.markets, ctx.weights, k=count):
        mkey = market.key
        locale = pick(market.locales)
        language = _language(locale)
        firsts, lasts = _names(locale)
        first, last = pick(firsts), pick(lasts)
        title = pick(market.titles) if market.titles else ""
        customer_id = ids["customer"]()
        email = f"scale.{customer_id}@example.com"
        created = now - timedelta(days=between(31, 1400), seconds=between(0, 86399))
        activated = created + timedelta(minutes=between(2, 600))
        last_login = now - timedelta(days=between(0, 29), seconds=between(0, 86399)) \
            if rnd() < 0.8 else None
        phone = pick(ctx.phones[mkey])
        city, region, postal = pick(PLACES.get(mkey, [("", "", "")]))
        street = pick(STREETS.get(mkey, ["{n}"])).format(n=between(1, 240))
        postal = postal.replace("{d}", "{}").format(*(int(rnd() * 10) for _ in range(postal.count("{d}"))))
        verified_phone = phone if rnd() < 0.5 else ""
        customers.rows.append((
            customer_id, mkey, email, email, title, first, last, ctx.password_hash, locale,
            "active", 0, None, created, activated, last_login, verified_phone, street, postal, city, region))

        birth = date(between(1950, 2003), between(1, 12), between(1, 28))
        customer_number = f"C{customer_id:08d}"
        linked = []
        for _ in range(1 if rnd() < 0.6 else 2 if rnd() < 0.75 else 3):
            agreement_id = ids["agreement"]()
            kind = "lease" if rnd() < 0.45 else "loan"
            business = rnd() < 0.08 and market.business_customers_can_link
            term = pick((36, 48, 60, 72))
            paid = between(12, min(60, term))
            # The last payment fell due last month (or, one in ten, the month before).
            year, month = _months_back(today, paid + (2 if rnd() < 0.1 else 1))
            start = date(year, month, between(1, 28))
            monthly = between(19_000, 95_000)                      # cents
            residual = between(800_000, 2_500_000) if kind == "lease" else None
            balance = monthly * (term - paid) + (residual or 0)
            rate = between(99, 799) * 100                          # 1/10000 of a percent
            is_linked = rnd() < 0.85
            linked_at = activated + timedelta(days=between(0, 20)) if is_linked else None
            if linked_at is not None and linked_at > now:
                linked_at = now
            number = contract_number(mkey, agreement_id)
            agreements.rows.append((
                agreement_id, mkey, number, kind, business, pick(VEHICLES),
                _vin(market, agreement_id, pick), title, first, last, birth, customer_number, phone,
                email, start, term, rate, monthly, residual, balance,
                customer_id if is_linked else None, linked_at, None, now))
            if is_linked:
                linked.append(agreement_id)
            # Paid on each due date: one month after the start, then monthly.
            index = start.year * 12 + start.month - 1
            for n in range(1, paid + 1):
                y, m = divmod(index + n, 12)
                add_payment((next_payment(), agreement_id, f"{number}-{y}{m + 1:02d}",
                     date(y, m + 1, start.day), monthly))

        if mpc <= 0:
            continue
        # Exactly mpc messages, in threads of about four.
        thread_count = max(1, min(mpc, round(mpc / 4) + between(-1, 1)))
        cuts = sorted(rng.sample(range(1, mpc), thread_count - 1)) if thread_count > 1 else []
        sizes = [b - a for a, b in zip([0] + cuts, cuts + [mpc])]
        customer_bodies, staff_bodies = ctx.bodies.get(language, ctx.bodies["en"])
        for size in sizes:
            thread_id = ids["thread"]()
            service = bool(linked) and rnd() < 0.15
            if service:
                kind, topic = "service", pick(market.service_requests)
            else:
                kind, topic = "message", pick(market.message_topics)
            agreement_id = pick(linked) if linked and (service or rnd() < 0.6) else None
            gaps = [timedelta(minutes=5 + rnd() * 4315) for _ in range(size - 1)]
            span = sum(gaps, timedelta())
            started = now - span - timedelta(days=between(0, 700), seconds=between(60, 86399))
            if started < activated and activated + span < now - timedelta(minutes=1):
                started = activated + timedelta(seconds=between(60, 3600))
                started = min(started, now - span - timedelta(seconds=30))
            moment = started
            waiting_since = None
            author = "customer"
            for n in range(size):
                if n:
                    moment += gaps[n - 1]
                    author = "staff" if rnd() < 0.6 else "customer"
                if author == "customer":
                    body = customer_bodies[int(rnd() * BODIES)]
                    staff_id = None
                    if waiting_since is None:
                        waiting_since = moment
                else:
                    body = staff_bodies[int(rnd() * BODIES)]
                    staff_id = staff[int(rnd() * len(staff))] if staff else None
                    waiting_since = None
                add_message((next_message(), thread_id, author, staff_id, body, moment))
            if moment > now:
                moment = now
            closed = rnd() < (0.1 if author == "customer" else 0.6)
            if closed:
                waiting_since = None
            unread = author == "staff" and rnd() < 0.3
            assignee = pick(ctx.staff) if ctx.staff and rnd() < 0.4 else None
            threads.rows.append((
                thread_id, customer_id, mkey, agreement_id, kind, topic,
                "closed" if closed else "open", started, moment, unread, assignee, waiting_since))


CUSTOMER_COLUMNS = ("id", "market", "email", "email_key", "title", "first_name", "last_name",
                    "password_hash", "locale", "status", "failed_logins", "locked_at",
                    "created_at", "activated_at", "last_login_at", "phone", "street",
                    "postal_code", "city", "region")
AGREEMENT_COLUMNS = ("id", "market", "contract_number", "kind", "business", "vehicle_model",
                     "vin", "holder_title", "holder_first_name", "holder_last_name",
                     "holder_birth_date", "customer_number", "phone", "email", "start_date",
                     "term_months", "rate", "monthly_payment", "residual_value", "balance",
                     "customer", "linked_at", "link_blocked_at", "updated_at")
PAYMENT_COLUMNS = ("id", "agreement", "reference", "paid_on", "amount")
THREAD_COLUMNS = ("id", "customer", "market", "agreement", "kind", "topic", "status",
                  "created_at", "updated_at", "customer_unread", "assignee", "waiting_since")
MESSAGE_COLUMNS = ("id", "thread", "author", "staff", "body", "created_at")


# --- help ---------------------------------------------------------------------------------

def _help(rng, per_market, progress):
    """`per_market` articles in every market, in each language the
    market's locales read, saved through domain.help.save_version (the
    search index with them). Returns (articles, versions)."""
    if per_market <= 0:
        return 0, 0
    run = (HelpArticle.select(fn.MAX(HelpArticle.id)).scalar() or 0) + 1
    pairs = [(a, s) for a in range(len(HELP_ACTIONS["en"])) for s in range(len(HELP_SUBJECTS))]
    total = per_market * len(MARKETS)
    articles = versions = 0
    for market in MARKETS.values():
        languages = list(dict.fromkeys(_language(locale) for locale in market.locales))
        languages = [language for language in languages if language in HELP_ACTIONS] or ["en"]
        usable = [(a, s) for a, s in pairs
                  if market.key in CATEGORY_MARKETS.get(HELP_SUBJECTS[s][0], (market.key,))]
        chosen = rng.sample(usable, min(per_market, len(usable)))
        chosen += [rng.choice(usable) for _ in range(per_market - len(chosen))]
        with database.atomic():
            categories = {}
            for n, (action, subject) in enumerate(chosen):
                key = HELP_SUBJECTS[subject][0]
                if key not in categories:
                    categories[key] = HelpCategory.get_or_create(
                        market=market.key, key=key,
                        defaults={"position": HELP_CATEGORIES.get(key, 9)})[0]
                article = HelpArticle.create(
                    market=market.key, category=categories[key], key=f"scale-{run}-{n + 1}",
                    position=100 + n, views=rng.randint(0, 5000),
                    helpful_yes=rng.randint(0, 200), helpful_no=rng.randint(0, 40))
                for language in languages:
                    help.save_version(article, language, help_title(language, action, subject),
                                      _help_body(language, action, subject, rng), published=True)
                    versions += 1
                articles += 1
        if progress:
            progress("help", articles, total)
    return articles, versions


# --- the whole -----------------------------------------------------------------------------

def _customers(ctx, customers, tables, postgres, progress):
    """Write the customers, CHUNK per transaction; returns (first
    customer id or None, agreements linked)."""
    models = {"customer": Customer, "agreement": Agreement, "payment": Payment,
              "thread": Thread, "message": Message}
    pg_ids = {name: _postgres_ids(model) for name, model in models.items()} if postgres else None
    first_customer, linked, done = None, 0, 0
    while done < customers:
        count = min(CHUNK, customers - done)
        # On SQLite the write lock first, so that the ids read are ours.
        with database.atomic(**({} if postgres else {"lock_type": "IMMEDIATE"})):
            ids = pg_ids or {name: _sqlite_ids(model) for name, model in models.items()}
            _chunk(ctx, count, tables, ids)
            if first_customer is None:
                first_customer = tables[0].rows[0][0]
            linked += sum(1 for row in tables[1].rows if row[20] is not None)
            # Parents first: the foreign keys are checked row by row.
            for table in tables:
                table.flush()
        done += count
        if progress:
            progress("customers", done, customers)
    return first_customer, linked


def generate(customers, messages_per_customer=10, seed=1, progress=None,
             articles_per_market=ARTICLES_PER_MARKET):
    """Add `customers` active customers (their password: PASSWORD) with
    agreements, payments, threads holding messages_per_customer messages
    each, and articles_per_market help articles in every market. The same
    seed with the same staff makes the same data but for the ids (and the
    addresses and contract numbers made from them); running again adds more. `progress(stage, done, total)` is called
    after each chunk of customers ("customers") and each market's articles
    ("help"). Returns a summary: the counts of rows added, the id of the
    first customer added, and the seconds taken."""
    if customers < 0 or messages_per_customer < 0 or articles_per_market < 0:
        raise ValueError("the counts must not be negative")
    started = time.perf_counter()
    rng = random.Random(seed)
    ctx = _Context(rng, messages_per_customer)
    postgres = _is_postgres()
    tables = (_Table(Customer, CUSTOMER_COLUMNS), _Table(Agreement, AGREEMENT_COLUMNS),
              _Table(Payment, PAYMENT_COLUMNS), _Table(Thread, THREAD_COLUMNS),
              _Table(Message, MESSAGE_COLUMNS))
    cache_size = None
    if not postgres and customers:
        # A bigger page cache for the indexes written at random places
        # (threads by market and time, agreements by VIN); put back after.
        cache_size = database.execute_sql("PRAGMA cache_size").fetchone()[0]
        database.execute_sql(f"PRAGMA cache_size = {SQLITE_CACHE_KIB}")
    try:
        first_customer, linked = _customers(ctx, customers, tables, postgres, progress)
    finally:
        if cache_size is not None:
            database.execute_sql(f"PRAGMA cache_size = {int(cache_size)}")
    articles, versions = _help(rng, articles_per_market, progress)
    summary = {name: table.written for name, table in zip(
        ("customers", "agreements", "payments", "threads", "messages"), tables)}
    summary.update(linked_agreements=linked, help_articles=articles, help_versions=versions,
                   first_customer_id=first_customer,
                   seconds=round(time.perf_counter() - started, 2))
    return summary
