"""The message center's forms: a new message (topic, agreement, text,
files) and a reply (text, files). The files are checked by content and
scanned for malware in domain.attachments; a refusal becomes an error at
the file field. Who sends them (`sender`: {"customer": id} or {"staff":
id}) is for the security log when a file carries malware."""
import functools

from babel.units import format_unit
from flask import current_app
from flask_babel import get_locale, gettext as _, lazy_gettext as _l, ngettext
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import RadioField, TextAreaField
from wtforms.validators import StopValidation

from domain import attachments
from domain.i18n import label_text
from domain.messages import BODY_MAX
from forms.fields import MultilineText, Required, strip
from forms.service import REQUEST_LABELS

TOPIC_LABELS = {
    "payments": _l("Payments"),
    "contract_end": _l("End of contract"),
    "documents": _l("Documents"),
    "vehicle": _l("Your vehicle"),
    "account": _l("Your online account"),
    "other": _l("Something else"),
}
NO_AGREEMENT = "none"
# The browser's file picker offers these; the content decides (domain.attachments).
ACCEPT = ".pdf,.jpg,.jpeg,.png"


def topic_label(thread):
    """What a thread is about, in the customer's language: a message topic,
    or the request of a service thread."""
    labels = REQUEST_LABELS if thread.kind == "service" else TOPIC_LABELS
    return label_text(labels.get(thread.topic, TOPIC_LABELS["other"]))


def file_size(size):
    """A size in bytes as the locale writes it: "10 MB", "10 Mo", "100 kB"."""
    if size >= 1024 * 1024:
        value, unit = round(size / (1024 * 1024), 1), "digital-megabyte"
    else:
        value, unit = -(-size // 1024), "digital-kilobyte"
    if value == int(value):
        value = int(value)
    return _unit_text(value, unit, get_locale())


@functools.lru_cache(maxsize=256)
def _unit_text(value, unit, locale):
    # Babel's units take longer than the rest of a thread's form: every
    # file field's hint writes the same limit.
    return format_unit(value, unit, length="short", locale=locale)


def file_limits():
    """The hint of every file field (and the 413 page)."""
    config = current_app.config
    count = config["ATTACHMENT_MAX_COUNT"]
    return ngettext("PDF, JPEG or PNG, at most %(size)s, at most %(num)s file.",
                    "PDF, JPEG or PNG, at most %(size)s each, at most %(num)s files.",
                    count, size=file_size(config["ATTACHMENT_MAX_BYTES"]))


def refusal_message(refused):
    config = current_app.config
    if refused.reason == "too_many":
        return ngettext("Choose at most %(num)s file.", "Choose at most %(num)s files.",
                        config["ATTACHMENT_MAX_COUNT"])
    if refused.reason == "too_large":
        return _("The file %(name)s is larger than %(size)s. Choose a smaller file.",
                 name=refused.name, size=file_size(config["ATTACHMENT_MAX_BYTES"]))
    if refused.reason == "empty":
        return _("The file %(name)s is empty. Choose another file.", name=refused.name)
    if refused.reason == "infected":
        return _("Our virus check found harmful content in the file %(name)s. Nothing was sent. "
                 "Choose another file.", name=refused.name)
    if refused.reason == "scan_unavailable":
        return _("We cannot check files for viruses right now, so nothing was sent. "
                 "Try again in a few minutes.")
    return _("The file %(name)s is not a PDF, JPEG or PNG file. Choose another file.",
             name=refused.name)


def sending_limit_message(verdict):
    """A message refused by the customer's limit (views.shared.limits.message_limit):
    when to send it again. The page keeps what was typed."""
    minutes = max(1, -(-verdict.retry_after // 60))
    return ngettext("You have sent us many messages in a short time. Wait %(num)s minute, "
                    "then send this one again.",
                    "You have sent us many messages in a short time. Wait %(num)s minutes, "
                    "then send this one again.", minutes)


# Each form declares its fields in page order (the error summary follows it);
# these make the shared ones.
def body_field(label):
    return TextAreaField(label, filters=[strip], validators=[
        Required(_l("Write your message.")),
        MultilineText(_l("Write at most %(max)s characters.", max=BODY_MAX), BODY_MAX)])


def files_field():
    return MultipleFileField(_l("Attach files (optional)"))


class WithFiles:
    """The file check of a form with an `attachments` field: the checked
    files wait in .uploads, a refusal in .refused, and its reason in
    .file_problem (views.shared.answers.form_status answers 413 or 503 for
    the reasons that are no mistake in the form)."""
    uploads = ()
    refused = None

    def __init__(self, *args, sender=None, **kwargs):
        self.sender = sender or {}
        super().__init__(*args, **kwargs)

    def validate_attachments(self, field):
        try:
            self.uploads = attachments.check_uploads(field.data or [], **self.sender)
        except attachments.Refused as refused:
            self.refused = refused
            raise StopValidation(refusal_message(refused)) from None

    @property
    def file_problem(self):
        return self.refused.reason if self.refused is not None else None

    def files_dropped(self):
        """Files were fine but something else was not: the page shown again
        cannot keep them (browsers do not let a page fill a file field)."""
        return bool(self.errors and self.uploads)


class ComposeForm(WithFiles, FlaskForm):
    topic = RadioField(_l("What is your message about?"), choices=[], validate_choice=False)
    agreement = RadioField(_l("Which agreement is it about?"), choices=[], validate_choice=False)
    body = body_field(_l("Your message"))
    attachments = files_field()

    def __init__(self, topics, agreements, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.topic.choices = [(topic, TOPIC_LABELS[topic]) for topic in topics]
        self.agreements = {str(a.id): a for a in agreements}
        self.chosen_agreement = None
        if not agreements:
            # Nothing to choose from: the message is about no agreement.
            del self.agreement
            return
        self.agreement.choices = [
            (str(a.id), _l("%(vehicle)s, contract %(number)s", vehicle=a.vehicle_model,
                           number=a.contract_number)) for a in agreements]
        self.agreement.choices.append((NO_AGREEMENT, _l("It is not about an agreement")))
        if len(agreements) == 1 and not self.is_submitted():
            self.agreement.data = str(agreements[0].id)

    def validate_topic(self, field):
        if field.data not in dict(self.topic.choices):
            raise StopValidation(_l("Choose what your message is about."))

    def validate_agreement(self, field):
        # Another customer's agreement is answered like a missing one.
        if field.data not in dict(self.agreement.choices):
            raise StopValidation(_l("Choose the agreement your message is about."))
        self.chosen_agreement = self.agreements.get(field.data)


class ReplyForm(WithFiles, FlaskForm):
    body = body_field(_l("Your answer"))
    attachments = files_field()
