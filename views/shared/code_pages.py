"""What the pages that send a one-time code share (device authorization,
linking by contract, a new phone number): the "send again" button, and
the answer when a code could not be sent or was typed wrong."""
from flask import flash, session
from flask_babel import gettext as _
from flask_babel import ngettext

from domain import codes
from domain.ratelimit import Verdict
from forms.auth import ButtonForm
from views.shared.answers import form_status, redirect_to, render_page, too_many_requests


def send_again_form():
    return ButtonForm()


def the_code_sent_a_moment_ago(refusal, session_key, endpoint):
    """A code went to the same phone or address less than a minute ago (the
    customer asked in another browser, or twice): this browser takes that
    code, to be typed on the code page, instead of a wait without a box.
    None when the refusal is of another kind."""
    if refusal.reason != "cooldown" or refusal.code_id is None:
        return None
    session[session_key] = refusal.code_id
    flash(_("We sent you a code a moment ago: type the code from that message."), "info")
    return redirect_to(endpoint)


def code_refused(refusal, form, template, **context):
    """A code that could not be sent: why, on the page the customer was on."""
    if refusal.reason == "limit":
        return too_many_requests(Verdict(False, refusal.retry_after))
    if refusal.reason == "cooldown":
        problem = ngettext("We sent a code a moment ago. Wait %(num)s second before asking for another.",
                           "We sent a code a moment ago. Wait %(num)s seconds before asking for another.",
                           refusal.retry_after)
        status = 429
    else:
        problem = _("We cannot send a text message to this number. Call us and we will help you.")
        status = form_status(form, problem)
    return render_page(template, form=form, problem=problem, status=status, **context)


def code_problem(verdict, left):
    if verdict is codes.Check.EXPIRED:
        return _("This code has expired. Ask for a new code below.")
    return ngettext("This code is not right. You have %(num)s try left.",
                    "This code is not right. You have %(num)s tries left.", left)
