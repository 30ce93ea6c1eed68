"""The help center: which version of an article a customer reads, saving a
version, and searching in the customer's language.

An article missing in the customer's locale falls back along a chain
(de_AT -> de -> the market's first locale and its language), and says so.

Search finds the words whatever their form ("Passwörter" finds "Passwort",
"oublie" finds "oublié"), ranks title matches above body matches and pages:
- SQLite: the FTS5 table help_search holds the title and body as folded,
  stemmed words. FTS5's own stemmer (porter) is English only, so the words
  are stemmed here with the Snowball stemmers (snowballstemmer, the same
  algorithms PostgreSQL uses), and the query the same way; bm25() ranks.
- PostgreSQL: help_search holds a tsvector of unaccent(title) (weight A)
  and unaccent(body) (weight B) in the language's configuration, with a GIN
  index; plainto_tsquery in the same configuration, ts_rank_cd ranks.
The snippet is made here on both databases from the original text, so it
shows the real words, escapes everything, and only our <mark> is markup.
"""
import functools
import math
import re
import unicodedata
from dataclasses import dataclass

import snowballstemmer
from flask_babel import force_locale, gettext
from markdown_it import MarkdownIt
from markupsafe import Markup, escape
from peewee import PostgresqlDatabase

from domain import i18n, languages, texts
from domain.clock import utcnow
from domain.db import database
from models import HelpArticle, HelpArticleVersion, HelpCategory, HelpQuestion

# The index's table; tests/test_migrations.py leaves it (and on SQLite the
# FTS5 shadow tables named after it) out of the models-versus-schema check.
SEARCH_TABLE = "help_search"

MAX_QUERY = 200       # characters of a query looked at
MAX_TERMS = 12        # words of a query looked at
SNIPPET_WORDS = 30

# How each language is searched (its stemmer, configuration and stop
# words): domain.languages.LANGUAGES.
WORD = re.compile(r"\w+")
# Markdown marks that would only clutter a snippet.
MARKDOWN = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|[*_`~]+|^[ \t]*[#>]+", re.MULTILINE)

# A label of the screens named in an article: [[Create an account]] stands
# for the text whose message id is "Create an account", shown in italics as
# the reader's variant says it (its marketers' changes included). So the
# help says what the screens say, in every variant, and a label changed on
# the screens changes in the help too. Every version of an article names a
# label by the same message id; one the app does not have is refused when
# an article is saved (unknown_labels), and the demo articles are checked
# (tests/test_demo_help.py).
LABEL = re.compile(r"\[\[([^\[\]\n]+)\]\]")
# What Markdown would read in a label as a mark of its own.
MARKDOWN_SPECIAL = re.compile(r"[\\`*_\[\]]")


def with_labels(body):
    """`body` with each [[message id]] replaced by that text in the current
    locale, in italics."""
    return LABEL.sub(lambda found: "*" + MARKDOWN_SPECIAL.sub(
        r"\\\g<0>", gettext(found.group(1))) + "*", body)


def unknown_labels(body):
    """The [[labels]] of `body` that name no text of the app."""
    known = texts.source_texts()
    return [label for label in LABEL.findall(body)
            if texts.message_key(label) not in known]


def fallback_chain(market, locale):
    """The locales to try, best first: de_AT -> [de_AT, de]; in Canada
    fr_CA -> [fr_CA, fr, en_CA, en] (the market's first locale last)."""
    chain = []
    for candidate in (locale, market.locales[0]):
        # i18n's chain is most general first: fr_CA -> [fr, fr_CA].
        for layer in reversed(i18n.fallback_chain(candidate)):
            if str(layer) not in chain:
                chain.append(str(layer))
    return chain


def version_for(article, locale, market):
    """The published version to show and whether it is in another locale
    than the one asked (the page then says so): (version, fell_back), or
    (None, False) when the article has no published version in the chain."""
    chain = fallback_chain(market, locale)
    versions = {version.locale: version for version in
                article.versions.where(HelpArticleVersion.published == True)}   # noqa: E712
    for candidate in chain:
        if candidate in versions:
            return versions[candidate], candidate != locale
    return None, False


