"""Forms of the profile. They check the shape of what was typed (an address
of the market's country, a mobile number the market may text, an email
address); domain.profile applies the change."""
from babel import Locale
from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, SelectField, StringField
from wtforms.validators import Length, StopValidation

from domain import passwords, profile
from domain.accounts import email_key
from forms.fields import EmailAddress, NewPassword, PlainText, Required, personal_words, strip

PHONE_MAX = 30

PASSWORD_TOO_LONG = _l("Your password must be %(max)s characters or fewer.", max=passwords.MAX_LENGTH)


# The words for a postal code and a region, as each market names them
# (config/markets.toml: postal_code_name, region_name).
POSTAL_CODE_WORDS = {
    "postal_code": {"label": _l("Postal code"), "missing": _l("Enter your postal code."),
                    "too_long": _l("A postal code is %(max)s characters or fewer.", max=profile.POSTAL_CODE_MAX)},
    "zip_code": {"label": _l("ZIP code"), "missing": _l("Enter your ZIP code."),
                 "too_long": _l("A ZIP code is %(max)s characters or fewer.", max=profile.POSTAL_CODE_MAX)},
}
REGION_WORDS = {
    "province": {"label": _l("Province or territory"), "choose": _l("Choose a province or territory"),
                 "missing": _l("Choose your province or territory.")},
    "state": {"label": _l("State"), "choose": _l("Choose a state"),
              "missing": _l("Choose your state.")},
}


class AddressForm(FlaskForm):
    """The address in the boxes and order of the market's post (the template
    follows market.address.fields); without regions, no region box."""
    street = StringField(_l("Street and house number"), filters=[strip], validators=[
        Required(_l("Enter your street and house number.")),
        PlainText(_l("The street must be %(max)s characters or fewer.", max=profile.STREET_MAX),
                  profile.STREET_MAX)])
    city = StringField(_l("Town or city"), filters=[strip], validators=[
        Required(_l("Enter your town or city.")),
        PlainText(_l("The town or city must be %(max)s characters or fewer.", max=profile.CITY_MAX),
                  profile.CITY_MAX)])
    region = SelectField(filters=[strip], validate_choice=False)
    postal_code = StringField(filters=[strip])

    def __init__(self, market, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.market, self.rules = market, market.address
        words = POSTAL_CODE_WORDS[self.rules.postal_code_name]
        self.postal_code.label.text = words["label"]
        self.postal_code.validators = [Required(words["missing"]),
                                       PlainText(words["too_long"], profile.POSTAL_CODE_MAX)]
        if not self.rules.has_regions:
            del self.region
            return
        words = REGION_WORDS[self.rules.region_name]
        self.region.label.text = words["label"]
        self.region.choices = [("", words["choose"])] + self.rules.region_choices(get_locale())
        self.region.validators = [Required(words["missing"])]

    @property
    def boxes(self):
        """The fields in the order the market writes an address."""
        return [self[name] for name in self.rules.fields]

    def validate_region(self, field):
        # The list this form offers (the first choice, "", is stopped by Required).
        if field.data not in dict(self.region.choices):
            raise StopValidation(REGION_WORDS[self.rules.region_name]["missing"])

    def validate_postal_code(self, field):
        normalized = self.rules.normalize_postal_code(field.data)
        if normalized is None:
            example = self.rules.postal_code_example
            if self.rules.postal_code_name == "zip_code":
                raise StopValidation(_l("Enter a ZIP code of 5 digits, like %(example)s.", example=example))
            raise StopValidation(_l("Enter a postal code like %(example)s.", example=example))
        field.data = normalized


def country_names(codes):
    """"Canada and the United States" in the page's language."""
    locale = get_locale() or Locale("en")
    return format_list([locale.territories.get(code, code) for code in codes], locale=locale)


class PhoneForm(FlaskForm):
    phone = StringField(_l("Mobile phone number"), filters=[strip], validators=[
        Required(_l("Enter your mobile phone number.")),
        PlainText(_l("A phone number is %(max)s characters or fewer.", max=PHONE_MAX), PHONE_MAX)])

    def __init__(self, market, current_phone="", *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.market, self.current_phone = market, current_phone
        self.e164 = None

    def validate_phone(self, field):
        e164, problem = profile.parse_phone(self.market, field.data)
        if problem == "invalid":
            raise StopValidation(_l("Enter a mobile phone number, like %(example)s.",
                                    example=profile.example_phone(self.market)))
        if problem == "country":
            raise StopValidation(_l("We can only send text messages to numbers from %(countries)s. "
                                    "Enter a number from there.",
                                    countries=country_names(self.market.sms_countries)))
        if problem == "landline":
            raise StopValidation(_l("This is a landline number. Enter a mobile number: we send "
                                    "a code to it by text message."))
        if e164 == self.current_phone:
            raise StopValidation(_l("This is already your phone number."))
        self.e164 = e164


class EmailForm(FlaskForm):
    email = StringField(_l("New email address"), filters=[strip], validators=[
        Required(_l("Enter your new email address.")), EmailAddress()])

    def __init__(self, current_email, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_email = current_email

    def validate_email(self, field):
        if email_key(field.data) == email_key(self.current_email):
            raise StopValidation(_l("This is already your email address."))


class ConfirmPasswordForm(FlaskForm):
    current_password = PasswordField(_l("Password"), validators=[
        Required(_l("Enter your password.")),
        Length(max=passwords.MAX_LENGTH, message=PASSWORD_TOO_LONG)])


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[
        Required(_l("Enter your current password.")),
        Length(max=passwords.MAX_LENGTH, message=PASSWORD_TOO_LONG)])
    new_password = PasswordField(_l("New password"), validators=[
        Required(_l("Enter a new password.")),
        NewPassword(lambda form: form.personal_words)])

    def __init__(self, customer, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.personal_words = personal_words(customer.first_name, customer.last_name,
                                             customer.email)


class LanguageForm(FlaskForm):
    locale = RadioField(_l("Which language should we write to you in?"), choices=[],
                        validate_choice=False)

    def __init__(self, market, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = [(site.locale, site.language_name) for site in market.sites]

    def validate_locale(self, field):
        if field.data not in dict(self.locale.choices):
            raise StopValidation(_l("Choose a language."))


class DataExportForm(FlaskForm):
    """Download my data: a button (and its CSRF token). What goes in the
    file is not the customer's to choose: everything held about them."""
