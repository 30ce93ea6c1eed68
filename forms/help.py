"""Forms of the help center: the search box (a GET form, no CSRF token
needed: it changes nothing) and the question box; and the categories'
names, which the customers' pages and the marketers' tools both show."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from domain.help import MAX_QUERY
from forms.fields import MultilineText, PlainText, Required, strip


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search the help center"), filters=[strip], validators=[
        PlainText(_l("Your search must be 200 characters or fewer."), MAX_QUERY)])


class AskForm(FlaskForm):
    question = TextAreaField(_l("Your question"), filters=[strip], validators=[
        Required(_l("Type your question.")),
        MultilineText(_l("Your question must be 200 characters or fewer."), MAX_QUERY)])


# Categories have a key and no title of their own: the titles are the app's
# texts, translated with the others.
CATEGORY_NAMES = {
    "account": _l("Your account"),
    "agreements": _l("Your agreements"),
    "devices": _l("Devices and codes"),
    "messages": _l("The message center"),
}


def category_name(category):
    return CATEGORY_NAMES.get(category.key) or category.key.replace("-", " ").capitalize()
