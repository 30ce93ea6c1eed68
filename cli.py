"""Operator commands: `flask db upgrade`, `flask demo load`, `flask outbox
send`, `flask accounts purge|unlock`, `flask agreements import`,
`flask staff create|list|reset-2fa|rotate-totp-key`,
`flask translate extract|update|compile|init|export|import`."""
import contextlib
import glob
import os
import subprocess
import sys
import time

import click
from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask.cli import AppGroup
from flask_babel import force_locale

from demo import sample as demo
from demo import scale as scale_data
from domain import (admin, agreement_import, data_export, documents, ratelimit, roles, texts,
                    totp_keys, worker)
from domain import staff as staff_accounts
from domain.account_closing import purge_closed_accounts
from domain.accounts import purge_expired_registrations, purge_old_drafts
from domain.db import backup_sqlite, database, upgrade
from domain.languages import SOURCE_LANGUAGE, VARIANTS
from domain.markets import MARKETS

HERE = os.path.dirname(os.path.abspath(__file__))
TRANSLATIONS = os.path.join(HERE, "translations")
POT = os.path.join(TRANSLATIONS, "messages.pot")

db_cli = AppGroup("db", help="The database schema.")
outbox_cli = AppGroup("outbox", help="Outgoing e-mail.")
accounts_cli = AppGroup("accounts", help="Customer accounts.")
agreements_cli = AppGroup("agreements", help="Agreements from the lender's system.")
documents_cli = AppGroup("documents", help="Statements and letters of agreements.")
translate_cli = AppGroup("translate", help="Translation catalogues (wraps pybabel).")
staff_cli = AppGroup("staff", help="Staff accounts of the back office.")


class VariantChoice(click.Choice):
    """A language variant of domain.languages.VARIANTS, read when the
    command runs: the markets (which the variants come from) are loaded by
    then, not when this module is imported."""

    def __init__(self):
        super().__init__(())

    @property
    def choices(self):
        return tuple(VARIANTS)

    @choices.setter
    def choices(self, _value):
        pass


def init_app(app):
    for group in (db_cli, demo_cli, outbox_cli, accounts_cli, agreements_cli, documents_cli,
                  translate_cli, staff_cli):
        app.cli.add_command(group)


@db_cli.command("upgrade")
def db_upgrade():
    """Apply the migrations not applied yet."""
    applied = upgrade()
    click.echo("applied: " + ", ".join(applied) if applied else "the database is up to date")


@db_cli.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False))
def db_backup(destination):
    """Copy the SQLite database to DESTINATION while the app runs (SQLite's
    online backup API). For PostgreSQL use pg_dump (docs/DEPLOY.md)."""
    if os.path.exists(destination):
        raise click.ClickException(f"{destination} exists already; choose a new file")
    with database.connection_context():
        try:
            pages = backup_sqlite(destination)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"backed up {pages} pages to {destination}")


@click.group("demo", cls=AppGroup, invoke_without_command=True)
@click.option("--scale", type=click.IntRange(min=1), default=None,
              help="Generate this many customers, with agreements, payments, threads and "
                   "messages, and help articles (demo/scale.py).")
@click.option("--messages", type=click.IntRange(min=0), default=10, show_default=True,
              help="With --scale: messages per customer.")
@click.option("--articles", type=click.IntRange(min=0), default=50, show_default=True,
              help="With --scale: help articles added to each market.")
