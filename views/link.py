"""The linking wizard: add an agreement to the account by the market's
method (domain.linking), then, where the market asks for it, authorize the
device (views/device.py)."""
from decimal import Decimal

from flask import Blueprint, abort, flash, session
from flask_babel import gettext as _
from flask_login import current_user, login_required

from domain import codes, devices, linking
from domain.db import database
from domain.linking import Outcome
from domain.ratelimit import Verdict
from forms.auth import ButtonForm
from forms.link import CodeForm, ContractForm, CustomerNumberForm, IdentityForm
from models import Agreement
from views.shared.answers import form_status, redirect_to, render_page, too_many_requests
from views.shared.code_pages import code_problem, code_refused, send_again_form, the_code_sent_a_moment_ago
from views.shared.guards import device_required
from views.shared.limits import client_address
from views.shared.sites import chosen_site, current_locale
from views.shared.templating import format_money

bp = Blueprint("link", __name__, url_prefix="/<lang>/agreements/link")

LINK_CODE = "link_code"     # the session remembers the id of the code row, nothing else


def market():
    return chosen_site().market


def refused_page(result, form, template, **context):
    """The answer to every outcome but success, on the form's page."""
    if result.outcome is Outcome.TOO_MANY:
        return too_many_requests(Verdict(False, result.retry_after))
    if result.outcome is Outcome.BLOCKED:
        return redirect_to("link.blocked")
    messages = {
        Outcome.MISMATCH: _("We could not find an agreement with these details. Check them "
                            "against your contract or statement and try again."),
        Outcome.ALREADY_YOURS: _("This agreement is already in your account."),
        Outcome.BUSINESS: _("Agreements of business customers cannot be managed online. "
                            "Call us at %(phone)s and we will help you.",
                            phone=market().format_support_phone()),
    }
    problem = messages[result.outcome]
    return render_page(template, form=form, problem=problem, status=form_status(form, problem),
                       **context)


def linked(result):
    """After a successful link: the device comes next where the market asks."""
    session["linked"] = [agreement.id for agreement in result.agreements]
    if devices.needs_authorization(current_user) and not current_user.device_ok:
        session["after_device"] = "link.done"
        return redirect_to("device.choose")
    return redirect_to("link.done")


@bp.route("", methods=["GET", "POST"])
@login_required
def start():
    if market().link_method == "contract_code":
        return contract()
    form = IdentityForm(check_digit=market().vin_check_digit, date_fields=market().date_fields)
    if form.validate_on_submit():
        result = linking.by_identity(current_user, client_address(), form.first_name.data,
                                     form.last_name.data, form.birth_date, form.vin.data,
                                     form.last_payment.amount)
        if result.outcome is Outcome.LINKED:
            return linked(result)
        return refused_page(result, form, "link/identity.html", **identity_context())
    return render_page("link/identity.html", form=form, problem=None,
                       status=form_status(form), **identity_context())


def identity_context():
    # An amount written the way this locale writes it.
    return {"example_amount": format_money(Decimal("412.50"))}


@bp.route("/customer-id", methods=["GET", "POST"])
@login_required
def customer_number():
    if market().link_method != "identity":
        abort(404)
    form = CustomerNumberForm()
    if form.validate_on_submit():
        result = linking.by_customer_number(current_user, client_address(),
                                            form.customer_number.data)
        if result.outcome is Outcome.LINKED:
            return linked(result)
        return refused_page(result, form, "link/customer_number.html")
    return render_page("link/customer_number.html", form=form, problem=None,
                       status=form_status(form))


def contract():
    form = ContractForm(market().contract_number_pattern, market().contract_number_example)
    if form.validate_on_submit():
        result = linking.by_contract(current_user, client_address(), market(),
                                     form.contract_number.data)
        if result.outcome is not Outcome.CODE_NEEDED:
            return refused_page(result, form, "link/contract.html")
        agreement = result.agreements[0]
        try:
            row = codes.send("link", current_user, "sms", agreement.phone, current_locale(),
                             client_address(), agreement=agreement)
        except codes.Refused as refusal:
            return (the_code_sent_a_moment_ago(refusal, LINK_CODE, "link.code")
                    or code_refused(refusal, form, "link/contract.html"))
        session[LINK_CODE] = row.id
        return redirect_to("link.code")
    return render_page("link/contract.html", form=form, problem=None,
                       status=form_status(form))


def current_code():
    """The code row of this wizard, used or not (None outside it)."""
    if market().link_method != "contract_code":
        return None
    return codes.find(session.get(LINK_CODE), current_user.id, "link")


@bp.route("/code", methods=["GET", "POST"])
@login_required
def code():
    row = current_code()
    if row is None:
        return redirect_to("link.start")
    agreement = Agreement.get_by_id(row.agreement_id)
    if agreement.link_blocked_at is not None:
        return redirect_to("link.blocked")
    if agreement.customer_id == current_user.id:
        # Linked by a twin of this request (a double click): carry on.
        return linked(linking.Result(Outcome.LINKED, [agreement]))
    if row.used_at is not None:
        return redirect_to("link.start")
    form = CodeForm()
    problem = None
    if form.validate_on_submit():
        # Using the code and linking commit together, so that a twin request
        # never sees the code used and the agreement not linked.
        with database.atomic():
            verdict, left = codes.check(row, form.code.data)
            if verdict is codes.Check.OK:
                result = linking.link_checked(current_user, agreement)
        if verdict is codes.Check.OK:
            session.pop(LINK_CODE, None)
            if result.outcome is Outcome.LINKED:
                return linked(result)
            return refused_page(result, ContractForm(market().contract_number_pattern,
                                                     market().contract_number_example),
                                "link/contract.html")
        if verdict is codes.Check.EXHAUSTED:
            linking.block(current_user, agreement)
            codes.close(row)
            return redirect_to("link.blocked")
        if verdict is codes.Check.GONE:
            return redirect_to("link.code")     # see above: linked meanwhile, or start again
        problem = code_problem(verdict, left)
    return render_page("link/code.html", form=form, problem=problem, row=row,
                       masked=codes.mask_phone(row.destination), resend=send_again_form(),
                       status=form_status(form, problem))


@bp.route("/code/resend", methods=["POST"])
@login_required
def resend():
    row = current_code()
    if row is None or row.used_at is not None or not ButtonForm().validate_on_submit():
        return redirect_to("link.code")
    try:
        codes.resend(row, current_locale(), client_address())
    except codes.Refused as refusal:
        return code_refused(refusal, CodeForm(formdata=None), "link/code.html", row=row,
                            masked=codes.mask_phone(row.destination), resend=send_again_form())
    flash(_("We have sent you a new code."), "success")
    return redirect_to("link.code")


@bp.route("/blocked")
@login_required
def blocked():
    return render_page("link/blocked.html", status=403)


@bp.route("/done")
@device_required      # it names the vehicle and the contract
def done():
    ids = session.get("linked") or []
    agreements = list(Agreement.select().where(Agreement.id.in_(ids),
                                               Agreement.customer == current_user.id))
    if not agreements:
        return redirect_to("account.home")
    return render_page("link/done.html", agreements=agreements)
