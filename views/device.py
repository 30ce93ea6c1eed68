"""Device authorization (domain.devices): after linking, and at each sign-in
from a browser not remembered, a code by text or e-mail before agreement
data shows; and the list of remembered devices, each can be revoked."""
from functools import wraps

from flask import Blueprint, flash, request, session
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, logout_user

from domain import codes, devices, sessions
from domain.db import database
from domain.security_log import log_event
from domain.ratelimit import Verdict
from forms.auth import ButtonForm
from forms.link import DestinationForm, DeviceCodeForm
from views.web import (client_address, current_locale, read_cookie, redirect_to, render_page,
                       set_cookie, too_many_requests)

bp = Blueprint("device", __name__, url_prefix="/<lang>")

DEVICE_CODE = "device_code"


def device_required(view):
    """For pages that show agreement data: a signed-in customer whose
    browser is authorized (or whose market does not ask for it)."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.device_ok and devices.needs_authorization(current_user):
            if request.method == "GET" and set(request.view_args) <= {"lang"}:
                session["after_device"] = request.endpoint     # back here afterwards
            return redirect_to("device.choose")
        return view(*args, **kwargs)
    return wrapped


def after_sign_in(customer):
    """Where a customer goes right after the password: a remembered device
    goes straight in, another one is asked for a code first."""
    if devices.needs_authorization(customer):
        if devices.recognize(customer, read_cookie(devices.COOKIE)):
            sessions.mark_device_ok(customer.session_key)
            log_event("device_recognized", customer)
        else:
            return redirect_to("device.choose")
    return redirect_to("account.home")


def send_again_form():
    return ButtonForm()


def code_refused(refusal, form, template, **context):
    """A code that could not be sent: why, on the page the customer was on."""
    if refusal.reason == "limit":
        return too_many_requests(Verdict(False, refusal.retry_after))
    if refusal.reason == "cooldown":
        problem = _("We sent a code a moment ago. Wait %(num)s seconds before asking for another.",
                    num=refusal.retry_after)
    else:
        problem = _("We cannot send a text message to this number. Call us and we will help you.")
    return render_page(template, form=form, problem=problem, status=429 if refusal.reason == "cooldown" else 422,
                       **context)


def code_problem(verdict, left):
    if verdict is codes.Check.EXPIRED:
        return _("This code has expired. Ask for a new code below.")
    return ngettext("This code is not right. You have %(num)s try left.",
                    "This code is not right. You have %(num)s tries left.", left)


def finish():
    sessions.mark_device_ok(current_user.session_key)
    return redirect_to(session.pop("after_device", None) or "account.home")


@bp.route("/device", methods=["GET", "POST"])
@login_required
def choose():
    if current_user.device_ok or not devices.needs_authorization(current_user):
        return finish()
    options = devices.destinations(current_user)
    form = DestinationForm(options)
    if form.validate_on_submit():
        destination = form.by_key[form.destination.data]
        try:
            row = codes.send("device", current_user, destination.channel, destination.address,
                             current_locale(), client_address())
        except codes.Refused as refusal:
            return code_refused(refusal, form, "device/choose.html", options=options)
        session[DEVICE_CODE] = row.id
        return redirect_to("device.code")
    return render_page("device/choose.html", form=form, options=options, problem=None,
                       status=422 if form.errors else 200)


def current_code():
    return codes.open_code(session.get(DEVICE_CODE), current_user.id, "device")


def masked(row):
    return codes.mask_phone(row.destination) if row.channel == "sms" else codes.mask_email(row.destination)


@bp.route("/device/code", methods=["GET", "POST"])
@login_required
def code():
    if current_user.device_ok:
        return finish()
    row = current_code()
    if row is None:
        return redirect_to("device.choose")
    form = DeviceCodeForm()
    problem = None
    if form.validate_on_submit():
        with database.atomic():     # the code used and the device trusted, together
            verdict, left = codes.check(row, form.code.data)
            if verdict is codes.Check.OK:
                sessions.mark_device_ok(current_user.session_key)
        if verdict is codes.Check.OK:
            session.pop(DEVICE_CODE, None)
            log_event("device_authorized", current_user)
            response = finish()
            if form.remember.data == "yes":
                secret, lifetime = devices.remember(current_user, devices.describe(request.user_agent.string))
                set_cookie(response, devices.COOKIE, secret, int(lifetime.total_seconds()))
            return response
        if verdict is codes.Check.GONE:
            # Used by a twin of this request (a double click), which has
            # authorized the device; or replaced by a new code.
            return redirect_to("device.code")
        if verdict is codes.Check.EXHAUSTED:
            # Out of tries: this session ends; a new sign-in starts over.
            codes.close(row)
            log_event("device_code_exhausted", current_user)
            sessions.end(current_user.session_key)
            logout_user()
            session.clear()
            return render_page("device/exhausted.html", status=403)
        problem = code_problem(verdict, left)
    return render_page("device/code.html", form=form, problem=problem, row=row, masked=masked(row),
                       resend=send_again_form(), status=422 if (form.errors or problem) else 200)


@bp.route("/device/code/resend", methods=["POST"])
@login_required
def resend():
    row = current_code()
    if row is None or not send_again_form().validate_on_submit():
        return redirect_to("device.choose")
    try:
        codes.resend(row, current_locale(), client_address())
    except codes.Refused as refusal:
        return code_refused(refusal, DeviceCodeForm(formdata=None), "device/code.html", row=row,
                            masked=masked(row), resend=send_again_form())
    flash(_("We have sent you a new code."), "success")
    return redirect_to("device.code")


@bp.route("/account/devices")
@device_required
def remembered():
    return render_page("device/list.html", devices=devices.live_devices(current_user),
                       form=ButtonForm())


@bp.route("/account/devices/<id:device_id>/revoke", methods=["POST"])
@device_required
def revoke(device_id):
    if ButtonForm().validate_on_submit() and devices.revoke(current_user, device_id):
        log_event("device_revoked", current_user)
        flash(_("This device will be asked for a code at the next sign-in."), "success")
    return redirect_to("device.remembered")