@click.pass_context
def demo_cli(ctx, scale, messages, articles):
    """Demo data: `flask demo load` for `make run`, or `flask demo --scale N`
    for N generated customers (100,000 load in a few minutes)."""
    if ctx.invoked_subcommand is not None:
        return
    if scale is None:
        click.echo(ctx.get_help())
        return
    shown = {}

    def progress(stage, done, total):
        # About ten lines in all, not one for each chunk.
        if done == total or done - shown.get(stage, 0) >= max(total // 10, 1):
            shown[stage] = done
            click.echo(f"  {stage}: {done:,} of {total:,}")

    with database.connection_context():
        summary = scale_data.generate(scale, messages_per_customer=messages,
                                      articles_per_market=articles, progress=progress)
    click.echo(f"added {summary['customers']:,} customers, {summary['agreements']:,} agreements, "
               f"{summary['payments']:,} payments, {summary['threads']:,} threads, "
               f"{summary['messages']:,} messages, {summary['help_articles']:,} help articles "
               f"in {summary['seconds']:.0f} s; their password: {scale_data.PASSWORD}")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when customers exist.")
def demo_load(if_empty):
    """Create the demo customers and print their logins."""
    with database.connection_context():
        logins = demo.load(if_empty=if_empty)
    if logins is None:
        click.echo("demo data: already there")
        logins = demo.LOGINS
    click.echo("Demo logins (password for all: %s):" % demo.PASSWORD)
    for site_code, email in logins:
        click.echo(f"  http://127.0.0.1:5000/{site_code}/login  {email}")
    click.echo("Back office, http://127.0.0.1:5000/staff/login (same password; DEMO ONLY, "
               "TOTP secret for all: %s):" % demo.STAFF_TOTP_SECRET)
    for role, email, _name in demo.STAFF_LOGINS:
        click.echo(f"  {role:<9} {email}")


@staff_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, help=roles.names())
@click.option("--name", required=True, help="The member's name, as colleagues know it.")
def staff_create(email, role, name):
    """Create a staff member and print their initial password, once. They
    set up an authenticator app when they first sign in at /staff/login."""
    with database.connection_context():
        try:
            staff, password = staff_accounts.create(email, name, role)
        except staff_accounts.StaffError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"created {staff.role} {staff.email}")
    click.echo(f"initial password (shown only now): {password}")


@staff_cli.command("list")
def staff_list():
    """Every staff member: address, role, name and state."""
    with database.connection_context():
        members = staff_accounts.members()
    for member in members:
        state = ("deactivated" if not member.active else "locked" if member.locked_at
                 else "active" if member.totp_confirmed_at else "app not set up")
        last = member.last_login_at.strftime("%Y-%m-%d %H:%M UTC") if member.last_login_at else "never"
        click.echo(f"{member.email}\t{member.role}\t{member.name}\t{state}\tlast sign-in: {last}")
    if not members:
        click.echo("no staff members yet: flask staff create EMAIL --role admin --name NAME")


@staff_cli.command("rotate-totp-key")
def staff_rotate_totp_key():
    """Encrypt every staff member's TOTP secret with a new key.

    With the key file (instance/totp_key): a new key is made, every secret
    is encrypted with it and the old key is removed from the file; running
    app processes follow at their next use. With KEYFOB_TOTP_KEY: put the
    new key first and the old one after it (comma-separated), restart the
    app, run this, then remove the old key and restart again (docs/DEPLOY.md).
    Nothing changes when a secret cannot be decrypted with the keys."""
    with database.connection_context():
        try:
            if totp_keys.source() == "setting" and len(totp_keys.keys_now()) == 1:
                raise click.ClickException(
                    "KEYFOB_TOTP_KEY holds a single key: put a new key first and the current one "
                    "after it, separated by a comma, restart the app processes, and run this "
                    f"again. A new key: {totp_keys.new_key()}")
            count, spare = staff_accounts.rotate_totp_key()
        except totp_keys.TotpKeyError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"{_count(count, 'TOTP secret')} now encrypted with the first key of "
               f"{totp_keys.describe()}")
    if spare:
        click.echo("no secret needs the other keys of KEYFOB_TOTP_KEY any more: remove them "
                   "and restart the app processes")


@staff_cli.command("reset-2fa")
@click.argument("email")
def staff_reset_2fa(email):
    """A member lost their phone: clear their authenticator app and recovery
    codes and sign them out everywhere; they set up an app again at their
    next sign-in. Written to the security log."""
    with database.connection_context():
        member = staff_accounts.find(email)
        if member is None:
            raise click.ClickException(f"no staff member has the address {email.strip()!r}")
        ended = staff_accounts.reset_second_factor(member, detail="flask staff reset-2fa")
    click.echo(f"{member.email}: authenticator app and recovery codes cleared, "
               f"{_count(ended, 'session')} ended; they set up an app again at their next "
               "sign-in")


