"""The marketers' side of the help center: new articles, a draft beside
each version's published text, publishing and unpublishing, and what they
need to know: which articles are missing in which language, the most read,
the least helpful, and the questions that found nothing.

Customers read only a version's published title and body; a draft
(draft_title, draft_body) waits beside them until it is published, so
editing a live article never shows half-done text.
"""
import re
from dataclasses import dataclass

from peewee import fn

from domain import help
from domain.clock import utcnow
from domain.db import database
from models import HelpArticle, HelpArticleVersion, HelpCategory, HelpQuestion

KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KEY_MAX = 100
TITLE_MAX = 200
BODY_MAX = 20000


class KeyTaken(Exception):
    pass


def editable_locales(market):
    """The locales an article of `market` can have a version in: each of
    the market's locales and its language (fr_CA and fr), best known first."""
    locales = []
    for locale in market.locales:
        for candidate in (locale, locale.split("_")[0]):
            if candidate not in locales:
                locales.append(candidate)
    return locales


def create_article(market, category_key, key, locale, title, body, by):
    """A new article with a first version in `locale`, as a draft."""
    category = HelpCategory.get(HelpCategory.market == market.key,
                                HelpCategory.key == category_key)
    with database.atomic():
        if HelpArticle.select().where(HelpArticle.market == market.key,
                                      HelpArticle.key == key).exists():
            raise KeyTaken(key)
        last = (HelpArticle.select(fn.MAX(HelpArticle.position))
                .where(HelpArticle.category == category).scalar() or 0)
        article = HelpArticle.create(market=market.key, category=category, key=key,
                                     position=last + 1)
        save_draft(article, locale, title, body, by)
    return article


def version_of(article, locale):
    return (HelpArticleVersion.select()
            .where(HelpArticleVersion.article == article,
                   HelpArticleVersion.locale == locale).first())


def save_draft(article, locale, title, body, by):
    """Keep the marketer's text as the version's draft; a version that
    never had text gets it as its (unpublished) title and body too."""
    version = version_of(article, locale)
    if version is None:
        version = HelpArticleVersion(article=article, locale=locale, title=title, body=body,
                                     published=False)
    version.draft_title, version.draft_body = title, body
    version.updated_by, version.updated_at = by, utcnow()
    version.save()
    return version


def publish(article, locale, by):
    """The draft becomes what customers read (and search finds), in one
    transaction; a version without a draft is published as it is."""
    version = version_of(article, locale)
    with database.atomic():
        title = version.draft_title if version.draft_title is not None else version.title
        body = version.draft_body if version.draft_body is not None else version.body
        version = help.save_version(article, locale, title, body, published=True)
        version.draft_title = version.draft_body = None
        version.updated_by = by
        version.save()
    return version


def unpublish(article, locale, by):
    """Customers no longer see this version (they read the next one of
    their chain, if any); its text is kept."""
    return (HelpArticleVersion.update(published=False, updated_by=by, updated_at=utcnow())
            .where(HelpArticleVersion.article == article,
                   HelpArticleVersion.locale == locale).execute())


def discard_draft(article, locale, by):
    version = version_of(article, locale)
    never_had_other_text = (not version.published and version.title == version.draft_title
                            and version.body == version.draft_body)
    if never_had_other_text:
        # A new version that was never published: the draft is all there is.
        version.delete_instance()
    else:
        # The text saved before (published, or unpublished later) stays.
        version.draft_title = version.draft_body = None
        version.updated_by, version.updated_at = by, utcnow()
        version.save()


def draft_or_text(version):
    """(title, body) a marketer edits: the draft if any, else the text."""
    if version is None:
        return "", ""
    if version.draft_title is not None:
        return version.draft_title, version.draft_body
    return version.title, version.body


# --- what marketers see --------------------------------------------------------------

@dataclass
class Coverage:
    """One article of a market, and per locale of the market how its
    readers get it: "own" (a published version in that locale), "language"
    (the language's version: fr for fr_CA), "other" (another language:
    the article is missing in theirs) or "none" (not readable at all)."""
    article: HelpArticle
    title: str
    states: dict        # locale -> (state, version or None)
    drafts: list        # locales with a draft waiting


def coverage(market):
    """[Coverage] of every article of the market, in category order."""
    articles = list(HelpArticle.select(HelpArticle, HelpCategory).join(HelpCategory)
                    .where(HelpArticle.market == market.key)
                    .order_by(HelpCategory.position, HelpArticle.position, HelpArticle.key))
    versions = {}
    if articles:
        for version in HelpArticleVersion.select().where(
                HelpArticleVersion.article.in_([a.id for a in articles])):
            versions.setdefault(version.article_id, {})[version.locale] = version
    rows = []
    for article in articles:
        own = versions.get(article.id, {})
        published = {locale for locale, version in own.items() if version.published}
        states = {}
        for locale in market.locales:
            language = locale.split("_")[0]
            chain = help.fallback_chain(market, locale)
            reads = next((candidate for candidate in chain if candidate in published), None)
            if reads is None:
                state = "none"
            elif reads == locale:
                state = "own"
            elif reads.split("_")[0] == language:
                state = "language"
            else:
                state = "other"
            states[locale] = (state, own.get(reads) if reads else None)
        any_version = next(iter(own.values()), None)
        title = next((own[l].title for l in editable_locales(market) if l in own),
                     any_version.title if any_version else article.key)
        drafts = [locale for locale, version in own.items()
                  if version.draft_title is not None]
        rows.append(Coverage(article, title, states, sorted(drafts)))
    return rows


def missing(market):
    """{locale: [Coverage]} of the articles whose readers of that locale get
    another language or nothing."""
    result = {locale: [] for locale in market.locales}
    for row in coverage(market):
        for locale, (state, _version) in row.states.items():
            if state in ("other", "none"):
                result[locale].append(row)
    return result


def most_viewed(market, limit=10):
    return list(HelpArticle.select().where(HelpArticle.market == market.key)
                .order_by(HelpArticle.views.desc(), HelpArticle.id).limit(limit))


def least_helpful(market, limit=10):
    """Articles with at least one vote, the largest share of "no" first."""
    votes = HelpArticle.helpful_yes + HelpArticle.helpful_no
    return list(HelpArticle.select()
                .where(HelpArticle.market == market.key, votes > 0)
                .order_by((HelpArticle.helpful_no * 1.0 / votes).desc(),
                          HelpArticle.helpful_no.desc(), HelpArticle.id)
                .limit(limit))


def unanswered_questions(market, limit=20):
    """[(text, locale, times asked)] of the questions that found no article,
    the most asked first."""
    times = fn.COUNT(HelpQuestion.id)
    return [(row.text, row.locale, row.times) for row in
            HelpQuestion.select(HelpQuestion.text, HelpQuestion.locale, times.alias("times"))
            .where(HelpQuestion.market == market.key, HelpQuestion.found == 0)
            .group_by(HelpQuestion.text, HelpQuestion.locale)
            .order_by(times.desc(), HelpQuestion.text).limit(limit)]


def answer_feedback(market):
    """(questions asked, answers that helped, answers that did not)."""
    def count(*where):
        return HelpQuestion.select().where(HelpQuestion.market == market.key, *where).count()
    return (count(), count(HelpQuestion.helpful == True),      # noqa: E712
            count(HelpQuestion.helpful == False))               # noqa: E712
