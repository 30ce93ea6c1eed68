"""The marketers' text editor: every text of the pages and emails, per
variant, with search and filters; a draft seen by its author on the real
pages in preview mode; publishing (live on every server process by its
next request); the history, with revert; emails previewed with sample
data. The rules are domain.texts' and domain.text_checks'. For the roles
with the "texts" permission (domain.roles, the marketers)."""
from types import SimpleNamespace

from flask import Blueprint, abort, flash, g, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l

from domain import roles, text_checks, texts
from domain.i18n import display_name
from domain.ids import parse_id, parse_number
from domain.languages import SOURCE_LANGUAGE, VARIANTS
from domain.markets import SITES
from domain.paging import page_within
from forms.auth import ButtonForm
from forms.fields import has_control_characters
from models import TextChange
from views.shared.answers import form_status, redirect_to, render_page
from views.shared.guards import current_staff, staff_required

bp = Blueprint("texts", __name__, url_prefix="/staff/texts")

marketers_only = staff_required("texts")

PER_PAGE = 50
FORM_MAX = 2000
PREVIEW = "text_preview"      # in the session: this marketer sees their drafts

SHOW = {
    "": _l("All texts"),
    "missing": _l("Missing (the original shows)"),
    "inherited": _l("Inherited from the parent language"),
    "overridden": _l("Changed by marketers"),
    "own": _l("From the developers' catalogue"),
    "draft": _l("With a draft"),
    "changed": _l("Changed at the source since translated"),
    "unused": _l("No longer used"),
}
PLACE_LABELS = {
    "page": _l("Page"),
    "email": _l("Email"),
    "sms": _l("Text message"),
    "back_office": _l("Back office"),
}
ORIGIN_LABELS = {
    "overridden": _l("Changed by marketers"),
    "own": _l("Own translation"),
    "inherited": _l("Inherited"),
    "source": _l("The original"),
    "missing": _l("Missing: the original shows"),
}

# The emails and the sample values they are previewed with.
EMAILS = ("activation", "existing_account", "locked", "reset", "password_changed", "code",
          "email_change_confirm", "email_change_notice", "email_changed", "new_message",
          "data_export_ready", "account_closed")
SAMPLE = dict(customer=SimpleNamespace(first_name="Camille", last_name="Roy", title="ms"),
              link="https://keyfob.example/sample-link", login_link="https://keyfob.example/login",
              reset_link="https://keyfob.example/forgot-password", hours=48, minutes=10,
              code="482913", new_address="camille.roy@example.com", attempts=3)


@bp.before_app_request
def _preview_mode():
    """A marketer with preview on sees their drafts on every page."""
    if session.get(PREVIEW):
        staff = current_staff()
        if staff is not None and roles.may(staff.role, "texts"):
            g.text_preview_by = staff.id


def page(template, status=200, **context):
    return render_page(template, status=status, back_office=True, name_of=display_name,
                       origin_labels=ORIGIN_LABELS, place_labels=PLACE_LABELS,
                       first_variant=first_variant(), **context)


def first_variant():
    """The variant the editor opens on: the first regional variant of a
    translated language (fr_CA with today's markets), where most wording
    differs."""
    return next((variant.code for variant in VARIANTS.values()
                 if variant.regional and variant.language != SOURCE_LANGUAGE), next(iter(VARIANTS)))


def chosen_variant(value):
    if value not in VARIANTS:
        abort(404)
    return value


@bp.route("")
@marketers_only
def index():
    variant = chosen_variant(request.args.get("variant") or first_variant())
    query = (request.args.get("q") or "").strip()[:200]
    show = request.args.get("show") or ""
    if show not in SHOW:
        show = ""
    page_number = parse_number(request.args.get("page"), default=1, maximum=99999)
    found = texts.rows(variant, query, show,
                       place_names={kind: str(label) for kind, label in PLACE_LABELS.items()})
    page_number, pages, offset = page_within(len(found), PER_PAGE, page_number)
    shown = found[offset:offset + PER_PAGE]
    return page("staff/texts/index.html", variant=variant, query=query, show=show, shows=SHOW,
                rows=shown, total=len(found), page=page_number, pages=pages,
                variants=VARIANTS, preview=bool(session.get(PREVIEW)),
                drafts=texts.drafts_of(g.staff, variant),
                form=ButtonForm())


def typed_forms(count):
    """The forms as typed, Windows line ends folded; (forms, error)."""
    forms = [(request.form.get(f"form_{index}") or "").replace("\r\n", "\n").strip()
             for index in range(count)]
    for value in forms:
        if len(value) > FORM_MAX:
            return forms, _("The text must be %(max)s characters or fewer.", max=FORM_MAX)
        if has_control_characters(value.replace("\n", "").replace("\t", "")):
            return forms, _("Remove the special characters from this field.")
    return forms, None


