from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, RadioField, StringField
from wtforms.validators import StopValidation

from forms.fields import NAME_MAX, EmailAddress, NewPassword, PlainText, Required, strip

TITLE_LABELS = {
    "mr": _l("Mr."),
    "ms": _l("Ms."),
    "mx": _l("Mx."),
}


class NameForm(FlaskForm):
    title = RadioField(_l("Title"), choices=[], validate_choice=False)
    first_name = StringField(_l("First name"), filters=[strip], validators=[
        Required(_l("Enter your first name.")),
        PlainText(_l("Your first name must be 100 characters or fewer."), NAME_MAX)])
    last_name = StringField(_l("Last name"), filters=[strip], validators=[
        Required(_l("Enter your last name.")),
        PlainText(_l("Your last name must be 100 characters or fewer."), NAME_MAX)])

    def __init__(self, titles, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.titles = titles
        self.title.choices = [(key, TITLE_LABELS[key]) for key in titles]

    def validate_title(self, field):
        if not self.titles:
            field.data = ""
        elif field.data not in self.titles:
            raise StopValidation(_l("Select your title."))


class EmailAddressForm(FlaskForm):
    email = StringField(_l("Email address"), filters=[strip], validators=[
        Required(_l("Enter your email address.")), EmailAddress()])


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("Password"), validators=[
        Required(_l("Enter a password.")),
        NewPassword(lambda form: form.personal_words)])

    def __init__(self, personal_words=(), *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.personal_words = personal_words


class TermsForm(FlaskForm):
    accept_terms = BooleanField(_l("I accept the terms of use"), validators=[
        Required(_l("Accept the terms of use to create your account."))])
