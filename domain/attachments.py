"""Files sent with a message: PDF, JPEG or PNG, told by their content (not
their name or what the browser claims), at most ATTACHMENT_MAX_BYTES each
and ATTACHMENT_MAX_COUNT a message, free of malware by ClamAV
(domain.virus_scan), kept under a random name in ATTACHMENTS_DIR (outside
static/) and served only to the thread's customer and to staff, as
attachments."""
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass

import filetype
from flask import current_app

from domain import virus_scan
from models import Attachment

ALLOWED = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


@dataclass
class Upload:
    """A file that passed the checks, still in memory."""
    original_name: str
    content_type: str
    data: bytes


class Refused(Exception):
    """reason: "too_large", "wrong_type", "too_many", "empty", "infected"
    (malware found) or "scan_unavailable" (the virus scan could not be
    done); name: the file's name as the customer knows it, safe to show
    (see shown_name)."""

    def __init__(self, reason, name=""):
        super().__init__(reason)
        self.reason, self.name = reason, shown_name(name)


def shown_name(name):
    """The name a browser sent, to show in an error: no folders, no
    control characters, not endless. (Templates escape it.)"""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    return base if len(base) <= 60 else base[:57] + "…"


def safe_name(name, content_type):
    """The file name a browser sent, reduced to what is safe in a
    Content-Disposition header and on any disk: no path, letters, digits,
    dots, dashes and underscores, and the extension of what the file is."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", os.path.splitext(base)[0]).strip(".-_")[:80]
    return f"{stem or 'file'}.{ALLOWED[content_type]}"


def check_uploads(files, customer=None, staff=None):
    """The uploads of one form (werkzeug FileStorage objects; empty file
    inputs are skipped), checked; raises Refused at the first problem.
    Every file that is not empty or too large goes to the virus scan
    before its type is judged, so that malware is named (and logged) as
    such whatever it looks like; `customer` or `staff` (ids) sent it, for
    the security log."""
    config = current_app.config
    chosen = [f for f in files if f and f.filename]
    if len(chosen) > config["ATTACHMENT_MAX_COUNT"]:
        raise Refused("too_many")
    uploads = []
    for storage in chosen:
        data = storage.read(config["ATTACHMENT_MAX_BYTES"] + 1)
        if len(data) > config["ATTACHMENT_MAX_BYTES"]:
            raise Refused("too_large", storage.filename)
        if not data:
            raise Refused("empty", storage.filename)
        try:
            virus_scan.check(data, "message attachment", customer=customer, staff=staff)
        except virus_scan.Infected:
            raise Refused("infected", storage.filename) from None
        except virus_scan.Unavailable:
            raise Refused("scan_unavailable", storage.filename) from None
        kind = filetype.guess(data)
        if kind is None or kind.mime not in ALLOWED or looks_like_html(data):
            raise Refused("wrong_type", storage.filename)
        uploads.append(Upload(safe_name(storage.filename, kind.mime), kind.mime, data))
    return uploads


MARKUP = re.compile(rb"<(?:!doctype\s+html|html|head|body|script|iframe|svg|object|embed)\b",
                    re.IGNORECASE)


def looks_like_html(data):
    """A file may also be read as HTML by a browser that sniffs, or a
    viewer that is lenient (a polyglot: a PDF or an image with a page
    inside): refuse files with markup a browser would run, wherever it is.
    The downloads are sandboxed and nosniff as well."""
    return MARKUP.search(data) is not None


def save(message, uploads):
    """Write the files and their rows; call inside the message's transaction."""
    if not uploads:
        return []
    folder = current_app.config["ATTACHMENTS_DIR"]
    os.makedirs(folder, exist_ok=True)
    rows = []
    for upload in uploads:
        stored_name = secrets.token_hex(16) + "." + ALLOWED[upload.content_type]
        with open(os.path.join(folder, stored_name), "xb") as f:
            f.write(upload.data)
        rows.append(Attachment.create(message=message, stored_name=stored_name,
                                      original_name=upload.original_name,
                                      content_type=upload.content_type, size=len(upload.data)))
    return rows


def path_of(attachment):
    return os.path.join(current_app.config["ATTACHMENTS_DIR"], attachment.stored_name)
