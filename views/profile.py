"""The customer's profile: address, phone (verified by a code), email
(confirmed at the new address), password, language, "Download my data",
and closing the online account (domain.account_closing). Every change, and
the download, needs a password typed in the last PROFILE_REAUTH_MINUTES;
the confirmation link of a new email address works signed out too (it may
be opened on another device)."""
from functools import wraps

from flask import Blueprint, current_app, flash, request, session
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user

from domain import account_closing, codes, devices, profile, sessions
from domain import data_export as exports
from domain.clock import today_in
from domain.markets import site_code
from domain.profile import EmailChange, PasswordCheck
from forms.auth import ButtonForm
from forms.link import CodeForm
from forms.profile import (AddressForm, ConfirmPasswordForm, DataExportForm, EmailForm,
                           LanguageForm, PasswordForm, PhoneForm)
from views.shared.answers import (form_status, redirect_to, render_page, retry_after,
                                  too_many_requests)
from views.shared.code_pages import code_problem, code_refused, send_again_form
from views.shared.cookies import set_cookie
from views.shared.files import send_made_file
from views.shared.guards import device_required
from views.shared.limits import client_address, email_rate_limits, rate_limited
from views.shared.link_tokens import forget_link_token, keep_link_token, link_token
from views.shared.sites import chosen_site, current_locale

bp = Blueprint("profile", __name__, url_prefix="/<lang>/profile")

PHONE_CODE = "phone_code"       # the session keeps the id of the code row, nothing else
AFTER_PASSWORD = "after_password"

# The pages that ask for the password first, and where to come back to
# afterwards. The session keeps the endpoint, never a URL, so only these
# pages can be the way back.
COME_BACK_TO = {
    "profile.address": "profile.address",
    "profile.phone": "profile.phone",
    "profile.phone_code": "profile.phone_code",
    "profile.resend": "profile.phone_code",
    "profile.email": "profile.email",
    "profile.password": "profile.password",
    "profile.language": "profile.language",
    "profile.data_export": "profile.data_export",
    "profile.data_export_ready": "profile.data_export_ready",
}


def market():
    return chosen_site().market


