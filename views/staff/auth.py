"""The back office's front door: staff sign in with their password, then a
code from their authenticator app (or a recovery code); the first time,
they set the app up and get their recovery codes.

Staff sessions are kept apart from customers' (views.shared.guards): the
sign-in starts one, staff_required() lets its member in on every page
behind it.

Staff pages have no language in their URL: they are in the language of the
`site` cookie or Accept-Language (views.shared.sites.chosen_site), in the back
office's own layout (render_page(..., back_office=True)).
"""
import io
import logging
from functools import wraps

import segno
from flask import Blueprint, abort, current_app, flash, g, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from domain import roles, staff as staff_accounts, totp_keys
from forms.auth import ButtonForm, LoginForm
from forms.staff.auth import RecoveryCodeForm, TotpForm
from views.shared.answers import form_status, redirect_to, render_page, too_many_requests
from views.shared.guards import STAFF_SESSION, staff_required, staff_session
from views.shared.limits import client_address, rate_limited

bp = Blueprint("staff", __name__, url_prefix="/staff")
log = logging.getLogger(__name__)

# The sections of /staff, each shown to the roles with its permission
# (domain.roles). An entry whose endpoint does not exist yet shows as
# coming later.
SECTIONS = [
    ("queue", "agents.queue", _l("Queue"),
     _l("Customers' messages and service requests, the longest waiting first.")),
    ("staff", "admin.staff", _l("Staff and roles"),
     _l("Add staff members, change their roles, unlock or deactivate them.")),
    ("customers", "admin.customers", _l("Customer accounts"),
     _l("Find a customer's account by email address and unlock it.")),
    ("security_log", "admin.security_log", _l("Security log"),
     _l("Sign-ins, lockouts and refusals, of customers and staff.")),
    ("texts", "texts.index", _l("Texts"),
     _l("Every text of the pages and emails, in every language variant: word it, preview it, publish it.")),
    ("content", "content.home", _l("Content"),
     _l("Help-center articles in every language, and what readers ask and find.")),
]


# --- who is signed in -----------------------------------------------------------

