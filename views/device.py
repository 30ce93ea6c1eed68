"""Device authorization (domain.devices): after linking, and at each sign-in
from a browser not remembered, a code by text or email before agreement
data shows; and the list of remembered devices, each can be revoked."""
from flask import Blueprint, flash, request, session
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from domain import codes, devices, sessions
from domain.db import database
from domain.security_log import log_event
from forms.auth import ButtonForm
from forms.link import DestinationForm, DeviceCodeForm
from views.shared.answers import form_status, redirect_to, render_page
from views.shared.code_pages import code_problem, code_refused, send_again_form, the_code_sent_a_moment_ago
from views.shared.cookies import set_cookie
from views.shared.guards import AFTER_DEVICE, device_required
from views.shared.limits import client_address
from views.shared.sites import current_locale

bp = Blueprint("device", __name__, url_prefix="/<lang>")

DEVICE_CODE = "device_code"


def finish():
    sessions.mark_device_ok(current_user.session_key)
    return redirect_to(session.pop(AFTER_DEVICE, None) or "account.home")


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
            return (the_code_sent_a_moment_ago(refusal, DEVICE_CODE, "device.code")
                    or code_refused(refusal, form, "device/choose.html", options=options))
        session[DEVICE_CODE] = row.id
        return redirect_to("device.code")
    return render_page("device/choose.html", form=form, options=options, problem=None,
                       status=form_status(form))


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
                       resend=send_again_form(), status=form_status(form, problem))


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