def password_recently_typed(view):
    """A change: the password must have been typed in the last minutes, else
    it is asked for first and the customer comes back here (what was posted
    is typed again: it is not kept)."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if profile.needs_password(current_user):
            session[AFTER_PASSWORD] = COME_BACK_TO[request.endpoint]
            return redirect_to("profile.confirm_password")
        return view(*args, **kwargs)
    return wrapped


def prefill(**data):
    """What the form shows before anything was posted."""
    return data if request.method == "GET" else None


# --- overview and the password again -------------------------------------------------

@bp.route("")
@device_required
def overview():
    phone = codes.mask_phone(current_user.phone) if current_user.phone else None
    locales = {site.locale: site for site in market().sites}
    language = locales.get(current_user.locale) or chosen_site()
    return render_page("profile/overview.html", customer=current_user, phone=phone,
                       language=language)


@bp.route("/confirm-password", methods=["GET", "POST"])
@device_required
def confirm_password():
    form = ConfirmPasswordForm()
    refused = password_typed_again(form)
    if refused is None:
        target = session.pop(AFTER_PASSWORD, None)
        return redirect_to(target if target in COME_BACK_TO.values() else "profile.overview")
    if refused is not False:
        return refused
    return render_page("profile/confirm_password.html", form=form, status=form_status(form))


def password_typed_again(form):
    """A form asking for the password, posted: None when it was right (the
    session counts as freshly authenticated); else the answer to give
    (too many tries, account locked), or False to show the form again with
    its errors."""
    if not form.validate_on_submit():
        return False
    verdict = rate_limited("login-client", client_address(), "RATE_LIMIT_LOGIN_PER_CLIENT")
    if not verdict.allowed:
        return too_many_requests(verdict)
    checked = profile.check_password(current_user, form.current_password.data)
    if checked is PasswordCheck.OK:
        return None
    if checked is PasswordCheck.LOCKED:
        return locked_out()
    form.current_password.errors.append(_("This password is not right. Check it and try again."))
    return False


def locked_out():
    """The password was typed wrong too often: the account is locked (its
    owner got the email that unlocks it) and this session ends."""
    sessions.end(current_user.session_key)
    logout_user()
    session.clear()
    return render_page("profile/locked.html", status=403)


# --- address -------------------------------------------------------------------------

@bp.route("/address", methods=["GET", "POST"])
@device_required
@password_recently_typed
def address():
    form = AddressForm(market(), data=prefill(street=current_user.street,
                                              postal_code=current_user.postal_code,
                                              city=current_user.city, region=current_user.region))
    if form.validate_on_submit():
        profile.save_address(current_user, form.street.data, form.postal_code.data,
                             form.city.data, form.region.data if "region" in form else "")
        flash(_("Your address is saved."), "success")
        return redirect_to("profile.overview")
    return render_page("profile/address.html", form=form, status=form_status(form))


# --- phone ---------------------------------------------------------------------------

@bp.route("/phone", methods=["GET", "POST"])
@device_required
@password_recently_typed
def phone():
    form = PhoneForm(market(), current_user.phone)
    if form.validate_on_submit():
        try:
            row = profile.send_phone_code(current_user, form.e164, current_locale(),
                                          client_address())
        except codes.Refused as refusal:
            return code_refused(refusal, form, "profile/phone.html", **phone_context())
        session[PHONE_CODE] = row.id
        return redirect_to("profile.phone_code")
    return render_page("profile/phone.html", form=form, problem=None, status=form_status(form),
                       **phone_context())


def phone_context():
    return {"example": profile.example_phone(market())}


def current_code():
    """The code row of this step, used or not (None outside it)."""
    return codes.find(session.get(PHONE_CODE), current_user.id, "phone")


def code_page(form, row, problem=None, status_code=None):
    return render_page("profile/phone_code.html", form=form, problem=problem,
                       masked=codes.mask_phone(row.destination), resend=send_again_form(),
                       status=status_code or form_status(form, problem))


@bp.route("/phone/code", methods=["GET", "POST"])
@device_required
@password_recently_typed
def phone_code():
    row = current_code()
    if row is None:
        return redirect_to("profile.phone")
    if row.used_at is not None:
        session.pop(PHONE_CODE, None)
        # Saved by a twin of this request (a double click): carry on. (Read
        # again: the twin may have saved it after this request began.)
        if profile.has_phone(current_user, row.destination):
            return phone_saved()
        return redirect_to("profile.phone")
    form = CodeForm()
    problem = None
    if form.validate_on_submit():
        verdict, left = profile.check_phone_code(current_user, row, form.code.data)
        if verdict is codes.Check.OK:
            session.pop(PHONE_CODE, None)
            return phone_saved()
        if verdict is codes.Check.GONE:
            return redirect_to("profile.phone_code")    # see above
        if verdict is codes.Check.EXHAUSTED:
            session.pop(PHONE_CODE, None)
            form = PhoneForm(market(), current_user.phone, formdata=None,
                             data={"phone": profile.national_phone(row.destination)})
            problem = _("The code was typed wrong too many times. Ask for a new code to "
                        "this number, or enter another one.")
            return render_page("profile/phone.html", form=form, problem=problem,
                               status=form_status(form, problem), **phone_context())
        problem = code_problem(verdict, left)
    return code_page(form, row, problem)


def phone_saved():
    flash(_("Your phone number is saved."), "success")
    return redirect_to("profile.overview")


@bp.route("/phone/code/resend", methods=["POST"])
@device_required
@password_recently_typed
def resend():
    row = current_code()
    if row is None or row.used_at is not None or not ButtonForm().validate_on_submit():
        return redirect_to("profile.phone_code")
    try:
        codes.resend(row, current_locale(), client_address())
    except codes.Refused as refusal:
        return code_refused(refusal, CodeForm(formdata=None), "profile/phone_code.html",
                            masked=codes.mask_phone(row.destination), resend=send_again_form())
    flash(_("We have sent you a new code."), "success")
    return redirect_to("profile.phone_code")


# --- email address ------------------------------------------------------------------

@bp.route("/email", methods=["GET", "POST"])
@device_required
@password_recently_typed
def email():
    form = EmailForm(current_user.email)
    if form.validate_on_submit():
        for verdict in email_rate_limits(form.email.data):
            if not verdict.allowed:
                return too_many_requests(verdict)
        # The same answer whether or not the address has an account.
        profile.request_email_change(current_user, form.email.data)
        return redirect_to("profile.email_sent")
    return render_page("profile/email.html", form=form, status=form_status(form))


@bp.route("/email/sent")
@device_required
def email_sent():
    return render_page("profile/email_sent.html", hours=profile.EMAIL_CHANGE_HOURS)


# Not behind a sign-in: the link proves the new address, and is often opened
# on another device. Opening it only shows a button: a mail filter that
# follows links must not change anyone's address.
@bp.route("/email/confirm/<token>")
def email_confirm_link(token):
    return keep_link_token("email", token, "profile.email_confirm")


@bp.route("/email/confirm", methods=["GET", "POST"])
def email_confirm():
    token = link_token("email")
    state, _token = profile.email_change_token(token, market())
    form = ButtonForm()
    if state is EmailChange.CHANGED and form.validate_on_submit():
        state = profile.confirm_email_change(token, market())
        if state is EmailChange.CHANGED:
            forget_link_token("email")
            return redirect_to("profile.email_changed")
    if state is EmailChange.CHANGED:
        return render_page("profile/email_confirm.html", form=form)
    return render_page("profile/email_invalid.html", state=state.value,
                       hours=profile.EMAIL_CHANGE_HOURS,
                       status={EmailChange.USED: 409, EmailChange.EXPIRED: 410,
                               EmailChange.TAKEN: 409, EmailChange.INVALID: 404}[state])


@bp.route("/email/changed")
def email_changed():
    return render_page("profile/email_changed.html")


# --- password ------------------------------------------------------------------------

@bp.route("/password", methods=["GET", "POST"])
@device_required
@password_recently_typed
def password():
    form = PasswordForm(current_user)
    if form.validate_on_submit():
        verdict = rate_limited("login-client", client_address(), "RATE_LIMIT_LOGIN_PER_CLIENT")
        if not verdict.allowed:
            return too_many_requests(verdict)
        checked = profile.check_password(current_user, form.current_password.data)
        if checked is PasswordCheck.LOCKED:
            return locked_out()
        if checked is PasswordCheck.OK:
            customer = current_user._get_current_object()
            customer.session_key = profile.change_password(customer, form.new_password.data)
            login_user(customer)
            session.pop("_id", None)    # see views.auth.login
            flash(_("Your password is changed. Every other device was signed out."), "success")
            return redirect_to("profile.overview")
        form.current_password.errors.append(_("Your current password is not right."))
    return render_page("profile/password.html", form=form, status=form_status(form))


# --- language ------------------------------------------------------------------------

@bp.route("/language", methods=["GET", "POST"])
@device_required
@password_recently_typed
def language():
    form = LanguageForm(market(), data=prefill(locale=current_user.locale))
    if form.validate_on_submit():
        profile.save_locale(current_user, form.locale.data)
        with force_locale(form.locale.data):
            flash(_("We will write to you in this language."), "success")
        return redirect_to("profile.overview", lang=site_code(form.locale.data))
    return render_page("profile/language.html", form=form, status=form_status(form))


# --- download my data ----------------------------------------------------------------

@bp.route("/data", methods=["GET", "POST"])
@device_required
@password_recently_typed
def data_export():
    """The file at once, or, when it would take long to build, queued for
    the worker, which emails a link (domain.data_export)."""
    form = DataExportForm()
    if form.validate_on_submit():
        verdict = rate_limited("data-export", current_user.id, "DATA_EXPORTS_PER_CUSTOMER")
        if not verdict.allowed:
            count = current_app.config["DATA_EXPORTS_PER_CUSTOMER"][0]
            problem = ngettext("You can download your data %(num)s time a day. Try again tomorrow.",
                               "You can download your data %(num)s times a day. Try again tomorrow.",
                               count)
            return retry_after(render_page("profile/data_export.html", form=form, problem=problem),
                               verdict)
        if exports.too_big_to_build_now(current_user.id):
            exports.queue(current_user.id, current_locale())
            return redirect_to("profile.data_export_queued")
        site = chosen_site()
        archive = exports.exported_now(current_user.id, site)
        return send_made_file(archive, "application/zip",
                              exports.file_name(site, today_in(site.market.timezone)))
    return render_page("profile/data_export.html", form=form, problem=None,
                       status=form_status(form))


@bp.route("/data/queued")
@device_required
def data_export_queued():
    return render_page("profile/data_export_queued.html",
                       hours=current_app.config["DATA_EXPORT_LINK_HOURS"])


# The emailed link: its token moves into the session (views.shared.link_tokens).
@bp.route("/data/download/<token>")
def data_export_link(token):
    return keep_link_token("export", token, "profile.data_export_ready")


@bp.route("/data/download", methods=["GET", "POST"])
def data_export_ready():
    """The emailed link's page: the file, once, for the customer it was made
    for, signed in (signing in starts a new session, so the link is opened
    again afterwards: the page says so)."""
    if not current_user.is_authenticated:
        return render_page("profile/data_export_sign_in.html")
    return signed_in_download()


@device_required
@password_recently_typed
def signed_in_download():
    state, row = exports.ready_export(link_token("export"), current_user.id)
    form = DataExportForm()
    if state is exports.LinkState.VALID and form.validate_on_submit():
        archive = exports.take(row)
        if archive is not None:
            forget_link_token("export")
            site = chosen_site()
            return send_made_file(archive, "application/zip",
                                  exports.file_name(site, row.ready_at.date()))
        state, row = exports.ready_export(link_token("export"), current_user.id)
        state = exports.LinkState.EXPIRED if state is exports.LinkState.VALID else state
    if state is exports.LinkState.VALID:
        return render_page("profile/data_export_ready.html", form=form)
    return render_page("profile/data_export_invalid.html", state=state.value,
                       hours=current_app.config["DATA_EXPORT_LINK_HOURS"],
                       status={exports.LinkState.USED: 409, exports.LinkState.EXPIRED: 410,
                               exports.LinkState.INVALID: 404}[state])


# --- closing the online account ------------------------------------------------------

# The session's mark that the password was typed on the closing page itself
# (not only for another change a few minutes ago): only then is the final
# question asked.
CLOSING = "closing"


@bp.route("/close", methods=["GET", "POST"])
@device_required
def close():
    """What closing does and does not do, and the password."""
    form = ConfirmPasswordForm()
    refused = password_typed_again(form)
    if refused is None:
        session[CLOSING] = True
        return redirect_to("profile.close_confirm")
    if refused is not False:
        return refused
    return render_page("profile/close.html", form=form, status=form_status(form))


@bp.route("/close/confirm", methods=["GET", "POST"])
@device_required
def close_confirm():
    """Asked once more; the button closes the account and signs out."""
    if not session.get(CLOSING) or profile.needs_password(current_user):
        return redirect_to("profile.close")
    form = ButtonForm()
    if form.validate_on_submit():
        account_closing.close_account(current_user)
        logout_user()
        session.clear()
        answer = redirect_to("profile.closed")
        set_cookie(answer, devices.COOKIE, "", max_age=0)    # worth nothing now anyway
        return answer
    return render_page("profile/close_confirm.html", form=form)


# Signed out by then: the page only says it is done.
@bp.route("/closed")
def closed():
    return render_page("profile/closed.html")