def _second_factor_due(view):
    """For the pages between the password and the second factor: the view
    gets the member and the session row."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        loaded = staff_session()
        if loaded is None:
            return redirect_to("staff.login")
        if loaded[1].second_factor_at is not None:
            return redirect_to("staff.home")
        return view(*loaded, *args, **kwargs)
    return wrapped


def _next_step(staff):
    return redirect_to("staff.second_factor" if staff.totp_confirmed_at else "staff.setup")


def _wrong_code(staff, row, template, form, problem, **context):
    """A wrong code: the page again with the problem, or, at the fifth in
    this session, back to the password."""
    if staff_accounts.record_wrong_code(staff, row):
        session.pop(STAFF_SESSION, None)
        flash(_("You typed %(num)s wrong codes. For your protection, sign in again.",
                num=staff_accounts.MAX_WRONG_CODES), "info")
        return redirect_to("staff.login")
    return render_page(template, form=form, problem=problem, status=form_status(form, problem),
                       back_office=True, **context)


@bp.errorhandler(totp_keys.TotpKeyError)
def _keys_unusable(error):
    """A member's TOTP secret that the configured keys cannot open (a key
    changed or lost): never taken for a wrong code nor let through. The
    member is told it is not their fault, the operator the cause."""
    log.error("a staff member cannot complete the second factor: %s", error)
    return render_page("staff/keys_unusable.html", status=503, back_office=True)


# --- pages ------------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
def login():
    loaded = staff_session()
    if loaded is not None:
        return redirect_to("staff.home") if loaded[1].second_factor_at else _next_step(loaded[0])
    form = LoginForm()
    refused = False
    if form.validate_on_submit():
        verdict = rate_limited("staff-login-client", client_address(), "RATE_LIMIT_LOGIN_PER_CLIENT")
        if not verdict.allowed:
            return too_many_requests(verdict)
        staff = staff_accounts.authenticate(form.email.data, form.password.data)
        if staff is not None:
            # A new cookie session at sign-in: nothing of the old one carries over.
            session.clear()
            session[STAFF_SESSION] = staff_accounts.start(staff)
            return _next_step(staff)
        refused = True
    return render_page("staff/login.html", form=form, refused=refused,
                       attempts=staff_accounts.MAX_FAILED_LOGINS,
                       status=form_status(form, refused), back_office=True)


@bp.route("/second-factor/setup", methods=["GET", "POST"])
@_second_factor_due
def setup(staff, row):
    if staff.totp_confirmed_at is not None:
        return redirect_to("staff.second_factor")
    secret, _uri = staff_accounts.start_enrolment(staff)
    # Groups of four are easier to type into an app than 32 letters.
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    form = TotpForm()
    if form.validate_on_submit():
        if staff_accounts.confirm_enrolment(staff, form.code.data):
            staff_accounts.mark_second_factor(session[STAFF_SESSION])
            return redirect_to("staff.recovery_codes")
        return _wrong_code(staff, row, "staff/setup.html", form, _(
            "This code is not right. Check that the app has the key above and type the code it "
            "shows now."), secret=grouped)
    return render_page("staff/setup.html", form=form, problem=None, secret=grouped,
                       status=form_status(form), back_office=True)


@bp.route("/second-factor/qr.svg")
def qr():
    """The QR code of the pending secret, for the setup page's <img>. Only
    to the member setting up, between password and second factor; it holds
    the secret, so it is never cached."""
    loaded = staff_session()
    if loaded is None or loaded[1].second_factor_at is not None:
        abort(404)
    staff = loaded[0]
    if staff.totp_confirmed_at is not None or not staff_accounts.has_secret(staff):
        abort(404)
    svg = io.BytesIO()
    segno.make(staff_accounts.otpauth_uri(staff), error="m").save(
        svg, kind="svg", scale=4, light="#fff", xmldecl=False, omitsize=True)
    response = current_app.response_class(svg.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/second-factor/recovery-codes", methods=["GET", "POST"])
@staff_required()
def recovery_codes():
    form = ButtonForm()
    if form.validate_on_submit():
        return redirect_to("staff.home")
    # Made when the page is first opened after the setup, and shown then only.
    codes = staff_accounts.issue_recovery_codes(g.staff)
    return render_page("staff/recovery_codes.html", form=form, codes=codes, back_office=True)


@bp.route("/second-factor", methods=["GET", "POST"])
@_second_factor_due
def second_factor(staff, row):
    if staff.totp_confirmed_at is None:
        return redirect_to("staff.setup")
    form = TotpForm()
    if form.validate_on_submit():
        if staff_accounts.verify_code(staff, form.code.data):
            staff_accounts.mark_second_factor(session[STAFF_SESSION])
            return redirect_to("staff.home")
        return _wrong_code(staff, row, "staff/second_factor.html", form, _(
            "This code is not right, or it was used already. Type the code the app shows now, "
            "or wait for the next one."))
    return render_page("staff/second_factor.html", form=form, problem=None,
                       status=form_status(form), back_office=True)


@bp.route("/second-factor/recovery", methods=["GET", "POST"])
@_second_factor_due
def recovery(staff, row):
    if staff.totp_confirmed_at is None:
        return redirect_to("staff.setup")
    form = RecoveryCodeForm()
    if form.validate_on_submit():
        if staff_accounts.use_recovery_code(staff, form.code.data):
            staff_accounts.mark_second_factor(session[STAFF_SESSION])
            flash(ngettext("You used a recovery code. %(num)s code is left.",
                           "You used a recovery code. %(num)s codes are left.",
                           staff_accounts.recovery_codes_left(staff)), "info")
            return redirect_to("staff.home")
        return _wrong_code(staff, row, "staff/recovery.html", form, _(
            "This recovery code is not right, or it was used already."))
    return render_page("staff/recovery.html", form=form, problem=None,
                       status=form_status(form), back_office=True)


@bp.route("/logout", methods=["POST"])
def logout():
    if ButtonForm().validate_on_submit() and session.get(STAFF_SESSION):
        staff_accounts.logout(session.pop(STAFF_SESSION))
        flash(_("You have signed out."), "success")
    return redirect_to("staff.login")


@bp.route("")
@staff_required()
def home():
    sections = [dict(title=title, text=text,
                     url=url_for(endpoint) if endpoint in current_app.view_functions else None)
                for permission, endpoint, title, text in SECTIONS
                if roles.may(g.staff.role, permission)]
    return render_page("staff/home.html", staff=g.staff, role=roles.label(g.staff.role),
                       sections=sections, back_office=True)
