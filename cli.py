"""Operator commands: `flask db upgrade`, `flask demo load`, `flask outbox
send`, `flask accounts purge`, `flask agreements import`,
`flask translate extract|update|compile`."""
import contextlib
import glob
import os
import subprocess
import sys
import time

import click
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask.cli import AppGroup

from domain import agreement_import, demo, documents, outbox, ratelimit
from domain.accounts import purge_expired_registrations
from domain.db import database, upgrade

HERE = os.path.dirname(os.path.abspath(__file__))
TRANSLATIONS = os.path.join(HERE, "translations")
POT = os.path.join(TRANSLATIONS, "messages.pot")

db_cli = AppGroup("db", help="The database schema.")
demo_cli = AppGroup("demo", help="Demo data.")
outbox_cli = AppGroup("outbox", help="Outgoing e-mail.")
accounts_cli = AppGroup("accounts", help="Customer accounts.")
agreements_cli = AppGroup("agreements", help="Agreements from the lender's system.")
documents_cli = AppGroup("documents", help="Statements and letters of agreements.")
translate_cli = AppGroup("translate", help="Translation catalogues (wraps pybabel).")


def init_app(app):
    for group in (db_cli, demo_cli, outbox_cli, accounts_cli, agreements_cli, documents_cli,
                  translate_cli):
        app.cli.add_command(group)


@db_cli.command("upgrade")
def db_upgrade():
    """Apply the migrations not applied yet."""
    applied = upgrade()
    click.echo("applied: " + ", ".join(applied) if applied else "the database is up to date")


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


@outbox_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep sending every few seconds.")
@click.option("--every", default=5, show_default=True, help="Seconds between rounds with --loop.")
def outbox_send(loop, every):
    """Send the e-mail that is due, retrying failures with backoff."""
    while True:
        with database.connection_context():
            sent, failed = outbox.send_pending()
        click.echo(f"sent {sent}, failed {failed}")
        if not loop:
            break
        time.sleep(every)


@accounts_cli.command("purge")
def accounts_purge():
    """Delete registrations never activated in time, and old rate counters."""
    with database.connection_context():
        deleted = purge_expired_registrations()
        ratelimit.purge_old()
    click.echo(f"deleted {deleted} expired registrations")


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
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "--no-location",
             "--sort-output", "-o", POT, "app.py", "domain", "forms", "views", "templates")


@translate_cli.command("update")
def translate_update():
    """Extract, then merge new strings into every catalogue."""
    translate_extract.callback()
    _pybabel("update", "-i", POT, "-d", TRANSLATIONS, "--no-fuzzy-matching", "--ignore-obsolete")


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


def forms_of(message):
    return message.string if isinstance(message.string, (list, tuple)) else [message.string]
