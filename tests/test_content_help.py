"""The marketers' help-center tools: a new article is a draft; a draft of
a published version waits beside it, rendered in the preview, until it is
published; unpublishing hides a version; the list says which articles are
missing in which language; the report shows the most read, the least
helpful and the questions that found nothing."""
import pytest

from models import HelpArticle, HelpArticleVersion, HelpCategory
from support.help_articles import make_help_article
from support.reading import errors
from support.staff import staff_signed_in


def text(response):
    return response.get_data(as_text=True)


@pytest.fixture
def marketer(client, db):
    return staff_signed_in(client, role="marketer", name="Morgan Marketer")


def version(article, locale):
    return HelpArticleVersion.get(HelpArticleVersion.article == article,
                                  HelpArticleVersion.locale == locale)


def test_a_new_article_is_a_draft_until_published(client, app, marketer):
    HelpCategory.create(market="ca", key="account", position=1)
    answer = client.post("/staff/content/help/new?market=ca", data={
        "category": "account", "key": "winter-tires", "locale": "fr_CA",
        "title": "Pneus d'hiver", "body": "Vos **pneus** d'hiver sont inclus."})
    assert answer.status_code == 303
    article = HelpArticle.get(HelpArticle.key == "winter-tires")
    assert answer.location == f"/staff/content/help/articles/{article.id}/fr_CA"
    customer = app.test_client()
    assert customer.get("/fr-ca/help/articles/winter-tires").status_code == 404
    page = text(client.get(answer.location))
    assert "<strong>pneus</strong>" in page and "Not published" in page
    assert client.post(answer.location, data={"action": "publish"}).status_code == 303
    shown = text(customer.get("/fr-ca/help/articles/winter-tires"))
    assert "Pneus d&#39;hiver" in shown and "<strong>pneus</strong>" in shown
    assert "Pneus" in text(customer.get("/fr-ca/help/search?q=pneu"))
    assert version(article, "fr_CA").updated_by_id == marketer.id


def test_a_draft_of_a_live_article_waits_for_publishing(client, app, marketer):
    article = make_help_article("ca", key="password")
    url = f"/staff/content/help/articles/{article.id}/en"
    saved = client.post(url, data={"action": "save", "title": "New title",
                                   "body": "Choose *Forgot* now."})
    assert saved.status_code == 303
    customer = app.test_client()
    assert "Your Keyfob password" in text(customer.get("/en-ca/help/articles/password"))
    assert "New title" not in text(customer.get("/en-ca/help/articles/password"))
    page = text(client.get(url))
    assert "A draft is waiting to be published." in page and "<em>Forgot</em>" in page
    client.post(url, data={"action": "publish"})
    shown = text(customer.get("/en-ca/help/articles/password"))
    assert "New title" in shown and "<em>Forgot</em>" in shown
    assert version(article, "en").draft_title is None
    # Search finds the new words, not the old ones.
    assert "New title" in text(customer.get("/en-ca/help/search?q=forgot"))


def test_discarding_a_draft_keeps_the_published_text(client, app, marketer):
    article = make_help_article("ca", key="password")
    url = f"/staff/content/help/articles/{article.id}/en"
    client.post(url, data={"action": "save", "title": "Oops", "body": "Oops"})
    client.post(url, data={"action": "discard"})
    kept = version(article, "en")
    assert (kept.title, kept.draft_title, kept.published) == ("Your Keyfob password", None, True)


def test_unpublishing_falls_back_along_the_chain(client, app, marketer):
    article = make_help_article("ca", key="password")
    customer = app.test_client()
    client.post(f"/staff/content/help/articles/{article.id}/fr", data={"action": "unpublish"})
    page = text(customer.get("/fr-ca/help/articles/password"))
    assert "Your Keyfob password" in page and '<p class="notice">' in page


def test_preview_without_saving_renders_and_keeps_nothing(client, marketer):
    article = make_help_article("ca", key="password")
    answer = client.post(f"/staff/content/help/articles/{article.id}/en", data={
        "action": "preview", "title": "Tried", "body": "<script>alert(1)</script> **ok**"})
    assert answer.status_code == 200
    page = text(answer)
    assert "<strong>ok</strong>" in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    assert version(article, "en").draft_title is None


