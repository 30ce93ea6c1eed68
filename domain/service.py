"""Service requests land in the message center as a thread of kind
"service", its topic the request type, its first message the request in
the customer's words and language, for an agent to act on."""
from flask_babel import gettext as _

from domain import messages

def request_text(kind, details, document_label=None):
    """The first message of the thread, from the answers of the form."""
    if kind == "payment_date":
        text = _("Please change my payment date to day %(day)s of each month.", day=details["day"])
    elif kind == "document_copy":
        text = _("Please send me a copy of this document: %(document)s.", document=document_label)
    else:
        text = _("Please send me a confirmation of the balance of this agreement.")
    note = details.get("note") or ""
    return text + ("\n\n" + note if note else "")


def open_request(customer, agreement, kind, body):
    return messages.open_thread(customer, agreement, kind, body, kind="service")
