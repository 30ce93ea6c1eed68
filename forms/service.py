"""The service request forms: which request for which agreement, then the
details that request needs."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import StopValidation

from domain.ids import parse_number
from forms.fields import MultilineText, Required, strip

NOTE_MAX = 1000

REQUEST_LABELS = {
    "payment_date": _l("Change of payment date"),
    "document_copy": _l("Copy of a document"),
    "balance_confirmation": _l("Confirmation of the balance"),
}
DOCUMENT_LABELS = {
    "contract": _l("Your contract"),
    "statement": _l("An account statement"),
    "payment_schedule": _l("Your payment schedule"),
}


class RequestChoiceForm(FlaskForm):
    kind = RadioField(_l("What do you need?"), choices=[], validate_choice=False)
    agreement = RadioField(_l("For which agreement?"), choices=[], validate_choice=False)

    def __init__(self, kinds, agreements, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(kind, REQUEST_LABELS[kind]) for kind in kinds]
        self.agreement.choices = [
            (str(a.id), _l("%(vehicle)s, contract %(number)s", vehicle=a.vehicle_model,
                           number=a.contract_number)) for a in agreements]
        if len(agreements) == 1 and not self.agreement.data:
            self.agreement.data = str(agreements[0].id)

    def validate_kind(self, field):
        if field.data not in dict(self.kind.choices):
            raise StopValidation(_l("Choose what you need."))

    def validate_agreement(self, field):
        if field.data not in dict(self.agreement.choices):
            raise StopValidation(_l("Choose the agreement."))


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Anything else we should know? (optional)"), filters=[strip], validators=[
        MultilineText(_l("Write at most %(max)s characters.", max=NOTE_MAX), NOTE_MAX)])


class PaymentDateForm(NoteForm):
    day = StringField(_l("New payment day"), filters=[strip], validators=[
        Required(_l("Enter a day from 1 to 28."))])

    def validate_day(self, field):
        if parse_number(field.data, default=None, maximum=28) is None:
            raise StopValidation(_l("Enter a day from 1 to 28."))


class DocumentCopyForm(NoteForm):
    document = RadioField(_l("Which document do you need?"), choices=list(DOCUMENT_LABELS.items()),
                          validate_choice=False)

    def validate_document(self, field):
        if field.data not in DOCUMENT_LABELS:
            raise StopValidation(_l("Choose the document you need."))


DETAIL_FORMS = {
    "payment_date": PaymentDateForm,
    "document_copy": DocumentCopyForm,
    "balance_confirmation": NoteForm,
}