def save_version(article, locale, title, body, published):
    """Create or replace the article's version in `locale`, and its entry in
    the search index, in one transaction."""
    with database.atomic():
        version = (HelpArticleVersion.select()
                   .where(HelpArticleVersion.article == article,
                          HelpArticleVersion.locale == locale).first())
        if version is None:
            version = HelpArticleVersion(article=article, locale=locale)
        version.title = title
        version.body = body
        version.published = published
        version.updated_at = utcnow()
        version.save()
        _index(version)
    return version


def _language(locale):
    return languages.language_of(locale)


def _fold(text):
    """Lower case without accents: "Oublié" -> "oublie", "Straße" -> "strasse"."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("ß", "ss"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_STEMMERS = {}


def _stemmer(language):
    """One stemmer a language, made once (making one compiles its rules)."""
    name = languages.LANGUAGES[language].search if language in languages.LANGUAGES else None
    if name and name not in _STEMMERS:      # a language not declared: no stemming
        _STEMMERS[name] = snowballstemmer.stemmer(name)
    return _STEMMERS.get(name)


@functools.lru_cache(maxsize=100_000)
def _stem(language, word):
    """The stem of one folded word; kept, since the same words come back
    in every snippet and query (Snowball in pure Python is slow)."""
    stemmer = _stemmer(language)
    return stemmer.stemWord(word) if stemmer else word


def _stems(text, language):
    """The folded, stemmed words of `text`, stop words left out. Folding
    comes before stemming, as unaccent() does on PostgreSQL, so a word typed
    without its accents gets the same stem."""
    stop = languages.LANGUAGES.get(language, languages.PLAIN).stop_words
    return [_stem(language, word) for word in WORD.findall(_fold(text)) if word not in stop]


def _is_postgres():
    return isinstance(database.obj, PostgresqlDatabase)


def _index(version):
    language = _language(version.locale)
    # The labels as the version's own readers see them (a label changed
    # later is found by its old words until the article is saved again).
    with force_locale(version.locale):
        body = with_labels(version.body)
    if _is_postgres():
        config = languages.LANGUAGES.get(language, languages.PLAIN).search
        database.execute_sql(
            f"INSERT INTO {SEARCH_TABLE} (version_id, document) VALUES (%s,"
            " setweight(to_tsvector(%s::regconfig, unaccent(%s)), 'A')"
            " || setweight(to_tsvector(%s::regconfig, unaccent(%s)), 'B'))"
            " ON CONFLICT (version_id) DO UPDATE SET document = EXCLUDED.document",
            (version.id, config, version.title, config, body))
    else:
        database.execute_sql(f"DELETE FROM {SEARCH_TABLE} WHERE version_id = ?", (version.id,))
        database.execute_sql(
            f"INSERT INTO {SEARCH_TABLE} (version_id, title, body) VALUES (?, ?, ?)",
            (version.id, " ".join(_stems(version.title, language)),
             " ".join(_stems(body, language))))


@dataclass
class Result:
    article: HelpArticle
    version: HelpArticleVersion
    snippet: Markup


def search(market, locale, query, page=1, per_page=10, any_word=False):
    """Published versions of the market's articles matching every word of
    `query` (with any_word, one of them is enough: a question in a
    customer's words), best first: (results of that page, total, pages).
    Each article is searched in the version the customer would read
    (version_for). A query of no words, or of stop words only, finds nothing."""
    language = _language(locale)
    terms = _stems(query[:MAX_QUERY], language)[:MAX_TERMS]
    if not terms:
        return [], 0, 0
    page = max(1, page)
    chain = fallback_chain(market, locale)
    # The chain's position of a locale, to keep only each article's best version.
    rank_of = "CASE {} " + " ".join("WHEN {p} THEN %d" % i for i in range(len(chain))) + " END"
    p = database.param
    source = (f"FROM {SEARCH_TABLE} JOIN help_article_version v"
              f" ON v.id = {SEARCH_TABLE}.version_id")
    if _is_postgres():
        config = languages.LANGUAGES.get(language, languages.PLAIN).search
        tsquery = f"plainto_tsquery({p}::regconfig, unaccent({p}))"
        if any_word:
            tsquery = f"replace({tsquery}::text, '&', '|')::tsquery"
        # A subquery: a FROM item may be a function call, not a cast.
        source += f" CROSS JOIN (SELECT {tsquery} AS q) AS terms"
        match = f"{SEARCH_TABLE}.document @@ terms.q"
        order = f"ts_rank_cd({SEARCH_TABLE}.document, terms.q) DESC"
        source_params = [config, " ".join(WORD.findall(query[:MAX_QUERY]))]
    else:
        match = f"{SEARCH_TABLE} MATCH {p}"
        # Weights per column (version_id, title, body): a title match ranks first.
        order = f"bm25({SEARCH_TABLE}, 0, 10.0, 1.0)"
        source_params = []
    in_chain = ", ".join([p] * len(chain))
    where = (
        f" JOIN help_article a ON a.id = v.article_id"
        f" WHERE {match} AND a.market = {p} AND v.published AND v.locale IN ({in_chain})"
        f" AND NOT EXISTS (SELECT 1 FROM help_article_version better"
        f"  WHERE better.article_id = v.article_id AND better.published"
        f"  AND {rank_of.format('better.locale', p=p)} < {rank_of.format('v.locale', p=p)})")
    joiner = " OR " if any_word else " "
    match_params = [] if _is_postgres() else [joiner.join(f'"{term}"' for term in terms)]
    params = source_params + match_params + [market.key] + chain + chain + chain

    total = database.execute_sql(f"SELECT COUNT(*) {source}{where}", params).fetchone()[0]
    rows = database.execute_sql(
        f"SELECT v.id {source}{where} ORDER BY {order}, v.id LIMIT {p} OFFSET {p}",
        params + [per_page, (page - 1) * per_page]).fetchall()
    ids = [row[0] for row in rows]
    versions = {version.id: version for version in
                HelpArticleVersion.select(HelpArticleVersion, HelpArticle)
                .join(HelpArticle).where(HelpArticleVersion.id.in_(ids))}
    results = []
    for version_id in ids:
        version = versions[version_id]
        results.append(Result(version.article, version,
                              snippet(version.body, terms, language)))
    return results, total, math.ceil(total / per_page)


EXCERPT_WORDS = 20


def excerpt(body):
    """The first EXCERPT_WORDS words of an article, without Markdown marks,
    as plain text (the template escapes it)."""
    words = MARKDOWN.sub(r"\1", with_labels(body)).split()
    text = " ".join(words[:EXCERPT_WORDS])
    return text + " …" if len(words) > EXCERPT_WORDS else text


# A word as split by spaces, around its letters: ("«", "mot", "»,").
AROUND_WORD = re.compile(r"^(\W*)(.*?)(\W*)$", re.S)


def _marked(token):
    """The token with its letters in <mark>, not the punctuation after them."""
    before, word, after = AROUND_WORD.match(token).groups()
    return escape(before) + Markup("<mark>%s</mark>") % word + escape(after)


def snippet(body, terms, language):
    """About SNIPPET_WORDS words of `body` around the first word matching
    one of `terms` (stems), those words in <mark>, everything escaped."""
    words = MARKDOWN.sub(r"\1", with_labels(body)).split()
    wanted = set(terms)

    def matches(word):
        return bool(wanted.intersection(_stems(word, language)))

    hits = [i for i, word in enumerate(words) if matches(word)]
    start = max(0, hits[0] - SNIPPET_WORDS // 3) if hits else 0
    shown = words[start:start + SNIPPET_WORDS]
    parts = [_marked(word) if matches(word) else escape(word) for word in shown]
    text = Markup(" ").join(parts)
    if start > 0:
        text = Markup("… ") + text
    if start + SNIPPET_WORDS < len(words):
        text = text + Markup(" …")
    return text


# --- what the help pages show ----------------------------------------------------

def _readable(market, locale, articles):
    """[(article, version)] of `articles` (a query of the market's
    articles, kept in its order) that have a published version in the
    customer's chain, each in the best one: two queries whatever the count."""
    chain = fallback_chain(market, locale)
    articles = list(articles)
    versions = {}
    if articles:
        for version in (HelpArticleVersion.select()
                        .where(HelpArticleVersion.article.in_([a.id for a in articles]),
                               HelpArticleVersion.published == True,          # noqa: E712
                               HelpArticleVersion.locale.in_(chain))):
            best = versions.get(version.article_id)
            if best is None or chain.index(version.locale) < chain.index(best.locale):
                versions[version.article_id] = version
    return [(article, versions[article.id]) for article in articles if article.id in versions]


def categories(market, locale):
    """[(category, number of articles readable in the chain)], in order;
    a category with nothing to read is left out."""
    cats = list(HelpCategory.select().where(HelpCategory.market == market.key)
                .order_by(HelpCategory.position, HelpCategory.key))
    readable = _readable(market, locale, HelpArticle.select()
                         .where(HelpArticle.market == market.key))
    counts = {}
    for article, _version in readable:
        counts[article.category_id] = counts.get(article.category_id, 0) + 1
    return [(category, counts[category.id]) for category in cats if category.id in counts]


def category_articles(market, locale, category):
    return _readable(market, locale, HelpArticle.select()
                     .where(HelpArticle.category == category)
                     .order_by(HelpArticle.position, HelpArticle.key))


def most_viewed(market, locale, limit=5, category=None, leave_out=None):
    """The most read articles readable in the chain: [(article, version)]."""
    query = HelpArticle.select().where(HelpArticle.market == market.key)
    if category is not None:
        query = query.where(HelpArticle.category == category)
    if leave_out is not None:
        query = query.where(HelpArticle.id != leave_out.id)
    # A few more than asked: some may have no version in this chain.
    query = query.order_by(HelpArticle.views.desc(), HelpArticle.id).limit(limit * 4)
    return _readable(market, locale, query)[:limit]


def count_view(market, key):
    """One more read of the market's article `key`, counted in the database
    (parallel reads all count); the new count (0 when it is gone)."""
    # On every read, kept page or not: plain SQL, not built by peewee each time.
    # fetchall(): until its rows are read, SQLite keeps the statement (and
    # its write) open.
    p = database.param
    rows = database.execute_sql(
        f"UPDATE help_article SET views = views + 1 WHERE market = {p} AND key = {p} RETURNING views",
        (market.key, key)).fetchall()
    return rows[0][0] if rows else 0


def views_by_key(market, key):
    article = HelpArticle.get_or_none(HelpArticle.market == market.key, HelpArticle.key == key)
    return article.views if article is not None else 0


def vote(article, helpful):
    field = HelpArticle.helpful_yes if helpful else HelpArticle.helpful_no
    HelpArticle.update({field: field + 1}).where(HelpArticle.id == article.id).execute()


def is_fallback_language(version, locale):
    """Whether the version is in another language than the customer's: a
    reader of de_AT given the "de" version is not told anything."""
    return _language(version.locale) != _language(locale)


# The safe Markdown subset of article bodies: paragraphs, emphasis, lists,
# links to https:// or to our own paths. markdown-it-py's "zero" preset has
# only paragraphs and text; html=False escapes any markup in the text.
_MARKDOWN = MarkdownIt("zero", {"html": False}).enable(["emphasis", "list", "link", "escape"])
_MARKDOWN.validateLink = lambda url: (url.startswith("https://")
                                      or (url.startswith("/") and not url.startswith("//")))


def render_body(body):
    """An article's body as HTML, its [[labels]] as the reader's screens say
    them: markdown-it-py escapes everything that is not in the subset, so
    the result is safe to show."""
    return Markup(_MARKDOWN.render(with_labels(body)))


# --- the question box: what customers ask, for marketers --------------------------

# What a customer may type about themselves: email addresses, and numbers
# (phones, contract and customer numbers, VINs, amounts, dates) of 3 or
# more digits, possibly split by spaces, dots or dashes, with the letters
# stuck to them (S0123456789, a VIN). Names cannot be told from words.
_EMAIL = re.compile(r"\S+@\S+")
_NUMBER = re.compile(r"\w*\d[\d\s.,/-]*\d\w*|\w*\d{3,}\w*")


def without_personal_data(question):
    """The question as marketers see it: email addresses and numbers of
    more than two digits replaced by "…"."""
    text = _EMAIL.sub("…", question)
    text = _NUMBER.sub(lambda m: m.group(0) if sum(c.isdigit() for c in m.group(0)) < 3 else "…",
                       text)
    return " ".join(text.split())[:MAX_QUERY]


def keep_question(market, locale, question, found):
    return HelpQuestion.create(market=market.key, locale=locale,
                               text=without_personal_data(question), found=found)


def answer_helped(question_id, helpful):
    """The reader's yes or no, once: a second answer changes nothing."""
    return (HelpQuestion.update(helpful=helpful)
            .where(HelpQuestion.id == question_id, HelpQuestion.helpful.is_null())
            .execute()) == 1
