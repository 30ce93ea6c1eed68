"""The help center for customers (signed in or not): categories, the most
read articles, an article with its "was this helpful?" vote, search, and
the question box. The data and search are domain.help's."""
from babel import Locale
from flask import Blueprint, abort, current_app, flash, g, request, session
from flask_babel import gettext as _
from markupsafe import Markup

from domain import help
from domain.ids import parse_number
from forms.auth import ButtonForm
from forms.help import AskForm, SearchForm
from models import HelpArticle, HelpCategory
from views.shared.answers import form_status, redirect_to, render_page, wants_fragment
from views.shared.cache import cached_page
from views.shared.sites import chosen_site

bp = Blueprint("help", __name__, url_prefix="/<lang>/help")

PER_PAGE = 10
# The session (a signed cookie holding no personal data) remembers the
# articles this visitor voted on, the newest last, so that a second vote
# counts nothing; kept short so the cookie stays small.
VOTED = "help_voted"
VOTED_KEPT = 50
# Likewise the questions this visitor asked, so that only they say whether
# the answer helped.
ASKED = "help_asked"
ASKED_KEPT = 10

def site_context():
    site = chosen_site()
    return site.market, site.locale


def suggestions():
    market, locale = site_context()
    return dict(categories=help.categories(market, locale),
                popular=help.most_viewed(market, locale))


@bp.route("")
@cached_page()
def home():
    return render_page("help/home.html", form=SearchForm(formdata=None), **suggestions())


@bp.route("/categories/<key>")
def category(key):
    market, locale = site_context()
    row = HelpCategory.get_or_none(HelpCategory.market == market.key, HelpCategory.key == key)
    articles = help.category_articles(market, locale, row) if row else []
    if not articles:
        abort(404)
    return render_page("help/category.html", category=row, articles=articles)


def readable_article(key):
    """The market's article and the version this customer reads; another
    market's key is answered like a missing one."""
    market, locale = site_context()
    article = HelpArticle.get_or_none(HelpArticle.market == market.key, HelpArticle.key == key)
    version = help.version_for(article, locale, market)[0] if article else None
    if version is None:
        abort(404)
    return article, version


def has_voted(article):
    return article.id in session.get(VOTED, [])


def has_voted_key(key):
    """Whether this visitor voted on the article `key` (for the kept
    page's key: the page shows the vote or the thanks)."""
    voted = session.get(VOTED)
    if not voted:
        return False
    article = HelpArticle.get_or_none(HelpArticle.market == site_context()[0].key, HelpArticle.key == key)
    return article is not None and article.id in voted


def is_new_read():
    # htmx's restoring a page from history is no new read.
    return request.headers.get("HX-History-Restore-Request") != "true"


def read_count(views):
    # The template alone, without the page's context: it needs none.
    template = current_app.jinja_env.get_template("help/_read_count.html")
    return Markup(template.render(views=views))


def counted_read(key):
    """The read count of an article kept rendered: this read counted, and
    the sentence with the new count."""
    market, _locale = site_context()
    views = help.count_view(market, key) if is_new_read() else help.views_by_key(market, key)
    return read_count(views)


@bp.route("/articles/<key>")
@cached_page(vary=has_voted_key, holes={"reads": counted_read})
def article(key):
    article, version = readable_article(key)
    market, locale = site_context()
    # Every read is counted, by one UPDATE: nothing about the reader is
    # kept for it.
    if is_new_read():
        article.views = help.count_view(market, key)
    reads = read_count(article.views)
    g.page_holes = {"reads": reads}
    language = None
    if help.is_fallback_language(version, locale):
        language = Locale.parse(version.locale).get_display_name(locale)
    return render_page("help/article.html", article=article, version=version,
                       body=help.render_body(version.body), language=language, read_count=reads,
                       voted=has_voted(article), form=ButtonForm(),
                       recommended=help.most_viewed(market, locale, limit=3,
                                                    category=article.category_id,
                                                    leave_out=article))


@bp.route("/articles/<key>/vote", methods=["POST"])
def vote(key):
    article, _version = readable_article(key)
    form = ButtonForm()
    answer = request.form.get("helpful")
    if not form.validate_on_submit() or answer not in ("yes", "no"):
        abort(400)
    if not has_voted(article):
        help.vote(article, answer == "yes")
        session[VOTED] = (session.get(VOTED, []) + [article.id])[-VOTED_KEPT:]
    if wants_fragment():
        return render_page("help/_thanks.html")
    flash(_("Thank you for your answer."), "info")
    return redirect_to("help.article", key=key)


@bp.route("/search")
@cached_page()
def search():
    form = SearchForm(request.args)
    page = parse_number(request.args.get("page"), default=1, maximum=99999)
    if not form.validate():
        return render_page("help/search.html", form=form, results=[], total=0, pages=0,
                           page=1, status=form_status(form), **suggestions())
    market, locale = site_context()
    results, total, pages = help.search(market, locale, form.q.data or "", page, PER_PAGE)
    context = suggestions() if not results else {}
    return render_page("help/search.html", form=form, results=results, total=total,
                       pages=pages, page=page, **context)


@bp.route("/ask", methods=["GET", "POST"])
def ask():
    form = AskForm()
    if form.validate_on_submit():
        market, locale = site_context()
        # Only what the articles say: the best matches and their passages.
        results = help.search(market, locale, form.question.data, 1, 3, any_word=True)[0]
        question = help.keep_question(market, locale, form.question.data, len(results))
        session[ASKED] = (session.get(ASKED, []) + [question.id])[-ASKED_KEPT:]
        return render_page("help/answer.html", form=form, results=results,
                           question=question)
    return render_page("help/ask.html", form=form, question_max=help.MAX_QUERY, status=form_status(form))


@bp.route("/ask/<id:question_id>/helped", methods=["POST"])
def helped(question_id):
    """Whether the answer to a question this visitor asked helped; other
    questions, and a second answer, are thanked for and not counted."""
    form = ButtonForm()
    answer = request.form.get("helped")
    if not form.validate_on_submit() or answer not in ("yes", "no"):
        abort(400)
    if question_id in session.get(ASKED, []):
        help.answer_helped(question_id, answer == "yes")
    if wants_fragment():
        return render_page("help/_thanks.html", element_id="help-helped")
    flash(_("Thank you for your answer."), "info")
    return redirect_to("help.ask")
