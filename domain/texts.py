"""Marketers' texts: every interface and email text, per variant, worded
live without a deploy.

The compiled catalogues (translations/*.po, by developers) stay the
baseline. What marketers publish is a layer above them in the database
(TextEntry.published), merged by domain.i18n in this order for fr_CA:
fr's catalogue, fr's published texts, fr_CA's catalogue, fr_CA's published
texts; so each variant falls back to its language and then to the source.

Every published change raises TextRevision.number in the same
transaction. Each server process keeps its merged catalogues until that
number changes: one small query a request tells it (check_revision), so a
change published through one process is served by all on their next
request, without a restart and without writing a file on the server.

A draft (TextEntry.draft) is seen only by its author, on the real pages,
while their preview mode is on (domain.i18n asks preview_drafts()).
"""
import difflib
import hashlib
import json
import os
from dataclasses import dataclass, field

from babel import Locale
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from flask import g, has_app_context
from peewee import JOIN

from domain import text_checks
from domain.languages import SOURCE_LANGUAGE, VARIANTS, language_of
from domain.clock import utcnow
from domain import db
from domain.db import database
from models import Staff, TextChange, TextEntry, TextRevision

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRANSLATIONS = os.path.join(HERE, "translations")
POT = os.path.join(TRANSLATIONS, "messages.pot")

# The variants marketers word: each language, and each regional variant a
# site is served in, over its language (domain.languages, from the markets).


def parent(variant):
    """fr_CA -> fr; a language's parent is the source (None)."""
    language = variant.split("_")[0]
    return language if language != variant else None


def chain(variant):
    """The layers to merge, most general first: fr_CA -> [fr, fr_CA]."""
    return [layer for layer in (parent(variant), variant) if layer]


def message_key(msgid, plural=None):
    """A short, fixed-length name of a source text, for URLs and indexes."""
    return hashlib.sha256(f"{msgid}\x00{plural or ''}".encode()).hexdigest()[:32]


def plural_count(variant):
    return get_plural(variant).num_plurals


# --- the source texts and the compiled catalogues (files, read once) -------------------

@dataclass(frozen=True)
class SourceText:
    key: str
    id: str
    plural: str = None
    locations: tuple = ()
    # Filled in with % when shown: every text of a template (Flask-Babel's
    # Jinja gettext always formats), and those with placeholders.
    formatted: bool = True

    @property
    def source(self):
        return (self.id, self.plural) if self.plural else self.id

    @property
    def places(self):
        """Where readers meet the text: [(kind, name)], kind one of PLACES."""
        return sorted({place_of(path) for path in self.locations})

    @property
    def forms(self):
        return [self.id, self.plural] if self.plural else [self.id]


# Where a text shows, told from the file that uses it: a customer's page, an
# email, a text message or the back office. Texts of the Python code (form
# errors, notices) show on pages.
PLACES = ("page", "email", "sms", "back_office")


def place_of(path):
    """(kind, name) of a file of messages.pot's locations: templates/email/
    activation.txt -> ("email", "activation"), templates/auth/login.html ->
    ("page", "auth/login"), forms/staff/texts.py -> ("back_office", "texts")."""
    stem = os.path.splitext(path)[0].replace(os.sep, "/")
    for prefix, kind in (("templates/email/", "email"), ("templates/sms/", "sms"),
                         ("templates/staff/", "back_office"), ("views/staff/", "back_office"),
                         ("forms/staff/", "back_office"), ("templates/", "page")):
        if stem.startswith(prefix):
            return kind, stem[len(prefix):].lstrip("_")
    return "page", stem.rsplit("/", 1)[-1]


_files = {}


def _read(path, build):
    """build(catalog) of the .po/.pot file at `path`, read again only when
    the file changed (a deployment brings new files)."""
    try:
        mtime = os.stat(path).st_mtime_ns
    except FileNotFoundError:
        return build(None)
    cached = _files.get(path)
    if cached is None or cached[0] != mtime:
        with open(path, "rb") as f:
            cached = (mtime, build(read_po(f)))
        _files[path] = cached
    return cached[1]


def _source_texts(catalog):
    texts = {}
    for message in catalog or ():
        if not message.id:
            continue
        msgid, plural = (message.id if isinstance(message.id, (list, tuple))
                         else (message.id, None))
        files = tuple(sorted({location for location, _line in message.locations}))
        formatted = ("python-format" in message.flags
                     or any(name.startswith("templates") for name in files) or not files)
        key = message_key(msgid, plural)
        texts[key] = SourceText(key, msgid, plural, files, formatted)
    return texts


