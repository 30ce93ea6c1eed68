"""The agents' queue (domain.queue): customers' messages and service
requests, the longest waiting first; a thread with its customer and their
agreements; answering with files, assigning, closing, reopening; a
statement or letter uploaded to one of the customer's agreements.

For the roles that may work the queue (domain.roles): others get 403 (and
the security log says who tried), anyone not signed in as staff goes to
the staff sign-in.
"""
from babel import Locale
from flask import Blueprint, abort, current_app, flash, g, request
from flask_babel import format_timedelta, get_locale
from flask_babel import gettext as _

from domain import documents, queue
from domain.clock import today_in, utcnow
from domain.i18n import label_text
from domain.ids import parse_id
from domain.markets import MARKETS
from domain.messages import BODY_MAX
from forms.auth import ButtonForm
from forms.messages import ACCEPT, file_limits, topic_label
from forms.staff.agents import (TITLE_MAX, AgentReplyForm, AssignForm, DocumentForm,
                                QueueFilterForm, document_limits, market_label)
from models import Attachment, Message
from views.shared.answers import form_status, redirect_to, render_page
from views.shared.files import TEXT_ROOM, attachments_room, send_attachment
from views.shared.guards import staff_required

bp = Blueprint("agents", __name__, url_prefix="/staff/queue")

@bp.url_value_preprocessor
def _room_for_files(endpoint, values):
    """An answer may carry files: the app's 1 MB limit is raised for it
    before anything reads the body (CSRFProtect does, before any view), as
    for the customers' messages (views.shared.files). So is it for a document,
    to its own limit: a file a little too large still reaches the form,
    which says so at the field."""
    if request.method != "POST":
        return
    config = current_app.config
    if endpoint == "agents.reply":
        request.max_content_length = attachments_room()
    elif endpoint == "agents.upload_document":
        request.max_content_length = config["DOCUMENT_MAX_BYTES"] + TEXT_ROOM


@bp.errorhandler(404)
@bp.errorhandler(413)
def _error(error):
    # In the back office's layout; a 413 says what the files may be.
    limits = None
    if error.code == 413:
        limits = document_limits() if request.endpoint == "agents.upload_document" else file_limits()
    return render_page("errors/http.html", code=error.code, status=error.code, back_office=True,
                       file_limits=limits)


# --- what the templates show ---------------------------------------------------------

def waited(thread):
    """How long the customer has waited, in the agent's language: "3 hours"."""
    return format_timedelta(utcnow() - thread.waiting_since, threshold=1)


def language_name(locale):
    return Locale.parse(locale).get_display_name(get_locale())


def market_name(key):
    market = MARKETS.get(key)
    if market is None:
        return key
    return label_text(lambda: market_label(market), key=("market", key))


HELPERS = dict(topic_label=topic_label, waited=waited, language_name=language_name,
               market_name=market_name, markets=MARKETS)


# --- the queue -------------------------------------------------------------------------

# Named `queue` for url_for; the function's name is taken by domain.queue.
@bp.route("", endpoint="queue")
@staff_required("queue")
def queue_page():
    form = QueueFilterForm(request.args, queue.team())
    after = request.args.get("after")
    threads, next_after = queue.queue_page(form.filters(), g.staff, after)
    return render_page("staff/agents/queue.html", back_office=True, form=form, threads=threads,
                       after=queue.parse_position(after) and after, next_after=next_after,
                       **HELPERS)


# --- a thread --------------------------------------------------------------------------

def found(thread_id):
    thread = queue.find(thread_id)
    if thread is None:
        abort(404)
    return thread


def customer_today(thread):
    """Today where the customer's market is: no document is issued later."""
    market = MARKETS.get(thread.customer.market)
    return today_in(market.timezone) if market else utcnow().date()


def new_document_form(thread, agreements):
    form = DocumentForm(agreements, customer_today(thread))
    if not form.is_submitted():
        # Most often the document is about the agreement of the conversation.
        form.agreement.data = str(thread.agreement_id or "")
    return form