@outbox_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep sending every few seconds.")
@click.option("--every", default=5, show_default=True, help="Seconds between rounds with --loop.")
def outbox_send(loop, every):
    """Answer recorded requests and send the e-mail and texts that are due,
    retrying failures with backoff."""
    while True:
        with database.connection_context():
            sent, failed = worker.run_once()
        click.echo(f"sent {sent}, failed {failed}")
        if not loop:
            break
        time.sleep(every)


@accounts_cli.command("purge")
def accounts_purge():
    """Delete registrations never activated in time, registration drafts
    older than an activation link, closed accounts whose messages are past
    their market's retention period (message_retention_years in
    config/markets.toml) with their messages and files, data exports whose
    link was used or has expired, and old rate counters."""
    with database.connection_context():
        deleted = purge_expired_registrations()
        purge_old_drafts()
        closed = purge_closed_accounts()
        ratelimit.purge_old()
        data_export.purge_old()
    click.echo(f"deleted {deleted} expired registrations")
    click.echo(f"deleted {closed} closed accounts past their retention period")


@accounts_cli.command("unlock")
@click.argument("email")
@click.option("--market", help="The customer's market (a key of config/markets.toml: ca, at, "
                                "fr, us), when the address has an account in several.")
def accounts_unlock(email, market):
    """Unlock a customer locked after three wrong passwords, as an admin does
    in the back office: they can sign in with their password again. Written
    to the security log."""
    if market is not None and market not in MARKETS:
        raise click.ClickException(f"no market {market!r}: choose one of "
                                   + ", ".join(sorted(MARKETS)))
    with database.connection_context():
        found = [customer for customer in admin.customers_by_address(email)
                 if market is None or customer.market == market]
        where = f" in market {market}" if market else ""
        if not found:
            raise click.ClickException(f"no customer has the address {email.strip()!r}{where}")
        if len(found) > 1:
            raise click.ClickException(
                f"{email.strip()!r} has an account in several markets ("
                + ", ".join(customer.market for customer in found)
                + "): choose one with --market")
        customer = found[0]
        unlocked = admin.unlock_customer(customer.id, by=None, detail="flask accounts unlock")
    if unlocked:
        click.echo(f"customer {customer.id} ({customer.market}) is unlocked: they can sign in "
                   "with their password again")
    else:
        click.echo(f"customer {customer.id} ({customer.market}) was not locked: nothing changed")


@agreements_cli.command("import")
@click.argument("agreements_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--payments", "payments_file", type=click.Path(exists=True, dir_okay=False),
              help="A CSV of payments: market, contract_number, reference, paid_on, amount.")
def agreements_import(agreements_file, payments_file):
    """Load or update agreements (and payments) from CSV; bad rows are
    reported with their line and not loaded. Exits 1 when a row was bad."""
    # newline="" lets the csv module read quoted fields that hold line breaks.
    with contextlib.ExitStack() as files, database.connection_context():
        agreements = files.enter_context(open(agreements_file, encoding="utf-8-sig", newline=""))
        payments = (files.enter_context(open(payments_file, encoding="utf-8-sig", newline=""))
                    if payments_file else None)
        try:
            report = agreement_import.import_files(agreements, payments, agreements_file,
                                                   payments_file or "payments")
        except UnicodeDecodeError:
            raise click.ClickException("the files must be UTF-8 text") from None
    finish_import(report.bad_rows,
                  f"agreements: {report.created} created, {report.updated} updated, "
                  f"{report.unchanged} unchanged; payments: {report.payments_created} created, "
                  f"{report.payments_unchanged} unchanged")


def finish_import(bad_rows, summary):
    """Print each bad row as file:line: problem, then the summary; exit 1
    when a row was bad, so that a script notices."""
    for name, line, problem in bad_rows:
        click.echo(f"{name}:{line}: {problem}", err=True)
    click.echo(f"{summary}; {len(bad_rows)} bad rows")
    if bad_rows:
        raise SystemExit(1)


