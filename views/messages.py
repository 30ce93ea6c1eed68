"""The customer's message center (domain.messages): inbox, compose with
attachments, a thread and its answer. Every URL with a thread in it goes
through owned_thread(), so another customer's thread (and its files)
answers the same 404 as a missing one."""
from flask import Blueprint, abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from domain import agreements, messages
from forms.messages import (ACCEPT, ComposeForm, ReplyForm, file_limits, sending_limit_message,
                            topic_label)
from models import Attachment, Message
from views.shared.answers import form_status, is_prefetch, redirect_to, render_page, retry_after
from views.shared.files import attachments_room, send_attachment
from views.shared.guards import device_required
from views.shared.limits import message_limit
from views.shared.sites import chosen_site

bp = Blueprint("messages", __name__, url_prefix="/<lang>/messages")

UPLOAD_ENDPOINTS = {"messages.compose", "messages.reply"}


@bp.url_value_preprocessor
def _room_for_files(endpoint, values):
    """A message may carry its files: the app's 1 MB limit is raised for
    it. This runs before every before_request function, CSRFProtect's
    included, which reads the form: the limit must be raised before anyone
    parses the body. A bigger request still gets the 413 page."""
    if endpoint in UPLOAD_ENDPOINTS and request.method == "POST":
        request.max_content_length = attachments_room()


def owned_thread(thread_id):
    """The signed-in customer's thread, or 404 (never 403: whether a thread
    exists is not for others to learn)."""
    thread = messages.owned_thread(thread_id, current_user.id)
    if thread is None:
        abort(404)
    return thread


@bp.route("")
@device_required
def inbox():
    page = request.args.get("page", 1, type=int)
    threads, page, pages = messages.inbox_page(current_user.id, page)
    return render_page("messages/inbox.html", threads=threads, page=page, pages=pages,
                       topic_label=topic_label, excerpt=messages.excerpt)


@bp.route("/new", methods=["GET", "POST"])
@device_required
def compose():
    form = ComposeForm(chosen_site().market.message_topics, agreements.of_customer(current_user.id),
                       sender={"customer": current_user.id})
    verdict = None
    if form.validate_on_submit():
        verdict = within_limit(form)
        if verdict.allowed:
            thread = messages.open_thread(current_user, form.chosen_agreement, form.topic.data,
                                          form.body.data, form.uploads)
            return redirect_to("messages.sent", thread_id=thread.id)
    return refused_or(verdict, render_page(
        "messages/compose.html", status=form_status(form), form=form,
        body_max=messages.BODY_MAX, accept=ACCEPT, file_limits=file_limits()))


def within_limit(form):
    """Count the message the form sends; over the customer's limit, the
    form gets the error at its text, which the page shows again as typed."""
    verdict = message_limit()
    if not verdict.allowed:
        form.body.errors.append(sending_limit_message(verdict))
    return verdict


def refused_or(verdict, answer):
    """The page shown again: 429 with Retry-After when the limit refused it."""
    return retry_after(answer, verdict) if verdict is not None and not verdict.allowed else answer


@bp.route("/<id:thread_id>/sent")
@device_required
def sent(thread_id):
    thread = owned_thread(thread_id)
    return render_page("messages/sent.html", thread=thread, topic=topic_label(thread))


def show_thread(thread, form, status=200):
    return render_page("messages/thread.html", status=status, thread=thread, form=form,
                       topic=topic_label(thread), agreement=thread.agreement,
                       conversation=messages.conversation(thread), body_max=messages.BODY_MAX,
                       accept=ACCEPT, file_limits=file_limits())


@bp.route("/<id:thread_id>")
@device_required
def thread(thread_id):
    """Opening a thread with an unread answer reads it, with JavaScript or
    without, and says so once; the header, whose count of unread threads
    came with the session (domain.sessions), counts one fewer. A browser's
    prefetch or a HEAD is not the customer opening it."""
    thread = owned_thread(thread_id)
    opened = request.method == "GET" and not is_prefetch()
    if opened and messages.read_on_open(thread):
        # One thread fewer to read than the session counted: the header's figure.
        current_user.unread_threads = max(0, (current_user.unread_threads or 1) - 1)
        flash(_("There is a new answer in this conversation."), "info")
    return show_thread(thread, ReplyForm())


@bp.route("/<id:thread_id>/reply", methods=["POST"])
@device_required
def reply(thread_id):
    thread = owned_thread(thread_id)
    form = ReplyForm(sender={"customer": current_user.id})
    verdict = None
    if form.validate_on_submit():
        verdict = within_limit(form)
        if verdict.allowed:
            messages.customer_reply(thread, form.body.data, form.uploads)
            flash(_("Your answer is sent."), "info")
            return redirect_to("messages.thread", thread_id=thread.id)
    return refused_or(verdict, show_thread(thread, form, status=form_status(form)))


@bp.route("/<id:thread_id>/attachments/<id:attachment_id>")
@device_required
def attachment(thread_id, attachment_id):
    thread = owned_thread(thread_id)
    row = (Attachment.select().join(Message)
           .where(Attachment.id == attachment_id, Message.thread == thread.id).first())
    if row is None:
        abort(404)
    return send_attachment(row)
