"""Service requests: a short guided form for the common requests (change of
payment date, a copy of a document, and what the market configures), which
lands in the message center as a thread of kind "service"."""
from flask import Blueprint, abort
from flask_login import current_user

from domain import agreements as customer_agreements, service
from domain.ids import parse_id
from forms.messages import sending_limit_message
from forms.service import DETAIL_FORMS, DOCUMENT_LABELS, NOTE_MAX, REQUEST_LABELS, RequestChoiceForm
from models import Thread
from views.shared.answers import form_status, redirect_to, render_page, retry_after
from views.shared.guards import device_required, owned_agreement
from views.shared.limits import message_limit
from views.shared.sites import chosen_site

bp = Blueprint("service", __name__, url_prefix="/<lang>/service-requests")


@bp.route("", methods=["GET", "POST"])
@device_required
def start():
    agreements = customer_agreements.of_customer(current_user.id)
    if not agreements:
        return redirect_to("account.home")
    form = RequestChoiceForm(chosen_site().market.service_requests, agreements)
    if form.validate_on_submit():
        return redirect_to("service.details", kind=form.kind.data, agreement_id=parse_id(form.agreement.data))
    return render_page("service/start.html", status=form_status(form), form=form)


@bp.route("/<kind>/<id:agreement_id>", methods=["GET", "POST"])
@device_required
def details(kind, agreement_id):
    if kind not in chosen_site().market.service_requests:
        abort(404)
    agreement = owned_agreement(agreement_id)
    form = DETAIL_FORMS[kind]()
    problem = None
    if form.validate_on_submit():
        # A request is a message to customer care: it counts toward the
        # customer's limit with their messages and answers.
        verdict = message_limit()
        if verdict.allowed:
            document = getattr(form, "document", None)
            body = service.request_text(kind, form.data,
                                        DOCUMENT_LABELS[document.data] if document else None)
            thread = service.open_request(current_user, agreement, kind, body)
            return redirect_to("service.sent", thread_id=thread.id)
        problem = sending_limit_message(verdict)
    answer = render_page("service/details.html", status=form_status(form, problem), form=form,
                         kind=kind, title=REQUEST_LABELS[kind], agreement=agreement,
                         note_max=NOTE_MAX, problem=problem, refused=problem is not None)
    return retry_after(answer, verdict) if problem else answer


@bp.route("/<id:thread_id>/sent")
@device_required
def sent(thread_id):
    thread = Thread.get_or_none(Thread.id == thread_id, Thread.customer == current_user.id,
                                Thread.kind == "service")
    if thread is None:
        abort(404)
    return render_page("service/sent.html", thread=thread, title=REQUEST_LABELS[thread.topic])