@pytest.mark.parametrize("data, problem", [
    ({"title": "", "body": "x"}, "Enter the article's title."),
    ({"title": "x" * 201, "body": "x"}, "The title must be 200 characters or fewer."),
    ({"title": "T", "body": " "}, "Enter the article's text."),
    ({"title": "T\x07", "body": "x"}, "Remove the special characters from this field."),
    ({"title": "T", "body": "Choose [[Sign up now]]."},
     "The site has no text “Sign up now”: between [[ and ]] write a label exactly as the "
     "list of texts shows its original, like [[Create an account]]."),
])
def test_a_bad_version_is_refused_and_the_text_kept(client, marketer, data, problem):
    article = make_help_article("ca", key="password")
    answer = client.post(f"/staff/content/help/articles/{article.id}/en",
                         data=dict(data, action="save"))
    assert answer.status_code == 422 and errors(answer) == [problem]
    assert version(article, "en").draft_title is None


@pytest.mark.parametrize("key, problem", [
    ("Winter Tires", "Use only small letters, digits and dashes between words, like forgot-password."),
    ("", "Enter the article's address, like forgot-password."),
    ("password", "This market has an article at this address already. Choose another address."),
])
def test_a_new_article_needs_a_free_address(client, marketer, key, problem):
    make_help_article("ca", key="password")
    answer = client.post("/staff/content/help/new?market=ca", data={
        "category": "account", "key": key, "locale": "en", "title": "T", "body": "B"})
    assert answer.status_code == 422 and errors(answer) == [problem]


def test_a_locale_the_market_has_not_is_not_found(client, marketer):
    article = make_help_article("at", key="password")
    assert client.get(f"/staff/content/help/articles/{article.id}/fr_CA").status_code == 404
    assert client.get(f"/staff/content/help/articles/{article.id}/de_AT").status_code == 200
    assert client.get("/staff/content/help?market=xx").status_code == 404


def test_the_list_says_what_is_missing_in_which_language(client, marketer):
    make_help_article("ca", key="english-only", versions={"en": ("Only English", "Text.")})
    make_help_article("ca", key="french-only", versions={"fr": ("Seulement français", "Texte.")})
    page = text(client.get("/staff/content/help?market=ca"))
    missing = page.split("Missing in a language", 1)[1].split("Every article", 1)[0]
    english, french = missing.split("French (Canada)")
    assert "Seulement français" in english and "Only English" not in english
    assert "Only English" in french and "Seulement français" not in french
    assert "The language's version (fr)" in page


def test_the_report_shows_reads_votes_and_questions_that_found_nothing(client, app, marketer):
    read = make_help_article("ca", key="most-read", views=40)
    disliked = make_help_article("ca", key="disliked")
    HelpArticle.update(helpful_yes=1, helpful_no=3).where(HelpArticle.id == disliked.id).execute()
    customer = app.test_client()
    for _ in range(2):
        customer.post("/en-ca/help/ask", data={"question": "Can I pay with seashells? ana@example.com"})
    page = text(client.get("/staff/content/help/report?market=ca"))
    assert page.index(read.key) < page.index(disliked.key)
    assert "3 of 4 readers said it did not help" in page
    assert "Can I pay with seashells? …</td><td>English (Canada)</td><td>2</td>" in page
    assert "ana@example.com" not in page
    assert "2 questions asked" in page


def test_discarding_a_draft_of_an_unpublished_version_keeps_its_text(client, app, marketer):
    article = make_help_article("ca", key="password")
    url = f"/staff/content/help/articles/{article.id}/en"
    client.post(url, data={"action": "unpublish"})
    client.post(url, data={"action": "save", "title": "Draft", "body": "Draft"})
    client.post(url, data={"action": "discard"})
    kept = version(article, "en")
    assert (kept.title, kept.published, kept.draft_title) == ("Your Keyfob password", False, None)


def test_discarding_a_new_versions_only_draft_removes_it(client, marketer):
    article = make_help_article("ca", key="password", versions={"en": ("Only English", "Text.")})
    url = f"/staff/content/help/articles/{article.id}/fr_CA"
    client.post(url, data={"action": "save", "title": "Brouillon", "body": "Texte."})
    client.post(url, data={"action": "discard"})
    assert not HelpArticleVersion.select().where(HelpArticleVersion.locale == "fr_CA").exists()