@bp.route("/<variant>/<key>", methods=["GET", "POST"])
@marketers_only
def edit(variant, key):
    variant = chosen_variant(variant)
    row = texts.row(variant, key)
    if row is None:
        abort(404)
    count = texts.plural_count(variant) if row.text.plural else 1
    problems, forms = [], row.draft or row.forms
    if request.method == "POST":
        if not ButtonForm().validate_on_submit():
            abort(400)
        action = request.form.get("action")
        if action == "discard":
            texts.discard_draft(variant, key)
            flash(_("The draft is discarded."), "info")
            return redirect_to("texts.edit", variant=variant, key=key)
        if action == "revert":
            if texts.publish_value(variant, row.text, None, g.staff, "reverted"):
                flash(_("Reverted: this variant shows the parent language's text again."), "info")
            return redirect_to("texts.edit", variant=variant, key=key)
        if action not in ("save", "publish"):
            abort(400)
        forms, error = typed_forms(count)
        if error:
            problems = [text_checks.Problem("input", error, True)]
        else:
            problems = texts.problems(row.text, variant, forms)
        if not texts.blocking(problems):
            texts.save_draft(variant, row.text, forms, g.staff)
            if action == "publish":
                texts.publish_drafts(g.staff, variant=variant, key=key)
                flash(_("Published: every page shows the new text now."), "info")
            else:
                flash(_("The draft is saved. Turn preview on to see it on the pages."), "info")
            for problem in problems:
                flash(problem.message, "info")
            return redirect_to("texts.edit", variant=variant, key=key)
    labels = plural_labels(count) if row.text.plural else [_("Text")]
    return page("staff/texts/edit.html", variant=variant, row=row, forms=forms, labels=labels,
                problems=problems, siblings=texts.siblings(variant, row.text),
                history=texts.history(variant, key, limit=10), forms_of=texts.forms_of,
                form=ButtonForm(),
                preview=bool(session.get(PREVIEW)), back=url_for("texts.index", variant=variant),
                status=form_status(problem=texts.blocking(problems)))


def plural_labels(count):
    if count == 2:
        return [_("Text for one"), _("Text for more than one")]
    return [_("Form %(number)s", number=index + 1) for index in range(count)]


@bp.route("/publish", methods=["POST"])
@marketers_only
def publish():
    if not ButtonForm().validate_on_submit():
        abort(400)
    variant = request.form.get("variant")
    count = texts.publish_drafts(g.staff, variant=variant if variant in VARIANTS else None)
    flash(ngettext("Published %(num)s draft.", "Published %(num)s drafts.", count), "info")
    return redirect_to("texts.index", variant=variant if variant in VARIANTS else first_variant())


@bp.route("/preview", methods=["POST"])
@marketers_only
def preview():
    if not ButtonForm().validate_on_submit():
        abort(400)
    session[PREVIEW] = request.form.get("preview") == "on"
    if session[PREVIEW]:
        flash(_("Preview is on: you see your drafts on every page, customers do not."), "info")
    else:
        flash(_("Preview is off: you see the pages as customers do."), "info")
    variant = request.form.get("variant")
    return redirect_to("texts.index", variant=variant if variant in VARIANTS else first_variant())


@bp.route("/history")
@marketers_only
def history():
    variant = request.args.get("variant") or ""
    if variant and variant not in VARIANTS:
        abort(404)
    before = parse_id(request.args.get("before"))
    changes = texts.history(variant or None, limit=PER_PAGE, before_id=before)
    return page("staff/texts/history.html", changes=changes, variant=variant, variants=VARIANTS,
                more=len(changes) == PER_PAGE, form=ButtonForm(), forms_of=texts.forms_of)


@bp.route("/history/<id:change_id>/revert", methods=["POST"])
@marketers_only
def revert(change_id):
    if not ButtonForm().validate_on_submit():
        abort(400)
    change = TextChange.get_or_none(TextChange.id == change_id)
    if change is None:
        abort(404)
    if request.form.get("scope") == "since":
        count = texts.revert_since(change, g.staff)
        flash(ngettext("Reverted %(num)s text to how it was before this change.",
                       "Reverted %(num)s texts to how they were before this change.", count), "info")
    else:
        texts.revert_change(change, g.staff)
        flash(_("Reverted: the text is as it was before this change."), "info")
    return redirect_to("texts.history")


def email_site(variant):
    """A site to draw an email of `variant` with: its own, or one of its language."""
    code = variant.lower().replace("_", "-")
    return SITES.get(code) or next(site for site in SITES.values()
                                   if site.locale.split("_")[0] == variant.split("_")[0])


@bp.route("/emails")
@marketers_only
def emails():
    variant = chosen_variant(request.args.get("variant") or first_variant())
    name = request.args.get("email") or EMAILS[0]
    if name not in EMAILS:
        abort(404)
    site = email_site(variant)
    with force_locale(variant):
        text = render_template(f"email/{name}.txt", site=site, market=site.market, **SAMPLE)
    return page("staff/texts/emails.html", variant=variant, name=name, emails=EMAILS, text=text,
                variants=VARIANTS, preview=bool(session.get(PREVIEW)))


@bp.route("/emails/<variant>/<name>.html")
@marketers_only
def email_html(variant, name):
    """The HTML part alone, as a mail program shows it: its inline styles
    are allowed here only, and nothing in it may run."""
    variant = chosen_variant(variant)
    if name not in EMAILS:
        abort(404)
    site = email_site(variant)
    with force_locale(variant):
        html = render_template(f"email/{name}.html", site=site, market=site.market, **SAMPLE)
    return html, 200, {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                                  "frame-ancestors 'none'; sandbox"}