def source_texts():
    """{key: SourceText} of every text of the app (translations/messages.pot)."""
    return _read(POT, _source_texts)


def _compiled_forms(catalog):
    forms = {}
    for message in catalog or ():
        if not message.id or message.fuzzy:
            continue
        values = list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]
        if all(values):
            msgid, plural = (message.id if isinstance(message.id, (list, tuple))
                             else (message.id, None))
            forms[message_key(msgid, plural)] = values
    return forms


def compiled(variant):
    """{key: forms} of the variant's own catalogue file."""
    return _read(os.path.join(TRANSLATIONS, variant, "LC_MESSAGES", "messages.po"),
                 _compiled_forms)


# --- the layer in the database, as the app reads it -----------------------------------

def revision():
    # Asked on every request: plain SQL, without building a query each time.
    row = database.execute_sql("SELECT number FROM text_revision WHERE id = 1").fetchone()
    return row[0] if row else 0


def _bump():
    """Raise the revision in the caller's transaction: every process drops
    its merged catalogues on its next request."""
    if not TextRevision.update(number=TextRevision.number + 1).where(TextRevision.id == 1).execute():
        TextRevision.create(id=1, number=1)


def revision_known(number):
    """The revision, read by someone else in this request (domain.page_cache
    reads it with the page versions): check_revision need not ask again."""
    if has_app_context():
        g._texts_revision = number


def check_revision(cache, state):
    """Clear `cache` (a process's merged catalogues) when the revision in
    the database is not the one they were built at; asked once a request.
    `state` is a dict the caller keeps for the process."""
    if not has_app_context():
        return
    if g.get("_texts_revision_checked"):
        return
    g._texts_revision_checked = True
    # The database too: tests (and a shell) open several in one process.
    known = g.get("_texts_revision")
    seen = (db.generation(), known if known is not None else revision())
    if state.get("revision") != seen:
        cache.clear()
        state["revision"] = seen


def catalog_entries(msgid, plural, forms):
    """The keys Babel's Translations looks up: the msgid, or (msgid, n)
    for each plural form."""
    if plural is None:
        return {msgid: forms[0]}
    return {(msgid, index): form for index, form in enumerate(forms)}


def published_layer(variant):
    """{catalog key: text} of what marketers published in `variant`."""
    layer = {}
    for entry in TextEntry.select(TextEntry.msgid, TextEntry.msgid_plural, TextEntry.published).where(
            TextEntry.locale == variant, TextEntry.published.is_null(False)):
        layer.update(catalog_entries(entry.msgid, entry.msgid_plural, json.loads(entry.published)))
    return layer


def preview_drafts(layers):
    """{catalog key: text} of the drafts the previewing marketer wrote in
    `layers` (most general first), or None when no preview is on."""
    staff_id = g.get("text_preview_by") if has_app_context() else None
    if not staff_id:
        return None
    drafts = {}
    for layer in layers:
        for entry in TextEntry.select().where(TextEntry.locale == layer,
                                              TextEntry.draft_by == staff_id,
                                              TextEntry.draft.is_null(False)):
            drafts.update(catalog_entries(entry.msgid, entry.msgid_plural, json.loads(entry.draft)))
    return drafts


# --- what the editor shows -------------------------------------------------------------

ORIGINS = ("overridden", "own", "inherited", "source", "missing")


@dataclass
class Row:
    text: SourceText
    forms: list            # what readers of the variant get
    origin: str            # one of ORIGINS
    origin_locale: str     # the layer it comes from (None: the source)
    entry: TextEntry = None
    similar: list = field(default_factory=list)   # for a text no longer in the source

    @property
    def draft(self):
        return json.loads(self.entry.draft) if self.entry and self.entry.draft else None


def entries(variant):
    return {entry.key: entry for entry in TextEntry.select().where(TextEntry.locale == variant)}


def resolve(text, variant, db_layers, files=None):
    """(forms, origin, layer) of `text` in `variant`: its own published
    text, its own catalogue, then its parent's (published, catalogue)."""
    for layer in reversed(chain(variant)):
        entry = db_layers.get(layer, {}).get(text.key)
        if entry is not None and entry.published is not None:
            origin = "overridden" if layer == variant else "inherited"
            return json.loads(entry.published), origin, layer
        forms = (files or compiled)(layer).get(text.key)
        if forms:
            return forms, "own" if layer == variant else "inherited", layer
    return text.forms, "source" if language_of(variant) == SOURCE_LANGUAGE else "missing", None


