"""The question box keeps what customers ask, for marketers: the text
without email addresses and numbers, how many articles answered it, and
whether the answer helped (once, and only from the visitor who asked)."""
import pytest

from domain.help import without_personal_data
from models import HelpQuestion
from support.help_articles import make_help_article


def text(response):
    return response.get_data(as_text=True)


def ask(client, question, lang="en-ca"):
    answer = client.post(f"/{lang}/help/ask", data={"question": question})
    assert answer.status_code == 200
    return answer


@pytest.mark.parametrize("question, kept", [
    ("My email is ana.silva@example.com, why no link?", "My email is … why no link?"),
    ("Contract S0123456789 won't link", "Contract … won't link"),
    ("VIN WBA3A5C51CF256985 not accepted", "VIN … not accepted"),
    ("Call me at 514 555-0123 please", "Call me at … please"),
    ("I paid 1 234,56 $ on 2026-11-03", "I paid … $ on …"),
    ("Why 3 tries and 10 minutes?", "Why 3 tries and 10 minutes?"),
])
def test_questions_are_kept_without_addresses_and_numbers(question, kept):
    assert without_personal_data(question) == kept


def test_a_question_is_kept_with_what_it_found(client, db):
    make_help_article("ca", key="password")
    ask(client, "How do I reset my Keyfob password? I am ana@example.com")
    ask(client, "Can I pay with seashells?", lang="fr-ca")
    found, nothing = HelpQuestion.select().order_by(HelpQuestion.id)
    assert (found.market, found.locale, found.found) == ("ca", "en_CA", 1)
    assert found.text == "How do I reset my Keyfob password? I am …"
    assert (nothing.locale, nothing.found, nothing.helpful) == ("fr_CA", 0, None)


def test_the_asker_says_once_whether_the_answer_helped(client, db):
    make_help_article("ca", key="password")
    page = text(ask(client, "Keyfob password"))
    question = HelpQuestion.get()
    action = f"/en-ca/help/ask/{question.id}/helped"
    assert f'action="{action}"' in page and "Did this answer your question?" in page
    said = client.post(action, data={"helped": "no"})
    assert said.status_code == 303 and said.location.endswith("/en-ca/help/ask")
    assert "Thank you for your answer." in text(client.get(said.location))
    client.post(action, data={"helped": "yes"})
    assert HelpQuestion.get_by_id(question.id).helpful is False


def test_only_the_asker_counts(app, client, db):
    make_help_article("ca", key="password")
    ask(client, "Keyfob password")
    question = HelpQuestion.get()
    stranger = app.test_client()
    answer = stranger.post(f"/en-ca/help/ask/{question.id}/helped", data={"helped": "yes"})
    assert answer.status_code == 303
    assert HelpQuestion.get_by_id(question.id).helpful is None


def test_with_htmx_the_thank_you_swaps_in_place(client, db):
    make_help_article("ca", key="password")
    ask(client, "Keyfob password")
    question = HelpQuestion.get()
    answer = client.post(f"/en-ca/help/ask/{question.id}/helped", data={"helped": "yes"},
                         headers={"HX-Request": "true"})
    assert text(answer).startswith('<div id="help-helped"') and "<main" not in text(answer)
    assert HelpQuestion.get_by_id(question.id).helpful is True


@pytest.mark.parametrize("data", [{}, {"helped": "maybe"}])
def test_an_answer_that_is_neither_yes_nor_no_is_refused(client, db, data):
    make_help_article("ca", key="password")
    ask(client, "Keyfob password")
    question = HelpQuestion.get()
    assert client.post(f"/en-ca/help/ask/{question.id}/helped", data=data).status_code == 400
    assert HelpQuestion.get_by_id(question.id).helpful is None


def test_no_feedback_form_when_nothing_was_found(client, db):
    page = text(ask(client, "Can I pay with seashells?"))
    assert "Did this answer your question?" not in page
