"""domain.i18n.label_text: a lazy label written once per request and
language, as plain text the templates escape."""
from flask_babel import force_locale, lazy_gettext

from domain.i18n import label_text
from forms.messages import TOPIC_LABELS

TRICKY = lazy_gettext("<b>Not a tag</b>")


def test_a_label_is_written_in_the_language_asked_each_time(app):
    with app.test_request_context("/fr-ca/help"):
        app.preprocess_request()
        french = label_text(TOPIC_LABELS["other"])
        with force_locale("de_AT"):
            german = label_text(TOPIC_LABELS["other"])
        assert french != german
        assert label_text(TOPIC_LABELS["other"]) == french == str(TOPIC_LABELS["other"])


def test_a_label_is_plain_text_for_the_template_to_escape(app):
    with app.test_request_context("/en-ca/help"):
        app.preprocess_request()
        rendered = app.jinja_env.from_string("{{ label }}").render(label=label_text(TRICKY))
        assert rendered == "&lt;b&gt;Not a tag&lt;/b&gt;"


def test_a_label_made_on_each_call_is_made_once_per_request_and_language(app):
    made = []

    def make():
        made.append(1)
        return lazy_gettext("Messages")

    with app.test_request_context("/fr-ca/help"):
        app.preprocess_request()
        first = label_text(make, key=("test", 1))
        assert label_text(make, key=("test", 1)) == first and len(made) == 1
        with force_locale("de_AT"):
            assert label_text(make, key=("test", 1)) != first and len(made) == 2
