"""Registration, one question a page: name, email, password, check your
answers; then the thank-you page and the activation link.

The answers wait in a RegistrationDraft row; the session cookie only holds
its random key. The password is hashed as soon as it is given."""
import json

from datetime import timedelta
from flask import Blueprint, current_app, flash, request, session
from flask_babel import gettext as _

from domain import accounts, passwords
from domain.accounts import TokenState
from domain.clock import utcnow
from domain.db import database
from domain.tokens import digest, new_secret
from forms.auth import ButtonForm
from forms.fields import personal_words
from forms.register import EmailAddressForm, NameForm, NewPasswordForm, TermsForm, TITLE_LABELS
from models import RegistrationDraft
from views.shared.answers import form_status, redirect_to, render_page, too_many_requests
from views.shared.cache import cached_page
from views.shared.limits import email_rate_limits
from views.shared.sites import chosen_site

bp = Blueprint("register", __name__, url_prefix="/<lang>")

DRAFT_COOKIE_KEY = "registration"
STEPS = ("register.name", "register.email", "register.password", "register.check")


def _draft(create=False, completed=False):
    """The draft of this browser for this market, or None. A completed
    draft only serves the thank-you page; the steps start a new one."""
    key = session.get(DRAFT_COOKIE_KEY)
    market = chosen_site().market.key
    if key:
        draft = RegistrationDraft.get_or_none(RegistrationDraft.key_hash == digest(key),
                                              RegistrationDraft.market == market)
        if draft is not None and (draft.completed_at is not None) == completed:
            return draft
    if not create:
        return None
    key = new_secret()
    session[DRAFT_COOKIE_KEY] = key
    return RegistrationDraft.create(key_hash=digest(key), market=market)


def _answers(draft):
    return json.loads(draft.data) if draft else {}


def _save(draft, **answers):
    data = _answers(draft)
    data.update(answers)
    draft.data = json.dumps(data)
    draft.save()


def _next_step(current):
    """Where Continue leads: back to the check page when changing an answer."""
    if request.args.get("change") or current == STEPS[-2]:
        return redirect_to("register.check")
    return redirect_to(STEPS[STEPS.index(current) + 1])


def _first_missing(answers):
    """The first step not answered yet, or None."""
    for endpoint, key in zip(STEPS, ("first_name", "email", "password_hash")):
        if not answers.get(key):
            return endpoint
    return None


def without_draft():
    """A visitor who has not started yet: the first step is the same empty
    form for all of them."""
    return DRAFT_COOKIE_KEY not in session


@bp.route("/register", methods=["GET", "POST"])
@cached_page(when=without_draft)
def name():
    market = chosen_site().market
    draft = _draft()
    answers = _answers(draft)
    form = NameForm(market.titles, data=answers)
    if form.validate_on_submit():
        draft = draft or _draft(create=True)
        _save(draft, title=form.title.data or "", first_name=form.first_name.data,
              last_name=form.last_name.data)
        return _next_step("register.name")
    return render_page("register/name.html", form=form, status=form_status(form))


@bp.route("/register/email", methods=["GET", "POST"])
def email():
    draft = _draft()
    if draft is None:
        return redirect_to("register.name")
    form = EmailAddressForm(data=_answers(draft))
    if form.validate_on_submit():
        _save(draft, email=form.email.data)
        return _next_step("register.email")
    return render_page("register/email.html", form=form, status=form_status(form))


@bp.route("/register/password", methods=["GET", "POST"])
def password():
    draft = _draft()
    answers = _answers(draft)
    missing = _first_missing(answers)
    if missing in ("register.name", "register.email"):
        return redirect_to(missing)
    form = NewPasswordForm(personal_words=personal_words(
        answers.get("first_name"), answers.get("last_name"), answers.get("email", "")))
    if form.validate_on_submit():
        _save(draft, password_hash=passwords.hash_password(form.password.data))
        return _next_step("register.password")
    return render_page("register/password.html", form=form, status=form_status(form))


@bp.route("/register/check", methods=["GET", "POST"])
def check():
    draft = _draft()
    answers = _answers(draft)
    missing = _first_missing(answers)
    if missing:
        return redirect_to(missing)
    form = TermsForm()
    if form.validate_on_submit():
        for verdict in email_rate_limits(answers["email"]):
            if not verdict.allowed:
                return too_many_requests(verdict)
        site = chosen_site()
        with database.atomic():
            accounts.register(site.market.key, site.locale, answers, answers["password_hash"])
            # Keep only what the thank-you page needs; never the hash.
            draft.data = json.dumps({"email": answers["email"]})
            draft.completed_at = draft.last_sent_at = utcnow()
            draft.save()
        return redirect_to("register.sent")
    title = TITLE_LABELS.get(answers.get("title"), "")
    return render_page("register/check.html", form=form, answers=answers, title=title,
                       status=form_status(form))


@bp.route("/register/sent")
def sent():
    draft = _draft(completed=True)
    if draft is None:
        return redirect_to("register.name")
    return render_page("register/sent.html", email=_answers(draft)["email"], form=ButtonForm())


@bp.route("/register/sent", methods=["POST"])
def resend():
    draft = _draft(completed=True)
    form = ButtonForm()
    if draft is None or not form.validate_on_submit():
        return redirect_to("register.name")
    address = _answers(draft)["email"]
    cooldown = current_app.config["RESEND_COOLDOWN_SECONDS"]
    # One UPDATE decides, so two clicks at once send one email.
    allowed = (RegistrationDraft
               .update(last_sent_at=utcnow())
               .where(RegistrationDraft.id == draft.id,
                      RegistrationDraft.last_sent_at <= utcnow() - timedelta(seconds=cooldown))
               .execute())
    if not allowed:
        flash(_("We sent the email less than a minute ago. Wait a moment, then try again."), "info")
        return redirect_to("register.sent")
    for verdict in email_rate_limits(address):
        if not verdict.allowed:
            return too_many_requests(verdict)
    accounts.resend_registration_email(chosen_site().market.key, address)
    flash(_("We have sent the email again."), "success")
    return redirect_to("register.sent")


@bp.route("/activate/<token>")
def activate(token):
    state = accounts.activate(token)
    status = {TokenState.VALID: 200, TokenState.USED: 409,
              TokenState.EXPIRED: 410, TokenState.INVALID: 404}[state]
    return render_page("register/activated.html", state=state.value, status=status)