def rows(variant, query="", show="", place_names=None):
    """The editor's list for `variant`: every source text with what its
    readers get, filtered by `show` (an ORIGINS value, "draft", "changed"
    or "unused") and by `query` (in the source, the text, or where used:
    the file, or a place as `place_names` {kind: name} calls it, e.g.
    "email" or "Text message")."""
    db_layers = {layer: entries(layer) for layer in chain(variant)}
    own = db_layers[variant]
    sources = source_texts()
    result = []
    if show in ("changed", "unused"):
        ids = [text.id for text in sources.values()]
        for entry in own.values():
            if entry.key in sources:
                continue
            similar = difflib.get_close_matches(entry.msgid, ids, n=3, cutoff=0.75)
            if (show == "changed") == bool(similar):
                text = SourceText(entry.key, entry.msgid, entry.msgid_plural)
                forms = json.loads(entry.published or entry.draft or "null") or text.forms
                result.append(Row(text, forms, "overridden", variant, entry, similar))
    else:
        for text in sources.values():
            forms, origin, layer = resolve(text, variant, db_layers)
            row = Row(text, forms, origin, layer, own.get(text.key))
            if show == "draft" and row.draft is None:
                continue
            if show in ORIGINS and origin != show:
                continue
            result.append(row)
    if query:
        folded = query.casefold()
        names = place_names or {}
        result = [row for row in result if folded in " ".join(
            [row.text.id, row.text.plural or "", *row.forms, *row.text.locations,
             *(f"{kind} {names.get(kind, kind)}: {name}" for kind, name in row.text.places)]
        ).casefold()]
    return sorted(result, key=lambda row: row.text.id.casefold())


def row(variant, key):
    """The editor's Row of one text, or None when the source has no such text."""
    text = source_texts().get(key)
    if text is None:
        return None
    db_layers = {layer: entries(layer) for layer in chain(variant)}
    forms, origin, layer = resolve(text, variant, db_layers)
    return Row(text, forms, origin, layer, db_layers[variant].get(key))


def siblings(variant, text):
    """[(variant, forms, origin)] of the same text in the variants of the
    same language, for side-by-side reading."""
    language = variant.split("_")[0]
    result = []
    for other in VARIANTS:
        if other != variant and other.split("_")[0] == language:
            db_layers = {layer: entries(layer) for layer in chain(other)}
            forms, origin, _layer = resolve(text, other, db_layers)
            result.append((other, forms, origin))
    return result


def problems(text, variant, forms):
    """The checks of domain.text_checks on a proposed wording."""
    translation = forms if text.plural else forms[0]
    return text_checks.check(text.source, translation, variant, formatted=text.formatted)


def blocking(found):
    return [problem for problem in found if problem.blocking]


# --- changing texts ---------------------------------------------------------------------

def _entry(variant, text):
    entry = TextEntry.get_or_none(TextEntry.locale == variant, TextEntry.key == text.key)
    return entry or TextEntry(locale=variant, key=text.key, msgid=text.id,
                              msgid_plural=text.plural)


def save_draft(variant, text, forms, by):
    entry = _entry(variant, text)
    entry.draft, entry.draft_by, entry.draft_at = json.dumps(forms), by, utcnow()
    entry.save()
    return entry


def discard_draft(variant, key):
    TextEntry.update(draft=None, draft_by=None, draft_at=None).where(
        TextEntry.locale == variant, TextEntry.key == key).execute()


def _set_published(entry, forms_json, by, note):
    TextChange.create(locale=entry.locale, key=entry.key, msgid=entry.msgid,
                      msgid_plural=entry.msgid_plural, before=entry.published,
                      after=forms_json, staff=by, note=note)
    entry.published, entry.published_by, entry.published_at = forms_json, by, utcnow()
    entry.save()


def drafts_of(by, variant):
    """How many drafts `by` has waiting in `variant` (what "Publish my
    drafts" would publish there)."""
    return TextEntry.select().where(TextEntry.draft_by == by, TextEntry.locale == variant,
                                    TextEntry.draft.is_null(False)).count()


