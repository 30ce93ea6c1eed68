"""The agents' forms: the queue's filters (a GET form: a wrong value
shows the default instead, there is nothing to correct), an answer with
files (the same checks as the customers'), assigning a thread, and a
statement or letter uploaded to one of the customer's agreements."""
import re
from datetime import date

from flask import current_app
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import Form, RadioField, SelectField, StringField
from wtforms.validators import StopValidation

from domain import documents
from domain.markets import MARKETS, MESSAGE_TOPICS, SERVICE_REQUESTS
from domain.queue import ANYONE, ME, UNASSIGNED, Filters
from forms.fields import PlainText, Required, strip
from forms.messages import TOPIC_LABELS, WithFiles, body_field, file_size, files_field
from forms.service import REQUEST_LABELS

EVERY = ""      # the value of "all markets", "all topics"


def market_label(market):
    """The market as an agent reads it: its country in the agent's
    language, and its brand (a country may have several)."""
    country = get_locale().territories.get(market.country, market.country)
    return _l("%(country)s (%(brand)s)", country=country, brand=market.brand)


def topic_choices():
    return ([(topic, TOPIC_LABELS[topic]) for topic in MESSAGE_TOPICS]
            + [(request, REQUEST_LABELS[request]) for request in SERVICE_REQUESTS])


class QueueFilterForm(Form):
    market = SelectField(_l("Market"), validate_choice=False, default=EVERY)
    topic = SelectField(_l("Topic"), validate_choice=False, default=EVERY)
    status = SelectField(_l("Status"), validate_choice=False, default="open")
    assignee = SelectField(_l("Assigned to"), validate_choice=False, default=ANYONE)

    def __init__(self, formdata, team):
        super().__init__(formdata)
        self.market.choices = ([(EVERY, _l("All markets"))]
                               + [(key, market_label(market)) for key, market in MARKETS.items()])
        self.topic.choices = [(EVERY, _l("All topics"))] + topic_choices()
        self.status.choices = [("open", _l("Open")), ("closed", _l("Closed"))]
        self.assignee.choices = ([(ANYONE, _l("Anyone")), (ME, _l("Me")),
                                  (UNASSIGNED, _l("Nobody yet"))]
                                 + [(str(member.id), member.name) for member in team])
        for field in self:
            if field.data not in dict(field.choices):
                field.data = field.default

    def filters(self):
        return Filters(market=self.market.data or None, topic=self.topic.data or None,
                       status=self.status.data, assignee=self.assignee.data)

    def args(self):
        """The filters as query arguments, for the pager's links."""
        return {field.name: field.data for field in self if field.data != field.default}


class AgentReplyForm(WithFiles, FlaskForm):
    body = body_field(_l("Your answer"))
    attachments = files_field()


class AssignForm(FlaskForm):
    assignee = SelectField(_l("Assign to someone else"), validate_choice=False)

    def __init__(self, team, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.assignee.choices = [(str(member.id), member.name) for member in team]

    def validate_assignee(self, field):
        if field.data not in dict(field.choices):
            raise StopValidation(_l("Choose who takes this conversation."))


TITLE_MAX = 200
DOCUMENT_KINDS = {"statement": _l("Statement"), "letter": _l("Letter")}


def document_limits():
    """The hint of the document's file field (and its 413 page)."""
    return _("A PDF file, at most %(size)s.",
             size=file_size(current_app.config["DOCUMENT_MAX_BYTES"]))


class DocumentForm(FlaskForm):
    """A statement or letter for one of the thread's customer's agreements.
    An agreement that is not theirs is the view's 404, not an error here."""
    agreement = SelectField(_l("Agreement"), validate_choice=False)
    kind = RadioField(_l("What is it?"), choices=list(DOCUMENT_KINDS.items()),
                      validate_choice=False)
    title = StringField(_l("Title of the document"), filters=[strip], validators=[
        Required(_l("Enter the title the customer sees.")),
        PlainText(_l("Write at most %(max)s characters.", max=TITLE_MAX), TITLE_MAX)])
    # Its one error is shown on issued_day (the summary links there).
    issued_day = StringField(_l("Day"), filters=[strip])
    issued_month = StringField(_l("Month"), filters=[strip])
    issued_year = StringField(_l("Year"), filters=[strip])
    document = FileField(_l("PDF file"))

    def __init__(self, agreements, today, *args, sender=None, **kwargs):
        """`today`: where the customer's market is; a document is not
        issued later. `sender`: {"staff": id}, who uploads, for the
        security log when the file carries malware."""
        super().__init__(*args, **kwargs)
        self.sender = sender or {}
        self.agreements = {str(a.id): a for a in agreements}
        self.agreement.choices = [
            (str(a.id), _l("%(vehicle)s, contract %(number)s", vehicle=a.vehicle_model,
                           number=a.contract_number)) for a in agreements]
        self.today = today
        self.issued_on = None
        self.data_bytes = None
        self.file_problem = None

    def chosen_agreement(self):
        return self.agreements.get(self.agreement.data or "")

    def foreign_agreement(self):
        """An agreement was named that is not one of the customer's."""
        return bool(self.agreement.data) and self.chosen_agreement() is None

    def example(self):
        return f"{self.today.day} {self.today.month} {self.today.year}"

    def validate_agreement(self, field):
        if self.chosen_agreement() is None:
            raise StopValidation(_l("Choose the agreement the document belongs to."))

    def validate_kind(self, field):
        if field.data not in DOCUMENT_KINDS:
            raise StopValidation(_l("Choose whether it is a statement or a letter."))

    def validate_issued_day(self, field):
        parts = (self.issued_day.data, self.issued_month.data, self.issued_year.data)
        if not any(parts):
            raise StopValidation(_l("Enter the date the document was issued."))
        try:
            if not all(re.fullmatch(r"[0-9]{1,2}", p or "") for p in parts[:2]) \
                    or not re.fullmatch(r"[0-9]{4}", parts[2] or ""):
                raise ValueError
            day, month, year = (int(p) for p in parts)
            issued_on = date(year, month, day)
        except ValueError:
            raise StopValidation(_l("Enter a real date, for example %(example)s.",
                                    example=self.example())) from None
        if issued_on > self.today:
            raise StopValidation(_l("The date cannot be in the future. Enter the date on the document."))
        self.issued_on = issued_on

    def validate_document(self, field):
        storage = field.data
        if not storage or not getattr(storage, "filename", ""):
            raise StopValidation(_l("Choose the PDF file."))
        limit = current_app.config["DOCUMENT_MAX_BYTES"]
        # One byte more than allowed is enough to tell it is too large.
        data = storage.read(limit + 1)
        self.file_problem = documents.upload_problem(data, limit, **self.sender)
        if self.file_problem == "empty":
            raise StopValidation(_l("The file is empty. Choose another file."))
        if self.file_problem == "too_large":
            raise StopValidation(_l("The file is larger than %(size)s. Choose a smaller file.",
                                    size=file_size(limit)))
        if self.file_problem == "not_pdf":
            raise StopValidation(_l("The file is not a PDF. Choose a PDF file."))
        if self.file_problem == "infected":
            raise StopValidation(_l("Our virus check found harmful content in this file. "
                                    "Nothing was added. Choose another file."))
        if self.file_problem == "scan_unavailable":
            raise StopValidation(_l("We cannot check files for viruses right now, so nothing "
                                    "was added. Try again in a few minutes."))
        self.data_bytes = data

    def file_dropped(self):
        """The file was fine but something else was not: the page shown
        again cannot keep it (browsers do not let a page fill a file field)."""
        return bool(self.errors and self.data_bytes)
