"""Forms of the linking wizard and of device authorization. They check the
shape of what was typed (a real date, a VIN without I, O or Q, a 6-digit
code); whether it matches the lender's file is domain.linking's business."""
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.validators import StopValidation

from domain import vin as vins
from domain.clock import utcnow
from forms.fields import NAME_MAX, PlainText, Required, date_example, strip

SHORT_MAX = 40


class IdentityForm(FlaskForm):
    first_name = StringField(_l("First name"), filters=[strip], validators=[
        Required(_l("Enter your first name.")),
        PlainText(_l("Your first name must be 100 characters or fewer."), NAME_MAX)])
    last_name = StringField(_l("Last name"), filters=[strip], validators=[
        Required(_l("Enter your last name.")),
        PlainText(_l("Your last name must be 100 characters or fewer."), NAME_MAX)])
    # The date of birth as three boxes (the GOV.UK pattern): no date picker
    # to fight with on an old phone. Its one error is shown on birth_day.
    birth_day = StringField(_l("Day"), filters=[strip])
    birth_month = StringField(_l("Month"), filters=[strip])
    birth_year = StringField(_l("Year"), filters=[strip])
    vin = StringField(_l("Vehicle identification number (VIN)"), filters=[strip], validators=[
        Required(_l("Enter the vehicle identification number (VIN)."))])
    last_payment = StringField(_l("Amount of your last payment"), filters=[strip], validators=[
        Required(_l("Enter the amount of your last payment."))])

    def __init__(self, check_digit=False, date_fields=("day", "month", "year"), *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.check_digit = check_digit
        self.date_fields = date_fields
        self.birth_date = None

    def birth_example(self):
        """A date of birth written in the order of the market's boxes."""
        return date_example(27, 3, 1985, self.date_fields)

    def validate_birth_day(self, field):
        parts = (self.birth_day.data, self.birth_month.data, self.birth_year.data)
        if not any(parts):
            raise StopValidation(_l("Enter your date of birth."))
        try:
            day, month, year = (int(p) for p in parts)
            born = date(year, month, day)
        except (TypeError, ValueError):
            raise StopValidation(_l("Enter a real date of birth, for example %(example)s.",
                                    example=self.birth_example())) from None
        if born >= utcnow().date() or year < 1900:
            raise StopValidation(_l("Enter a real date of birth, for example %(example)s.",
                                    example=self.birth_example()))
        self.birth_date = born

    def validate_vin(self, field):
        field.data = vins.normalize(field.data)
        if re.search(r"[IOQ]", field.data):
            raise StopValidation(_l("A VIN never contains the letters I, O or Q. Check for the numbers 1 and 0."))
        if len(field.data) != 17:
            raise StopValidation(_l("Enter all 17 characters of the VIN."))
        if not vins.is_valid(field.data, self.check_digit):
            raise StopValidation(_l("This is not a valid VIN. Check each character."))

    def validate_last_payment(self, field):
        amount = parse_amount(field.data)
        if amount is None:
            raise StopValidation(_l("Enter the amount as on your statement, for example 412.50."))
        field.amount = amount


def parse_amount(text):
    """An amount as people type it, in any of our locales: "412.50",
    "412,50", "1 234,56 $", "€ 1.234,56", "$1,234.56". None if it is not one."""
    text = re.sub(r"[\s\u00a0\u202f$€]|CAD|USD|EUR", "", text or "", flags=re.I)
    if not re.fullmatch(r"\d{1,3}([.,]?\d{3})*([.,]\d{1,2})?|\d+([.,]\d{1,2})?", text):
        return None
    # The last separator followed by one or two digits is the decimal one;
    # any other separator groups thousands.
    match = re.search(r"[.,](\d{1,2})$", text)
    whole = re.sub(r"[.,]", "", text[:match.start()] if match else text)
    try:
        return Decimal(whole + ("." + match.group(1) if match else ""))
    except InvalidOperation:
        return None


class CustomerNumberForm(FlaskForm):
    customer_number = StringField(_l("Customer ID"), filters=[strip], validators=[
        Required(_l("Enter the customer ID printed on your owner's card.")),
        PlainText(_l("A customer ID is 40 characters or fewer."), SHORT_MAX)])

    def validate_customer_number(self, field):
        field.data = re.sub(r"[\s-]", "", field.data).upper()


class ContractForm(FlaskForm):
    contract_number = StringField(_l("Contract number"), filters=[strip], validators=[
        Required(_l("Enter your contract number.")),
        PlainText(_l("A contract number is 40 characters or fewer."), SHORT_MAX)])

    def __init__(self, pattern, example, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pattern, self.example = pattern, example

    def validate_contract_number(self, field):
        field.data = re.sub(r"[\s-]", "", field.data).upper()
        if not re.fullmatch(self.pattern, field.data):
            raise StopValidation(_l("Enter the contract number as on your contract, for example %(example)s.",
                                    example=self.example))


class CodeForm(FlaskForm):
    code = StringField(_l("Security code"), filters=[strip], validators=[
        Required(_l("Enter the 6-digit code."))])

    def validate_code(self, field):
        field.data = re.sub(r"\s", "", field.data)
        if not re.fullmatch(r"\d{6}", field.data):
            raise StopValidation(_l("The code has 6 digits, like 123456."))


REMEMBER_CHOICES = [("yes", _l("Remember this device")),
                    ("no", _l("Ask me for a code every time"))]


class DeviceCodeForm(CodeForm):
    remember = RadioField(_l("Next time you sign in on this device"), choices=REMEMBER_CHOICES,
                          validate_choice=False)

    def validate_remember(self, field):
        if field.data not in ("yes", "no"):
            raise StopValidation(_l("Choose whether to remember this device."))


def destination_label(destination):
    if destination.channel == "sms":
        return _l("Text message to %(number)s", number=destination.masked)
    return _l("Email to %(address)s", address=destination.masked)


class DestinationForm(FlaskForm):
    destination = RadioField(_l("Where should we send your code?"), choices=[], validate_choice=False)

    def __init__(self, destinations, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.by_key = {d.key: d for d in destinations}
        self.destination.choices = [(d.key, destination_label(d)) for d in destinations]

    def validate_destination(self, field):
        if field.data not in self.by_key:
            raise StopValidation(_l("Choose where to send your code."))