def publish_drafts(by, variant=None, key=None):
    """Publish the drafts of `by` (all, one variant's, or one text's) in one
    transaction; returns how many. A draft that no longer passes the checks
    (the source changed) stays a draft."""
    query = TextEntry.select().where(TextEntry.draft_by == by, TextEntry.draft.is_null(False))
    if variant:
        query = query.where(TextEntry.locale == variant)
    if key:
        query = query.where(TextEntry.key == key)
    sources = source_texts()
    published = 0
    with database.atomic():
        for entry in query:
            text = sources.get(entry.key)
            if text is None or blocking(problems(text, entry.locale, json.loads(entry.draft))):
                continue
            _set_published(entry, entry.draft, by, "published")
            entry.draft = entry.draft_by = entry.draft_at = None
            entry.save()
            published += 1
        if published:
            _bump()
    return published


def publish_value(variant, text, forms, by, note):
    """Publish `forms` (None: inherit again) for a text at once, with its
    history entry: for reverts and imports, which passed their checks."""
    with database.atomic():
        entry = _entry(variant, text)
        value = json.dumps(forms) if forms is not None else None
        if entry.published == value:
            return False
        _set_published(entry, value, by, note)
        _bump()
    return True


def forms_of(value):
    """The forms kept as JSON in a TextEntry or TextChange; None stays None
    (the variant inherits)."""
    return json.loads(value) if value else None


def history(variant=None, key=None, limit=50, before_id=None):
    """Published changes, newest first (keyset paging on the id), each
    with its author (or None) in the same query."""
    query = (TextChange.select(TextChange, Staff)
             .join(Staff, JOIN.LEFT_OUTER, on=(TextChange.staff == Staff.id))
             .order_by(TextChange.id.desc()).limit(limit))
    if variant:
        query = query.where(TextChange.locale == variant)
    if key:
        query = query.where(TextChange.key == key)
    if before_id:
        query = query.where(TextChange.id < before_id)
    return list(query)


def _text_of(change):
    return (source_texts().get(change.key)
            or SourceText(change.key, change.msgid, change.msgid_plural))


def revert_change(change, by):
    """Put back what the text was before `change`."""
    before = json.loads(change.before) if change.before else None
    return publish_value(change.locale, _text_of(change), before, by, "reverted")


def revert_since(change, by):
    """Put back every text changed since `change` (it included) as it was
    before: one transaction, one revision. Returns how many texts."""
    changes = list(TextChange.select().where(TextChange.id >= change.id).order_by(TextChange.id))
    first = {}
    for each in changes:
        first.setdefault((each.locale, each.key), each)
    with database.atomic():
        count = 0
        for each in first.values():
            entry = _entry(each.locale, _text_of(each))
            if entry.published != each.before:
                _set_published(entry, each.before, by, "reverted")
                count += 1
        if count:
            _bump()
    return count


# --- round-trip with the catalogue files ------------------------------------------------
# `flask translate export` writes the published layer into the .po files, for
# developers to commit; `flask translate import` loads a .po file into the
# layer through the editor's checks. Neither touches the other side: export
# leaves the database as it is (the published layer still wins over the
# files), import writes no file.
import datetime as _datetime                        # noqa: E402  (this section's own)
from io import BytesIO                              # noqa: E402

from babel.messages.pofile import write_po          # noqa: E402

# What `flask translate update` (pybabel update --ignore-obsolete) leaves, so
# that reading and writing back an unchanged catalogue changes no byte.
PO_WRITE_OPTIONS = dict(width=76, ignore_obsolete=True, include_previous=False)


def catalogue_path(directory, variant):
    return os.path.join(directory, variant, "LC_MESSAGES", "messages.po")


def _ids(message):
    """(msgid, plural or None) of a catalogue message."""
    return (tuple(message.id) if isinstance(message.id, (list, tuple)) else (message.id, None))


def _forms(message):
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def _render_po(catalog):
    out = BytesIO()
    write_po(out, catalog, **PO_WRITE_OPTIONS)
    return out.getvalue()


def _write_atomically(path, content):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "wb") as f:
        f.write(content)
    os.replace(temporary, path)


def _new_catalogue(template_bytes, variant, now):
    """What `pybabel init` makes of the template for `variant`."""
    catalog = read_po(BytesIO(template_bytes), locale=variant)
    catalog.locale = Locale.parse(variant)
    catalog.revision_date = now
    catalog.fuzzy = False
    return catalog


