"""Checks shared by several forms. Every message is translated and says
what to do, not only what is wrong."""
import unicodedata

from email_validator import EmailNotValidError
from flask_babel import lazy_gettext as _l
from wtforms.validators import StopValidation, ValidationError

from domain import passwords
from domain.accounts import normalized_email

NAME_MAX = 100
EMAIL_MAX = 254


def date_example(day, month, year, order=("day", "month", "year")):
    """A date as the boxes of `order` are filled: "27 3 1985", "3 27 1985"."""
    values = {"day": day, "month": month, "year": year}
    return " ".join(str(values[key]) for key in order)


def strip(value):
    return value.strip() if isinstance(value, str) else value


def has_control_characters(text):
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in text)


class Required:
    """Like wtforms' InputRequired, with our own message, and it stops the
    other checks so that an empty field gets one clear error."""

    def __init__(self, message):
        self.message = message
        self.field_flags = {"required": True}

    def __call__(self, form, field):
        if not field.data or (isinstance(field.data, str) and not field.data.strip()):
            field.errors[:] = []
            raise StopValidation(self.message)


class PlainText:
    """At most `maximum` characters, no control characters."""

    def __init__(self, too_long, maximum):
        self.too_long, self.maximum = too_long, maximum

    def __call__(self, form, field):
        if len(field.data) > self.maximum:
            raise StopValidation(self.too_long)
        if has_control_characters(field.data):
            raise StopValidation(_l("Remove the special characters from this field."))


class MultilineText:
    """Text typed in a box of several lines: at most `maximum` characters
    (Windows line ends counted as one), line breaks and tabs allowed, no
    other control characters."""

    def __init__(self, too_long, maximum):
        self.too_long, self.maximum = too_long, maximum

    def __call__(self, form, field):
        field.data = (field.data or "").replace("\r\n", "\n")
        if len(field.data) > self.maximum:
            raise StopValidation(self.too_long)
        if has_control_characters(field.data.replace("\n", "").replace("\t", "")):
            raise StopValidation(_l("Remove the special characters from this field."))


class EmailAddress:
    def __call__(self, form, field):
        if len(field.data) > EMAIL_MAX:
            raise StopValidation(_l("An email address must be 254 characters or fewer."))
        try:
            field.data = normalized_email(field.data)
        except EmailNotValidError:
            raise StopValidation(_l("Enter an email address in the right format, like name@example.com.")) from None


PASSWORD_PROBLEMS = {
    "too_short": _l("Your password must be at least %(min)s characters long.", min=passwords.MIN_LENGTH),
    "too_long": _l("Your password must be %(max)s characters or fewer.", max=passwords.MAX_LENGTH),
    "common": _l("This password is too common and easy to guess. Try a few unrelated words instead."),
    "personal": _l("Your password must not contain your name or your email address."),
}


def personal_words(first_name, last_name, email):
    """Words of the account a new password must not contain."""
    email = email or ""
    return (first_name, last_name, email, email.split("@")[0])


class NewPassword:
    """The password policy of domain.passwords; `context` gives the words
    of the account that a password must not contain."""

    def __init__(self, context=lambda form: ()):
        self.context = context

    def __call__(self, form, field):
        problem = passwords.problem(field.data, self.context(form))
        if problem:
            raise ValidationError(PASSWORD_PROBLEMS[problem])
