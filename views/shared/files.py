"""Files in requests and answers, for the customers' messages and the
agents' queue alike: the room a request with files may take, a message's
file as a download, and a file made for the asker (their data) as one."""
import os

from flask import abort, current_app, make_response, send_file

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
    return _kept_to_itself(response)


def send_made_file(content, mimetype, ascii_name):
    """Bytes made for this request (a customer's data) as a download named
    `ascii_name` (plain ASCII: no quoting or encoding needed)."""
    response = make_response(content)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{ascii_name}"'
    return _kept_to_itself(response)


def _kept_to_itself(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Opened in a tab anyway, the file may run nothing of ours.
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