@documents_cli.command("import")
@click.argument("mapping", type=click.Path(exists=True, dir_okay=False))
def documents_import(mapping):
    """Add the PDFs a CSV lists (market, contract_number, kind, title,
    issued_on, file) to their agreements; bad rows are reported with their
    line and skipped. Exits 1 when a row was bad."""
    with database.connection_context():
        try:
            report = documents.import_mapping(mapping)
        except UnicodeDecodeError:
            raise click.ClickException("the file must be UTF-8 text") from None
    finish_import(report.bad_rows,
                  f"documents: {report.created} added, {report.unchanged} there already")


def _pybabel(*args):
    command = [os.path.join(os.path.dirname(sys.executable), "pybabel"), *args]
    subprocess.run(command, check=True, cwd=HERE)


@translate_cli.command("extract")
def translate_extract():
    """Collect every translatable string into translations/messages.pot."""
    # File names are kept (not line numbers, which change at every edit):
    # the marketers' editor shows and searches where a text is used.
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "--add-location=file",
             "--sort-output", "-o", POT, "app.py", "domain", "forms", "views", "templates")


@translate_cli.command("update")
def translate_update():
    """Extract, then merge new strings into every catalogue."""
    translate_extract.callback()
    _pybabel("update", "-i", POT, "-d", TRANSLATIONS, "--no-fuzzy-matching", "--ignore-obsolete")


@translate_cli.command("init")
@click.argument("variant")
@click.option("--directory", type=click.Path(file_okay=False),
              help="The catalogues' folder, with messages.pot (default: the project's "
                   "translations/).")
def translate_init(variant, directory):
    """Start the catalogue of a new language variant (pybabel init), in
    layers: a language's catalogue (it) is to hold every text, a regional
    variant's (it_CH) only what it says differently, its other texts coming
    from its language. A regional variant of a language without a catalogue
    gets its language's too; English regional variants lie over the source
    (English), which has none."""
    try:
        locale = Locale.parse(variant)
    except (ValueError, UnknownLocaleError):
        raise click.ClickException(f"{variant!r} is not a locale Babel knows; write it like "
                                   "it or it_CH") from None
    directory = directory or TRANSLATIONS
    pot = os.path.join(directory, "messages.pot")
    if not os.path.isfile(pot):
        raise click.ClickException(f"no messages.pot in {directory}")
    variant, language = str(locale), locale.language
    if variant == SOURCE_LANGUAGE:
        raise click.ClickException("English is the source language: it has no catalogue")
    if os.path.exists(_catalogue(directory, variant)):
        raise click.ClickException(f"{variant} has a catalogue already: "
                                   f"{_shown_path(_catalogue(directory, variant))}")
    layers = [layer for layer in dict.fromkeys((language, variant))
              if layer != SOURCE_LANGUAGE and not os.path.exists(_catalogue(directory, layer))]
    for layer in layers:
        _pybabel("init", "-i", pot, "-d", directory, "-l", layer)
        click.echo(f"{_shown_path(_catalogue(directory, layer))}: "
                   + ("translate every text" if layer == language else
                      f"translate only what {layer} says differently from "
                      + (language if language != SOURCE_LANGUAGE else "the English source")))
    if variant not in VARIANTS:
        click.echo(f"next: add {variant} to a market's locales (and support_hours) in "
                   "config/markets.toml; the README says what else a language takes")
    click.echo("then: flask translate compile")


def _catalogue(directory, layer):
    return os.path.join(directory, layer, "LC_MESSAGES", "messages.po")


def _shown_path(path):
    return os.path.relpath(path, HERE) if path.startswith(HERE + os.sep) else path


@translate_cli.command("compile")
def translate_compile():
    """Compile the catalogues to .mo files (not kept in git)."""
    for po_path in sorted(glob.glob(os.path.join(TRANSLATIONS, "*", "LC_MESSAGES", "messages.po"))):
        kept, total = compile_catalogue(po_path, po_path[:-3] + ".mo")
        click.echo(f"{os.path.relpath(po_path, HERE)}: {kept} of {total} messages translated")


def compile_catalogue(po_path, mo_path):
    """Like `pybabel compile`, except for plurals left empty: pybabel writes
    the English forms for them, which would then cover the language's own
    translation in a regional catalogue (fr_CA over fr). Here they are left
    out, like any other untranslated message."""
    with open(po_path, "rb") as f:
        catalog = read_po(f)
    total = sum(1 for m in catalog if m.id)
    for message in list(catalog):
        if message.id and (message.fuzzy or not all(forms_of(message))):
            del catalog[message.id]
    with open(mo_path, "wb") as f:
        write_mo(f, catalog)
    return sum(1 for m in catalog if m.id), total


