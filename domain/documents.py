"""Statements and letters of an agreement.

The operator loads them with `flask documents import MAPPING.csv`: each row
names a PDF (relative to the CSV's folder) and the agreement it belongs to.
A file is accepted by its content (a PDF, whatever its name says) once
ClamAV found no malware in it (domain.virus_scan), copied
under a random name into the documents folder (outside static/, served only
through the owner's download URL), and found again by its agreement and
original name, so a second run changes nothing.

Columns: market, contract_number, kind (statement|letter), title, issued_on, file.
"""
import os
import secrets
import shutil
from dataclasses import dataclass, field

import filetype
from flask import current_app

from domain import virus_scan
from domain.agreement_import import (BadValue, agreement_of_row, contract_number, iso_date,
                                     market_of, read_rows, text)
from domain.attachments import looks_like_html, safe_name
from domain.clock import utcnow
from domain.db import database
from models import Document

COLUMNS = ("market", "contract_number", "kind", "title", "issued_on", "file")
KINDS = ("statement", "letter")
MAX_BYTES = 20 * 1024 * 1024


@dataclass
class Report:
    created: int = 0
    unchanged: int = 0
    bad_rows: list = field(default_factory=list)


def documents_dir():
    return current_app.config["DOCUMENTS_DIR"]


def path_of(document):
    return os.path.join(documents_dir(), document.stored_name)


def is_pdf(path_or_data):
    """By the bytes, not the name: filetype reads the file's signature (of
    a path or of bytes in memory)."""
    kind = filetype.guess(path_or_data)
    return kind is not None and kind.mime == "application/pdf"


def upload_problem(data, max_bytes, staff=None):
    """Why an uploaded file cannot be a document ("empty", "too_large",
    "infected", "scan_unavailable", "not_pdf"), or None. `data` holds at
    most max_bytes + 1 bytes. The virus scan comes before the type, so that
    malware is named (and logged) as such whatever it looks like; `staff`
    (an id) uploaded it, for the security log. A PDF that also holds markup
    a browser would run is refused like any other non-PDF
    (domain.attachments.looks_like_html)."""
    if not data:
        return "empty"
    if len(data) > max_bytes:
        return "too_large"
    try:
        virus_scan.check(data, "document upload", staff=staff)
    except virus_scan.Infected:
        return "infected"
    except virus_scan.Unavailable:
        return "scan_unavailable"
    if not is_pdf(data) or looks_like_html(data):
        return "not_pdf"
    return None


def checked_row(folder):
    def check(row):
        kind = (row.get("kind") or "").strip().lower()
        if kind not in KINDS:
            raise BadValue("kind must be statement or letter")
        name = text(row.get("file"), "file", 255)
        path = os.path.normpath(os.path.join(folder, name))
        if os.path.isabs(name) or not path.startswith(os.path.normpath(folder) + os.sep):
            raise BadValue("file must be a path inside the CSV's folder")
        if not os.path.isfile(path):
            raise BadValue(f"file {name} does not exist")
        if os.path.getsize(path) > MAX_BYTES:
            raise BadValue(f"file {name} is larger than {MAX_BYTES // (1024 * 1024)} MB")
        scan(path, name)
        if not is_pdf(path):
            raise BadValue(f"file {name} is not a PDF")
        market = market_of(row)
        return dict(market=market.key, contract_number=contract_number(row, market),
                    kind=kind, title=text(row.get("title"), "title", 200),
                    issued_on=iso_date(row.get("issued_on"), "issued_on"),
                    original_name=name, path=path)
    return check


def scan(path, name):
    """The import's files are scanned like uploads: they reach customers."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        virus_scan.check(data, "document import")
    except virus_scan.Infected as infected:
        raise BadValue(f"file {name} holds malware ({infected.signature})") from None
    except virus_scan.Unavailable:
        raise BadValue(f"file {name} could not be checked for malware: clamd does not answer "
                       "(CLAMD_SOCKET); try again once it runs") from None


def import_mapping(csv_path):
    report = Report()
    folder = os.path.dirname(os.path.abspath(csv_path))
    name = os.path.basename(csv_path)
    with open(csv_path, encoding="utf-8-sig", newline="") as stream:
        rows = read_rows(stream, name, COLUMNS, checked_row(folder), report)
    os.makedirs(documents_dir(), exist_ok=True)
    with database.atomic():
        for line, values in rows:
            agreement = agreement_of_row(values, name, line, report)
            if agreement is None:
                continue
            if Document.select().where(Document.agreement == agreement.id,
                                       Document.original_name == values["original_name"]).exists():
                report.unchanged += 1
                continue
            add(agreement, values["kind"], values["title"], values["issued_on"],
                values["original_name"], values["path"])
            report.created += 1
    report.bad_rows.sort()
    return report


def add(agreement, kind, title, issued_on, original_name, source_path):
    stored_name = secrets.token_hex(16) + ".pdf"
    shutil.copyfile(source_path, os.path.join(documents_dir(), stored_name))
    return Document.create(agreement=agreement, kind=kind, title=title, issued_on=issued_on,
                           stored_name=stored_name, original_name=original_name,
                           size=os.path.getsize(source_path))


def add_upload(agreement, kind, title, issued_on, original_name, data):
    """A document an agent uploaded (checked with upload_problem first).

    The original name is kept only for the record (the download is named
    after the title): made safe, and prefixed with a random token. The
    unique index on (agreement, original_name) exists for the import, which
    finds its rows again by the name in the CSV; an upload is meant each
    time, and the same name sent twice ("statement.pdf" every month) must
    make two documents, not fail. The "upload-" prefix also keeps uploads
    apart from imported files at a glance."""
    original_name = f"upload-{secrets.token_hex(4)}-{safe_name(original_name, 'application/pdf')}"
    stored_name = secrets.token_hex(16) + ".pdf"
    os.makedirs(documents_dir(), exist_ok=True)
    path = os.path.join(documents_dir(), stored_name)
    with open(path, "xb") as f:
        f.write(data)
    try:
        return Document.create(agreement=agreement, kind=kind, title=title, issued_on=issued_on,
                               stored_name=stored_name, original_name=original_name,
                               size=len(data))
    except Exception:
        # No file without its row.
        os.remove(path)
        raise


def mark_opened(document):
    """New until opened: the first download clears the mark."""
    Document.update(opened_at=utcnow()).where(Document.id == document.id,
                                              Document.opened_at.is_null()).execute()


def download_name(document):
    """A safe file name for Content-Disposition: the title's letters and
    digits, and the date."""
    stem = "".join(c if c.isalnum() else "-" for c in document.title).strip("-")[:60] or "document"
    return f"{stem}-{document.issued_on.isoformat()}.pdf"
