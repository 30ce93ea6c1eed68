"""An agreement's page: terms, payments (paged), documents to download.
Every URL with an agreement in it asks for it with the customer's id
(owned_agreement() in views.shared.guards, domain.agreements), so that
another customer's agreement answers the same 404 as a missing one."""
from flask import Blueprint, abort, request, send_file
from flask_login import current_user

from domain import agreements, documents
from domain.clock import today_in
from models import Document
from views.shared.answers import render_page
from views.shared.guards import device_required, owned_agreement
from views.shared.sites import chosen_site

bp = Blueprint("agreements", __name__, url_prefix="/<lang>/agreements")


@bp.route("/<id:agreement_id>")
@device_required
def detail(agreement_id):
    page = request.args.get("page", 1, type=int)
    today = today_in(chosen_site().market.timezone)
    found = agreements.agreement_page(agreement_id, current_user.id, page, today)
    if found is None:
        abort(404)         # another customer's answers as a missing one
    agreement, shown = found
    return render_page("agreements/detail.html", agreement=agreement, payments=shown.payments,
                       page=shown.page, pages=shown.pages, next_due=shown.next_due,
                       overdue=shown.overdue, maturity=agreements.maturity(agreement),
                       documents=shown.documents)


@bp.route("/<id:agreement_id>/documents/<id:document_id>")
@device_required
def document(agreement_id, document_id):
    agreement = owned_agreement(agreement_id)
    row = Document.get_or_none(Document.id == document_id, Document.agreement == agreement.id)
    if row is None:
        abort(404)
    documents.mark_opened(row)
    response = send_file(documents.path_of(row), mimetype="application/pdf", as_attachment=True,
                         download_name=documents.download_name(row), max_age=0)
    response.headers["Cache-Control"] = "no-store"
    # Opened in a tab anyway, the file may run nothing of ours.
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
