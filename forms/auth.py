from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import Length

from domain.passwords import MAX_LENGTH
from forms.fields import EMAIL_MAX, PlainText, Required, strip


class LoginForm(FlaskForm):
    # No format check: a typo must get the same answer as a wrong password.
    email = StringField(_l("Email address"), filters=[strip], validators=[
        Required(_l("Enter your email address.")),
        PlainText(_l("An email address must be 254 characters or fewer."), EMAIL_MAX)])
    # Not required: an empty password is a wrong one, counted toward the
    # lock and answered alike (else three empty tries cost nothing, and the
    # answer would differ from a wrong password's).
    password = PasswordField(_l("Password"), filters=[lambda value: value or ""], validators=[
        Length(max=MAX_LENGTH, message=_l("Your password must be %(max)s characters or fewer.", max=MAX_LENGTH))])


class ButtonForm(FlaskForm):
    """A form that is only a button (sign out, send again): the CSRF token."""
