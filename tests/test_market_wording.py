"""Each variant in its market's own words (issue 17, item 6): what a text
says in one market and not in another is a regional layer's string, seen
here where the customer reads it."""
from support.agreements import make_agreement
from support.customers import login, registered
from support.help_articles import make_help_article
def text(response):
    return response.get_data(as_text=True)


def signed_in(client, outbox, lang):
    registered(client, outbox, lang=lang)
    assert login(client, lang=lang).status_code == 303


def test_austria_calls_the_linking_code_an_activation_code(client, outbox, sms, db):
    """Seed 002: «Identifikation per Aktivierungscode»; Germany's layer
    keeps «Bestätigungscode»."""
    signed_in(client, outbox, "de-at")
    start = text(client.get("/de-at/agreements/link"))
    assert "Aktivierungscode per SMS" in start
    agreement = make_agreement("at")
    client.post("/de-at/agreements/link", data={"contract_number": agreement.contract_number})
    [(_number, message)] = sms.messages()
    assert "Ihr Aktivierungscode lautet" in message and "Bestätigungscode" not in message
    page = text(client.get("/de-at/agreements/link/code"))
    assert '<label for="code">Aktivierungscode</label>' in page


def test_an_unreadable_request_is_named_plainly_in_german(client, db):
    # A vote that is neither yes nor no: a request no form of ours sends.
    make_help_article("at", key="vote")
    page = client.post("/de-at/help/articles/vote/vote", data={"helpful": "maybe"})
    assert page.status_code == 400
    assert "Diese Anfrage konnten wir nicht verarbeiten" in text(page)
    assert "stimmte etwas nicht" not in text(page)
