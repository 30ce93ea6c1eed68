"""Forms of the staff sign-in. The address and password form is the
customers' (forms.auth.LoginForm): the same checks, the same messages."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import StopValidation

from domain.staff import RECOVERY_ALPHABET, RECOVERY_LENGTH
from forms.fields import Required, strip
from forms.link import CodeForm


class TotpForm(CodeForm):
    code = StringField(_l("Code from your authenticator app"), filters=[strip], validators=[
        Required(_l("Enter the 6-digit code from your authenticator app."))])


class RecoveryCodeForm(FlaskForm):
    code = StringField(_l("Recovery code"), filters=[strip], validators=[
        Required(_l("Enter one of your recovery codes."))])

    def validate_code(self, field):
        typed = re.sub(r"[\s-]", "", field.data[:100]).lower()
        if len(typed) != RECOVERY_LENGTH or set(typed) - set(RECOVERY_ALPHABET):
            raise StopValidation(_l("A recovery code has 16 letters and digits in 4 groups, like the ones you saved."))
