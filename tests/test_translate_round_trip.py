"""`flask translate export` writes the texts marketers published into the
.po catalogues, for developers to commit; `flask translate import` loads a
.po file into the published layer through the editor's checks. A round trip
loses nothing, and a catalogue with nothing new keeps every byte.

The commands write under a copy of translations/ (tmp_path, which
cli.TRANSLATIONS points at): every test checks after it that the
repository's own catalogues are as they were."""
import difflib
import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

import cli
from domain import texts
from domain.db import database
from models import TextChange, TextEntry
from support.apps import make_app

REAL = cli.TRANSLATIONS
FORGOT = "Forgot your password?"                       # a link of the login page
READ = ("Read %(num)s time", "Read %(num)s times")      # a plural
ARTICLE = "%(article)s in %(language)s"                 # placeholders
GONE = "A text the code no longer uses"


def snapshot(directory):
    """{path: sha256} of the catalogues (.po, .pot) and {folder: ""}."""
    found = {}
    for root, _dirs, files in os.walk(directory):
        relative = os.path.relpath(root, directory)
        found[relative + os.sep] = ""
        for name in files:
            if name.endswith((".po", ".pot")):
                with open(os.path.join(root, name), "rb") as f:
                    found[os.path.join(relative, name)] = hashlib.sha256(f.read()).hexdigest()
    return found


@pytest.fixture(autouse=True)
def real_catalogues_untouched():
    before = snapshot(REAL)
    yield
    assert snapshot(REAL) == before, "a test changed the repository's translations/"


