"""Help-center content for tests: a category and an article of a market,
with an English, French and German version, saved through domain.help so
that search finds it. Every article's text has the word "Keyfob", and a
word of its own (unique_word(key)) so that a test finds it among others."""
import uuid

from domain import help
from models import HelpArticle, HelpCategory

VERSIONS = {
    "en": ("Your Keyfob password", "Choose **Forgot your password?** on the Keyfob sign-in page."),
    "fr": ("Votre mot de passe Keyfob", "Choisissez **Mot de passe oublié ?** sur la page Keyfob."),
    "de": ("Ihr Keyfob-Passwort", "Wählen Sie **Passwort vergessen?** auf der Keyfob-Anmeldeseite."),
}


def unique_word(key):
    """The word only the article of that key has: "kf" and its random part."""
    return "kf" + key.rsplit("-", 1)[-1]


def make_help_article(market, key=None, versions=None, category="account", views=0):
    """The article (its key is random unless given)."""
    category, _ = HelpCategory.get_or_create(market=market, key=category)
    article = HelpArticle.create(market=market, category=category, views=views,
                                 key=key or f"article-{uuid.uuid4().hex[:8]}")
    for locale, (title, body) in (versions or VERSIONS).items():
        if versions is None:
            body += f" ({unique_word(article.key)})"
        help.save_version(article, locale, title, body, published=True)
    return article