def show(thread, reply_form=None, assign_form=None, document_form=None, status=200):
    """The thread page; a form given is shown with its errors (and the
    summary at the top is about it)."""
    agreements = queue.customer_agreements(thread.customer_id)
    reply_form = reply_form or AgentReplyForm()
    assign_form = assign_form or AssignForm(queue.team())
    document_form = document_form or new_document_form(thread, agreements)
    shown = next((f for f in (assign_form, document_form) if f.errors), reply_form)
    return render_page("staff/agents/thread.html", back_office=True, status=status, thread=thread,
                       customer=thread.customer, conversation=queue.conversation(thread),
                       agreements=agreements, reply_form=reply_form, assign_form=assign_form,
                       document_form=document_form, form=shown,
                       me=g.staff, body_max=BODY_MAX, accept=ACCEPT,
                       file_limits=file_limits(), document_limits=document_limits(),
                       title_max=TITLE_MAX, **HELPERS)


@bp.route("/<id:thread_id>")
@staff_required("queue")
def thread(thread_id):
    return show(found(thread_id))


@bp.route("/<id:thread_id>/reply", methods=["POST"])
@staff_required("queue")
def reply(thread_id):
    thread = found(thread_id)
    form = AgentReplyForm(sender={"staff": g.staff.id})
    if form.validate_on_submit():
        if queue.reply(g.staff, thread, form.body.data, form.uploads) is None:
            return account_closed(thread)
        flash(_("Your answer is sent. The customer gets an email that there is a new message."),
              "success")
        return redirect_to("agents.thread", thread_id=thread.id)
    return show(thread, reply_form=form, status=form_status(form))


def account_closed(thread):
    """An answer or a reopening of a thread whose customer closed their
    account (the page had no form for it, or was older than the closing)."""
    flash(_("This customer has closed their online account: the conversation cannot be "
            "answered or opened again."), "info")
    return redirect_to("agents.thread", thread_id=thread.id)


@bp.route("/<id:thread_id>/assign", methods=["POST"])
@staff_required("queue")
def assign(thread_id):
    thread = found(thread_id)
    form = AssignForm(queue.team())
    if form.validate_on_submit():
        member = queue.assign(thread, parse_id(form.assignee.data))
        if member is not None:
            if member.id == g.staff.id:
                flash(_("This conversation is now yours."), "success")
            else:
                flash(_("This conversation is now assigned to %(name)s.", name=member.name),
                      "success")
            return redirect_to("agents.thread", thread_id=thread.id)
        form.assignee.errors = [_("Choose who takes this conversation.")]
    return show(thread, assign_form=form, status=form_status(form))


def button_action(thread_id, change, done):
    """A button on the thread (release, close, reopen): make the change,
    say so, and go back to the thread. A change that returns False did not
    happen: the customer closed their account."""
    thread = found(thread_id)
    if ButtonForm().validate_on_submit():
        if change(thread) is False:
            return account_closed(thread)
        flash(done, "success")
    return redirect_to("agents.thread", thread_id=thread.id)


@bp.route("/<id:thread_id>/release", methods=["POST"])
@staff_required("queue")
def release(thread_id):
    return button_action(thread_id, queue.release, _("This conversation is assigned to nobody now."))


@bp.route("/<id:thread_id>/close", methods=["POST"])
@staff_required("queue")
def close(thread_id):
    return button_action(thread_id, queue.close, _("This conversation is closed."))


@bp.route("/<id:thread_id>/reopen", methods=["POST"])
@staff_required("queue")
def reopen(thread_id):
    return button_action(thread_id, queue.reopen, _("This conversation is open again."))


@bp.route("/<id:thread_id>/documents", methods=["POST"])
@staff_required("queue")
def upload_document(thread_id):
    thread = found(thread_id)
    form = DocumentForm(queue.customer_agreements(thread.customer_id), customer_today(thread),
                        sender={"staff": g.staff.id})
    if form.foreign_agreement():
        # Another customer's agreement answers like a missing one.
        abort(404)
    if form.validate_on_submit():
        documents.add_upload(form.chosen_agreement(), form.kind.data, form.title.data,
                             form.issued_on, form.document.data.filename, form.data_bytes)
        flash(_("The document is added to the agreement. The customer sees it as new."),
              "success")
        return redirect_to("agents.thread", thread_id=thread.id)
    return show(thread, document_form=form, status=form_status(form))


@bp.route("/<id:thread_id>/attachments/<id:attachment_id>")
@staff_required("queue")
def attachment(thread_id, attachment_id):
    row = (Attachment.select().join(Message)
           .where(Attachment.id == attachment_id, Message.thread == thread_id).first())
    if row is None:
        abort(404)
    return send_attachment(row)