@pytest.fixture
def catalogues(tmp_path, monkeypatch):
    """A copy of translations/, where the commands write by default."""
    copy = tmp_path / "translations"
    shutil.copytree(REAL, copy, ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(cli, "TRANSLATIONS", str(copy))
    return copy


def text_of(msgid, plural=None):
    text = texts.source_texts().get(texts.message_key(msgid, plural))
    assert text is not None, f"{msgid!r} is not in messages.pot"
    return text


def publish(variant, msgid, *forms, plural=None):
    assert texts.publish_value(variant, text_of(msgid, plural), list(forms), by=None, note="test")


def po_path(directory, variant):
    return directory / variant / "LC_MESSAGES" / "messages.po"


def read(path):
    with open(path, "rb") as f:
        return read_po(f)


def changed_lines(before, after):
    """The lines removed and added from one version of a file to the next."""
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    return ([line[2:] for line in diff if line.startswith("- ")],
            [line[2:] for line in diff if line.startswith("+ ")])


def make_po(path, variant, *messages):
    """A .po file of `messages`: (msgid, msgstr) or (msgid, msgstr, flags);
    a plural's msgid and msgstr are tuples."""
    catalog = Catalog(locale=variant)
    for msgid, string, *flags in messages:
        catalog.add(msgid, string, flags=flags[0] if flags else ())
    with open(path, "wb") as f:
        write_po(f, catalog)
    return path


def export(runner, *args):
    return runner.invoke(args=["translate", "export", *args])


def import_file(runner, path, variant):
    return runner.invoke(args=["translate", "import", str(path), "--variant", variant])


# --- export --------------------------------------------------------------------------------

def test_export_writes_the_published_texts_into_their_catalogue(runner, db, catalogues):
    publish("fr_CA", FORGOT, "Mot de passe perdu\xa0?")
    publish("fr_CA", READ[0], "Lu %(num)s fois", "Lu %(num)s fois (souvent)", plural=READ[1])
    path = po_path(catalogues, "fr_CA")
    before_file, before_others = path.read_text("utf-8"), snapshot(catalogues)
    revision, changes = texts.revision(), TextChange.select().count()

    result = export(runner)
    assert result.exit_code == 0, result.output
    assert "fr_CA: 2 texts written" in result.output

    catalog = read(path)
    assert catalog.get(FORGOT).string == "Mot de passe perdu\xa0?"
    assert tuple(catalog.get(READ[0]).string) == ("Lu %(num)s fois", "Lu %(num)s fois (souvent)")
    # Only those msgstr lines and the revision date changed, as pybabel writes them.
    removed, added = changed_lines(before_file, path.read_text("utf-8"))
    assert [line for line in added if not line.startswith('"PO-Revision-Date')] == [
        'msgstr "Mot de passe perdu\xa0?"', 'msgstr[0] "Lu %(num)s fois"',
        'msgstr[1] "Lu %(num)s fois (souvent)"']
    # fr_CA had its own text for FORGOT (Quebec typography), none for READ.
    assert [line for line in removed if not line.startswith('"PO-Revision-Date')] == [
        'msgstr "Mot de passe oublié?"', 'msgstr[0] ""', 'msgstr[1] ""']
    assert len(removed) == len(added) == 4
    # No other catalogue was touched.
    after_others = snapshot(catalogues)
    fr_ca = os.path.join("fr_CA", "LC_MESSAGES", "messages.po")
    assert {k: v for k, v in after_others.items() if k != fr_ca} == {
        k: v for k, v in before_others.items() if k != fr_ca}
    # The database is as it was: the published layer stays above the files.
    assert (texts.revision(), TextChange.select().count()) == (revision, changes)
    entry = TextEntry.get(TextEntry.locale == "fr_CA", TextEntry.key == text_of(FORGOT).key)
    assert json.loads(entry.published) == ["Mot de passe perdu\xa0?"]


def test_a_catalogue_with_nothing_new_keeps_every_byte(runner, db, catalogues):
    # What pybabel wrote is what the export writes back: same width, order, header.
    for name in os.listdir(REAL):
        path = os.path.join(REAL, name, "LC_MESSAGES", "messages.po")
        if os.path.exists(path):
            with open(path, "rb") as f:
                original = f.read()
            assert texts._render_po(read(path)) == original, path
    before = snapshot(catalogues)
    # A published text the file already holds changes nothing either (not even the date).
    publish("fr", FORGOT, read(po_path(catalogues, "fr")).get(FORGOT).string)
    variants = [arg for name in ("de", "de_AT", "en_CA", "fr", "fr_CA")
                for arg in ("--variant", name)]

    result = export(runner, *variants)
    assert result.exit_code == 0, result.output
    assert "fr: 1 text written" in result.output
    assert result.output.count("file unchanged") == 5, result.output
    assert "fr_CA: 0 texts written" in result.output
    assert snapshot(catalogues) == before


def test_export_creates_the_catalogue_of_a_variant_without_one(runner, db, catalogues, tmp_path):
    assert not (catalogues / "fr_FR").exists()
    publish("fr_FR", FORGOT, "Mot de passe égaré\xa0?")

    result = export(runner, "--variant", "fr_FR", "--variant", "en_US")
    assert result.exit_code == 0, result.output
    assert "fr_FR: 1 text written" in result.output and "new catalogue" in result.output
    assert "en_US: 0 texts written" in result.output
    assert not (catalogues / "en_US").exists()      # nothing published: no empty catalogue

    catalog = read(po_path(catalogues, "fr_FR"))
    assert str(catalog.locale) == "fr_FR" and not catalog.fuzzy
    assert catalog.num_plurals == 2
    template = read(catalogues / "messages.pot")
    assert {m.id for m in catalog if m.id} == {m.id for m in template if m.id}
    assert [m.id for m in catalog if m.id and any(texts._forms(m))] == [FORGOT]
    # The same file as `pybabel init` makes, but for the date and the text.
    pybabel = os.path.join(os.path.dirname(sys.executable), "pybabel")
    subprocess.run([pybabel, "-q", "init", "-i", str(catalogues / "messages.pot"),
                    "-d", str(tmp_path / "init"), "-l", "fr_FR"], check=True)
    removed, added = changed_lines(po_path(tmp_path / "init", "fr_FR").read_text("utf-8"),
                                   po_path(catalogues, "fr_FR").read_text("utf-8"))
    assert [line for line in removed if not line.startswith('"PO-Revision-Date')] == ['msgstr ""']
    assert [line for line in added if not line.startswith('"PO-Revision-Date')] == [
        'msgstr "Mot de passe égaré\xa0?"']


def test_export_reports_a_text_the_code_no_longer_uses(runner, db, catalogues):
    gone = texts.SourceText(texts.message_key(GONE), GONE)
    assert texts.publish_value("fr_CA", gone, ["Un texte disparu"], by=None, note="test")
    publish("fr_CA", FORGOT, "Mot de passe perdu\xa0?")

    result = export(runner, "--directory", str(catalogues))
    assert result.exit_code == 0, result.output
    assert f"fr_CA: {GONE}: not in messages.pot: the code no longer uses it; skipped" in result.stderr
    assert "fr_CA: 1 text written, 1 skipped" in result.output
    catalog = read(po_path(catalogues, "fr_CA"))
    assert catalog.get(GONE) is None and catalog.get(FORGOT).string == "Mot de passe perdu\xa0?"
    assert TextEntry.get(TextEntry.key == gone.key).published is not None    # kept


def test_export_needs_a_template_in_the_directory(runner, db, tmp_path):
    result = export(runner, "--directory", str(tmp_path))
    assert result.exit_code == 1 and "no messages.pot in" in result.output


# --- import --------------------------------------------------------------------------------

def test_round_trip_into_a_fresh_database(app, runner, db, catalogues, tmp_path):
    publish("fr_CA", FORGOT, "Mot de passe perdu\xa0?")
    publish("fr_CA", READ[0], "Lu %(num)s fois", "Lu %(num)s fois (souvent)", plural=READ[1])
    published = texts.published_layer("fr_CA")
    assert export(runner).exit_code == 0
    database.close()

    # Another deployment: a new database, the app's own (unchanged) catalogues.
    fresh = make_app(tmp_path / "fresh").test_cli_runner()
    assert TextEntry.select().count() == 0
    own = len(texts.compiled("fr_CA"))    # fr_CA's own translations: shown already
    result = import_file(fresh, po_path(catalogues, "fr_CA"), "fr_CA")
    assert result.exit_code == 0, result.output
    # FORGOT replaces a text fr_CA has of its own: one of `own` is imported.
    assert f"fr_CA: 2 imported, {own - 1} unchanged, 0 refused" in result.output

    assert texts.published_layer("fr_CA") == published
    changes = list(TextChange.select().order_by(TextChange.id))
    assert [(c.locale, c.note, c.staff_id, c.before) for c in changes] == [
        ("fr_CA", "imported", None, None)] * 2
    assert texts.revision() == 2

    # Once more: everything is shown already.
    again = import_file(fresh, po_path(catalogues, "fr_CA"), "fr_CA")
    assert again.exit_code == 0, again.output
    assert f"fr_CA: 0 imported, {own + 1} unchanged, 0 refused" in again.output
    assert TextChange.select().count() == 2 and texts.revision() == 2


def test_import_refuses_a_broken_placeholder_and_imports_the_others(runner, db, tmp_path):
    inherited = texts.row("fr_CA", text_of("Password").key)
    assert inherited.origin == "inherited"          # fr's text, which fr_CA shows
    path = make_po(tmp_path / "mix.po", "fr_CA",
                   (FORGOT, "Mot de passe oublié? Demandez-le par e-mail"),
                   (ARTICLE, "%(article)s en %(langue)s"),
                   (GONE, "Un texte disparu"),
                   ("Password", inherited.forms[0]),
                   ("Sign in", "Se brancher", ["fuzzy"]),
                   (READ, ("", "")))
    broken = [p.message for p in texts.blocking(
        texts.problems(text_of(ARTICLE), "fr_CA", ["%(article)s en %(langue)s"]))]
    assert broken

    result = import_file(runner, path, "fr_CA")
    assert result.exit_code == 1, result.output
    for message in broken:
        assert f"{path}:{ARTICLE}: {message}" in result.stderr
    assert f"{path}:{GONE}: not a text of the app (not in messages.pot); skipped" in result.stderr
    # A glossary finding is a warning: the text is imported all the same.
    assert f"{path}:{FORGOT}: warning: " in result.stderr and "courriel" in result.stderr
    assert "fr_CA: 1 imported, 1 unchanged, 1 refused, 1 not in the source" in result.output

    layer = {entry.msgid: json.loads(entry.published) for entry in TextEntry.select()}
    assert layer == {FORGOT: ["Mot de passe oublié? Demandez-le par e-mail"]}
    change = TextChange.get()
    assert (change.locale, change.msgid, change.note, change.staff_id) == (
        "fr_CA", FORGOT, "imported", None)


def test_an_imported_text_is_live_on_the_page(runner, client, db, tmp_path):
    assert "Mot de passe perdu?" not in client.get("/fr-ca/login").get_data(as_text=True)
    path = make_po(tmp_path / "fr_CA.po", "fr_CA", (FORGOT, "Mot de passe perdu?"))

    result = import_file(runner, path, "fr_CA")
    assert result.exit_code == 0, result.output
    assert "fr_CA: 1 imported, 0 unchanged, 0 refused" in result.output
    assert "Mot de passe perdu?" in client.get("/fr-ca/login").get_data(as_text=True)
    assert "Mot de passe perdu?" not in client.get("/fr-fr/login").get_data(as_text=True)


def test_a_file_of_another_language_is_said_so(runner, db, tmp_path):
    path = make_po(tmp_path / "de.po", "de", (FORGOT, "Passwort verloren?"))
    result = import_file(runner, path, "de_AT")
    assert result.exit_code == 0, result.output
    assert f"{path}: a catalogue of de (its Language header), imported into de_AT" in result.stderr
    assert "de_AT: 1 imported" in result.output


@pytest.mark.parametrize("args", [
    ["translate", "import", "{path}", "--variant", "fr_BE"],
    ["translate", "export", "--variant", "fr_BE"],
])
def test_the_variant_must_be_one_the_marketers_word(runner, db, tmp_path, catalogues, args):
    path = make_po(tmp_path / "fr_BE.po", "fr_BE", (FORGOT, "Mot de passe perdu?"))
    result = runner.invoke(args=[arg.format(path=path) for arg in args])
    assert result.exit_code == 2
    assert "Invalid value for '--variant': 'fr_BE' is not one of 'en', 'en_CA'" in result.output
    assert TextEntry.select().count() == 0


def test_the_login_page_text_is_in_the_template():
    assert FORGOT in {m.id for m in read(os.path.join(REAL, "messages.pot"))}