@dataclass
class ExportReport:
    variant: str
    path: str
    written: int = 0          # published texts the file now holds
    created: bool = False     # the catalogue did not exist: made from the template
    changed: bool = False     # the file was (re)written
    skipped: list = field(default_factory=list)   # (msgid, why)


def published_entries(variants=None):
    """{variant: [TextEntry]} of the published texts, in VARIANTS order."""
    query = TextEntry.select().where(TextEntry.published.is_null(False))
    if variants:
        query = query.where(TextEntry.locale.in_(list(variants)))
    found = {}
    for entry in query.order_by(TextEntry.msgid, TextEntry.id):
        found.setdefault(entry.locale, []).append(entry)
    order = {variant: index for index, variant in enumerate(VARIANTS)}
    return dict(sorted(found.items(), key=lambda item: (order.get(item[0], len(order)), item[0])))


def export_published(directory, variants=None, now=None):
    """Write the published texts of `variants` (None: every variant that has
    some) into the catalogues under `directory`: msgstr (or each plural form)
    of their msgid. A catalogue missing is made from `directory`/messages.pot
    as `pybabel init` would; a file is written only when a byte changes
    (then its PO-Revision-Date too). A text the template no longer has, or
    that its catalogue lacks, is skipped with the reason. [ExportReport]"""
    now = now or _datetime.datetime.now(_datetime.timezone.utc)
    with open(os.path.join(directory, "messages.pot"), "rb") as f:
        template_bytes = f.read()
    template_keys = {message_key(*_ids(m)) for m in read_po(BytesIO(template_bytes)) if m.id}
    by_variant = published_entries(variants)
    reports = []
    for variant in (variants or by_variant):
        published = by_variant.get(variant, [])
        path = catalogue_path(directory, variant)
        report = ExportReport(variant, path)
        reports.append(report)
        try:
            with open(path, "rb") as f:
                original = f.read()
        except FileNotFoundError:
            original = None
        if original is None and not published:
            continue                      # nothing to write: no empty catalogue
        catalog = (read_po(BytesIO(original)) if original is not None
                   else _new_catalogue(template_bytes, variant, now))
        report.created = original is None
        for entry in published:
            if entry.key not in template_keys:
                report.skipped.append((entry.msgid, "not in messages.pot: the code no longer uses it"))
                continue
            message = catalog.get(entry.msgid)
            if message is None or message_key(*_ids(message)) != entry.key:
                report.skipped.append((entry.msgid, "not in the catalogue yet: run "
                                                    "`flask translate update` first"))
                continue
            forms = json.loads(entry.published)
            message.string = tuple(forms) if entry.msgid_plural else forms[0]
            message.flags.discard("fuzzy")
            report.written += 1
        content = _render_po(catalog)
        if content != original:
            if original is not None:
                catalog.revision_date = now
                content = _render_po(catalog)
            _write_atomically(path, content)
            report.changed = True
    return reports


@dataclass
class ImportReport:
    imported: int = 0
    unchanged: int = 0
    refused: list = field(default_factory=list)    # (msgid, [blocking problem messages])
    unknown: list = field(default_factory=list)    # msgids the source does not have
    warnings: list = field(default_factory=list)   # (msgid, non-blocking problem message)


def import_catalogue(catalog, variant, note="imported"):
    """Publish in `variant` every translated message (not fuzzy, no form
    empty) of a babel Catalog, through the editor's checks: a message with a
    blocking problem is refused, one the source does not have is skipped,
    one equal to what the variant already shows (published or compiled,
    along its chain) is unchanged. One transaction; one history entry (by
    nobody, with `note`) per text published. ImportReport."""
    sources = source_texts()
    db_layers = {layer: entries(layer) for layer in chain(variant)}
    report = ImportReport()
    with database.atomic():
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            forms = _forms(message)
            if not all(forms):
                continue
            msgid, plural = _ids(message)
            text = sources.get(message_key(msgid, plural))
            if text is None:
                report.unknown.append(msgid)
                continue
            found = problems(text, variant, forms)
            errors = blocking(found)
            if errors:
                report.refused.append((msgid, [problem.message for problem in errors]))
                continue
            report.warnings.extend((msgid, p.message) for p in found if not p.blocking)
            shown, _origin, _layer = resolve(text, variant, db_layers)
            if list(shown) != forms:
                if publish_value(variant, text, forms, by=None, note=note):
                    report.imported += 1
                    continue
            report.unchanged += 1
    return report
