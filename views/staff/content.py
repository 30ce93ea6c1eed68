"""The marketers' part of the back office: the help center's articles per
market and language (write a draft, see it rendered, publish, unpublish),
which articles are missing in which language, and the help center report
(most read, least helpful, questions that found nothing). The data is
domain.help_content's. For the roles with the "content" permission
(domain.roles, the marketers): other staff get 403."""
from flask import Blueprint, abort, flash, g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from domain import help, help_content
from domain.i18n import display_name
from domain.markets import MARKETS
from forms.auth import ButtonForm
from forms.help import category_name
from forms.staff.admin import market_choices
from forms.staff.content import NewArticleForm, VersionForm
from models import HelpArticle, HelpCategory
from views.shared.answers import form_status, redirect_to, render_page
from views.shared.guards import staff_required

bp = Blueprint("content", __name__, url_prefix="/staff/content")

marketers_only = staff_required("content")

STATE_LABELS = {
    "own": _l("Own version"),
    "language": _l("The language's version"),
    "other": _l("Missing: another language shows"),
    "none": _l("Missing"),
}


def page(template, status=200, **context):
    return render_page(template, status=status, back_office=True,
                       locale_name=display_name, **context)


def chosen_market():
    """The market of the ?market= argument; the first one when none."""
    key = request.args.get("market") or next(iter(MARKETS))
    market = MARKETS.get(key)
    if market is None:
        abort(404)
    return market


@bp.route("")
@marketers_only
def home():
    return page("staff/content/home.html")


@bp.route("/help")
@marketers_only
def articles():
    market = chosen_market()
    return page("staff/content/articles.html", market=market, markets=market_choices(),
                rows=help_content.coverage(market), missing=help_content.missing(market),
                state_labels=STATE_LABELS)


@bp.route("/help/report")
@marketers_only
def report():
    market = chosen_market()
    asked, helped, not_helped = help_content.answer_feedback(market)
    return page("staff/content/report.html", market=market, markets=market_choices(),
                most_viewed=help_content.most_viewed(market),
                least_helpful=help_content.least_helpful(market),
                unanswered=help_content.unanswered_questions(market),
                asked=asked, helped=helped, not_helped=not_helped)


@bp.route("/help/new", methods=["GET", "POST"])
@marketers_only
def new_article():
    market = chosen_market()
    categories = [(c.key, category_name(c)) for c in
                  HelpCategory.select().where(HelpCategory.market == market.key)
                  .order_by(HelpCategory.position, HelpCategory.key)]
    locales = [(locale, display_name(locale)) for locale in help_content.editable_locales(market)]
    form = NewArticleForm(categories, locales)
    if form.validate_on_submit():
        try:
            article = help_content.create_article(market, form.category.data, form.key.data,
                                                  form.locale.data, form.title.data,
                                                  form.body.data, by=g.staff)
        except help_content.KeyTaken:
            form.key.errors.append(_("This market has an article at this address already. "
                                     "Choose another address."))
        else:
            flash(_("The draft is saved. Customers see it once you publish it."), "info")
            return redirect_to("content.version", article_id=article.id, locale=form.locale.data)
    return page("staff/content/new.html", form=form, market=market,
                status=form_status(form))


def article_and_locale(article_id, locale):
    article = HelpArticle.get_or_none(HelpArticle.id == article_id)
    if article is None or locale not in help_content.editable_locales(MARKETS[article.market]):
        abort(404)
    return article, MARKETS[article.market]


@bp.route("/help/articles/<id:article_id>/<locale>", methods=["GET", "POST"])
@marketers_only
def version(article_id, locale):
    """One version of an article: its draft in a form, the draft rendered
    as customers will see it, and publish / unpublish / discard."""
    article, market = article_and_locale(article_id, locale)
    current = help_content.version_of(article, locale)
    action = request.form.get("action", "save")
    if request.method == "POST" and action in ("publish", "unpublish", "discard"):
        if current is None:
            abort(404)
        if not ButtonForm().validate_on_submit():
            abort(400)
        if action == "publish":
            help_content.publish(article, locale, by=g.staff)
            flash(_("Published: customers read this version now."), "info")
        elif action == "unpublish":
            help_content.unpublish(article, locale, by=g.staff)
            flash(_("Unpublished: customers no longer see this version."), "info")
        else:
            help_content.discard_draft(article, locale, by=g.staff)
            flash(_("The draft is discarded."), "info")
        return redirect_to("content.version", article_id=article.id, locale=locale)

    title, body = help_content.draft_or_text(current)
    # A POST is taken as typed: a field left out is an error, not the old text.
    form = VersionForm() if request.method == "POST" else VersionForm(
        data={"title": title, "body": body})
    if form.validate_on_submit() and action == "save":
        help_content.save_draft(article, locale, form.title.data, form.body.data, by=g.staff)
        flash(_("The draft is saved. Customers see it once you publish it."), "info")
        return redirect_to("content.version", article_id=article.id, locale=locale)
    preview_title = form.title.data if form.title.data else title
    preview_body = form.body.data if form.body.data else body
    return page("staff/content/version.html", article=article, market=market, locale=locale,
                form=form, version=current, locales=help_content.editable_locales(market),
                preview_title=preview_title,
                preview=help.render_body(preview_body) if preview_body else None,
                status=form_status(form))