@translate_cli.command("export")
@click.option("--variant", "variants", multiple=True, type=VariantChoice(),
              help="Only this variant (repeat for more); default: every variant with "
                   "published texts.")
@click.option("--directory", type=click.Path(file_okay=False),
              help="The catalogues' folder, with messages.pot (default: the project's "
                   "translations/).")
def translate_export(variants, directory):
    """Write the published texts into the .po catalogues.

    Sets the msgstr of each text marketers published, per variant, for
    developers to commit; a variant without a catalogue gets one from
    messages.pot. The database is not changed: the published texts stay a
    layer above the files."""
    directory = directory or TRANSLATIONS
    if not os.path.isfile(os.path.join(directory, "messages.pot")):
        raise click.ClickException(f"no messages.pot in {directory}")
    with database.connection_context():
        reports = texts.export_published(directory, list(dict.fromkeys(variants)) or None)
    for report in reports:
        for msgid, why in report.skipped:
            click.echo(f"{report.variant}: {_shown_msgid(msgid)}: {why}; skipped", err=True)
    for report in reports:
        where = (os.path.relpath(report.path, HERE)
                 if report.path.startswith(HERE + os.sep) else report.path)
        state = ("new catalogue" if report.created else "updated" if report.changed
                 else "file unchanged")
        skipped = f", {len(report.skipped)} skipped" if report.skipped else ""
        click.echo(f"{report.variant}: {_count(report.written, 'text')} written{skipped} "
                   f"({where}: {state})")
    if not reports:
        click.echo("no published texts to export")
    elif any(report.changed for report in reports):
        click.echo("next: flask translate compile, then commit the .po files")


@translate_cli.command("import")
@click.argument("po_file", metavar="FILE.po", type=click.Path(exists=True, dir_okay=False))
@click.option("--variant", required=True, type=VariantChoice(),
              help="The variant whose published texts the file's translations become.")
def translate_import(po_file, variant):
    """Publish the translations of a .po file in a variant.

    Each translated message goes through the editor's checks; one refused
    is reported as FILE:msgid: problem. Fuzzy and empty messages are left
    out, those equal to what the variant shows already are unchanged.
    Exits 1 when a message was refused."""
    try:
        with open(po_file, "rb") as f:
            catalog = read_po(f)
    except (UnicodeDecodeError, ValueError) as error:
        raise click.ClickException(f"{po_file} is not a readable .po file: {error}") from None
    if catalog.locale is not None and str(catalog.locale) != variant:
        click.echo(f"{po_file}: a catalogue of {catalog.locale} (its Language header), "
                   f"imported into {variant} as asked", err=True)
    # The checks' messages in English, the operators' language (the CLI
    # has no request to choose a language from).
    with database.connection_context(), force_locale("en"):
        report = texts.import_catalogue(catalog, variant)
    for msgid in report.unknown:
        click.echo(f"{po_file}:{_shown_msgid(msgid)}: not a text of the app (not in "
                   f"messages.pot); skipped", err=True)
    for msgid, message in report.warnings:
        click.echo(f"{po_file}:{_shown_msgid(msgid)}: warning: {message}", err=True)
    for msgid, messages in report.refused:
        for message in messages:
            click.echo(f"{po_file}:{_shown_msgid(msgid)}: {message}", err=True)
    unknown = f", {len(report.unknown)} not in the source" if report.unknown else ""
    click.echo(f"{variant}: {report.imported} imported, {report.unchanged} unchanged, "
               f"{len(report.refused)} refused{unknown}")
    if report.refused:
        raise SystemExit(1)


def _shown_msgid(msgid):
    """A msgid on one line of a report."""
    return msgid.replace("\n", "\\n")


def _count(number, noun):
    return f"{number} {noun}" + ("" if number == 1 else "s")


def forms_of(message):
    return message.string if isinstance(message.string, (list, tuple)) else [message.string]
