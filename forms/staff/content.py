"""Forms of the marketers' content tools: a help article's version, and a
new article."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import StopValidation

from domain import help, help_content
from forms.fields import MultilineText, PlainText, Required, strip


class VersionForm(FlaskForm):
    title = StringField(_l("Title of the article"), filters=[strip], validators=[
        Required(_l("Enter the article's title.")),
        PlainText(_l("The title must be %(max)s characters or fewer.",
                     max=help_content.TITLE_MAX), help_content.TITLE_MAX)])
    body = TextAreaField(_l("Text"), filters=[strip], validators=[
        Required(_l("Enter the article's text.")),
        MultilineText(_l("The text must be %(max)s characters or fewer.",
                         max=help_content.BODY_MAX), help_content.BODY_MAX)])

    def validate_body(self, field):
        unknown = help.unknown_labels(field.data or "")
        if unknown:
            raise StopValidation(_l(
                "The site has no text “%(label)s”: between [[ and ]] write a "
                "label exactly as the list of texts shows its original, like "
                "[[Create an account]].", label=unknown[0]))


class NewArticleForm(VersionForm):
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    key = StringField(_l("Address of the article"), filters=[strip, lambda v: v.lower() if v else v],
                      validators=[Required(_l("Enter the article's address, like forgot-password."))])
    locale = SelectField(_l("Language of this first version"), choices=[], validate_choice=False)

    def __init__(self, categories, locales, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = categories
        self.locale.choices = locales

    def validate_category(self, field):
        if field.data not in dict(self.category.choices):
            raise StopValidation(_l("Choose a category from the list."))

    def validate_locale(self, field):
        if field.data not in dict(self.locale.choices):
            raise StopValidation(_l("Choose a language from the list."))

    def validate_key(self, field):
        if len(field.data) > help_content.KEY_MAX or not help_content.KEY.match(field.data):
            raise StopValidation(_l("Use only small letters, digits and dashes between words, "
                                    "like forgot-password."))
