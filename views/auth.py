"""Signing in and out, and resetting a forgotten password."""
from flask import Blueprint, flash, session
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from domain import accounts, sessions
from domain.accounts import LoginResult, TokenState
from forms.auth import ButtonForm, LoginForm
from forms.register import EmailAddressForm, NewPasswordForm
from forms.fields import personal_words
from views.shared.answers import form_status, redirect_to, render_page, too_many_requests
from views.shared.cache import cached_page
from views.shared.guards import after_sign_in
from views.shared.limits import client_address, email_rate_limits, rate_limited
from views.shared.link_tokens import keep_link_token, link_token
from views.shared.sites import chosen_site

bp = Blueprint("auth", __name__, url_prefix="/<lang>")


@bp.route("/login", methods=["GET", "POST"])
@cached_page()
def login():
    if current_user.is_authenticated:
        return redirect_to("account.home")
    form = LoginForm()
    refused = False
    if form.validate_on_submit():
        verdict = rate_limited("login-client", client_address(), "RATE_LIMIT_LOGIN_PER_CLIENT")
        if not verdict.allowed:
            return too_many_requests(verdict)
        result, customer = accounts.authenticate(chosen_site().market.key, form.email.data,
                                                 form.password.data)
        if result is LoginResult.OK:
            # A new session at login: nothing of the old cookie carries over.
            session.clear()
            customer.session_key = accounts.start_session(customer)
            login_user(customer)
            # flask-login adds a hash of the IP address and browser; we keep
            # no such data in the cookie (the server-side session is the check).
            session.pop("_id", None)
            return after_sign_in(customer)
        if result is LoginResult.PENDING:
            return render_page("auth/not_activated.html", status=403)
        refused = True
    status = form_status(form, refused)
    return render_page("auth/login.html", form=form, refused=refused, status=status)


@bp.route("/logout", methods=["POST"])
def logout():
    if ButtonForm().validate_on_submit() and current_user.is_authenticated:
        sessions.end(current_user.session_key)
        logout_user()
        session.clear()
        flash(_("You have signed out."), "success")
    return redirect_to("site.home")


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    form = EmailAddressForm()
    if form.validate_on_submit():
        for verdict in email_rate_limits(form.email.data):
            if not verdict.allowed:
                return too_many_requests(verdict)
        accounts.request_password_reset(chosen_site().market.key, form.email.data)
        return redirect_to("auth.reset_sent")
    return render_page("auth/forgot.html", form=form, status=form_status(form))


@bp.route("/forgot-password/sent")
def reset_sent():
    return render_page("auth/reset_sent.html")


@bp.route("/reset-password/<token>")
def reset_link(token):
    return keep_link_token("reset", token, "auth.reset_password")


@bp.route("/reset-password", methods=["GET", "POST"])
def reset_password():
    state, reset_token = accounts.check_token(link_token("reset"), "reset")
    if state is not TokenState.VALID:
        status = {TokenState.USED: 409, TokenState.EXPIRED: 410, TokenState.INVALID: 404}[state]
        return render_page("auth/reset_invalid.html", state=state.value, status=status)
    customer = reset_token.customer
    form = NewPasswordForm(personal_words=personal_words(
        customer.first_name, customer.last_name, customer.email))
    if form.validate_on_submit():
        if not accounts.reset_password(reset_token, form.password.data):
            return render_page("auth/reset_invalid.html", state=TokenState.USED.value, status=409)
        if current_user.is_authenticated:
            logout_user()
        session.clear()
        return redirect_to("auth.reset_done")
    return render_page("auth/reset.html", form=form, status=form_status(form))


@bp.route("/forgot-password/done")
def reset_done():
    return render_page("auth/reset_done.html")
