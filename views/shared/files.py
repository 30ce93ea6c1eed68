"""Files in requests and answers, for the customers' messages and the
agents' queue alike: the room a request with files may take, and a
message's file as a download."""
import os

from flask import abort, current_app, send_file

from domain import attachments

# Room for the text fields and the multipart framing beside the files.
TEXT_ROOM = 1024 * 1024


def attachments_room():
    """What a request carrying a message's files may weigh. The app takes at
    most MAX_CONTENT_LENGTH (1 MB): a URL value preprocessor raises it to
    this before anyone parses the body (CSRFProtect does, before any view);
    a bigger request still gets the 413 page."""
    config = current_app.config
    return config["ATTACHMENT_MAX_COUNT"] * config["ATTACHMENT_MAX_BYTES"] + TEXT_ROOM


def send_attachment(row):
    """A message's file as a download, for whoever may see it (the thread's
    customer, or an agent, each through their own route)."""
    path = attachments.path_of(row)
    if not os.path.isfile(path):
        abort(404)
    response = send_file(path, mimetype=row.content_type, as_attachment=True,
                         download_name=row.original_name, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Opened in a tab anyway, the file may run nothing of ours.
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
