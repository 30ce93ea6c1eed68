"""Payoff quotes (domain.quotes): pick a date, get a numbered quote that is
kept, printable and downloadable as PDF."""
from flask import Blueprint, abort
from flask_login import current_user

from domain import quotes
from forms.payoff import PayoffDateForm
from models import Agreement
from views.shared.answers import form_status, redirect_to, render_page
from views.shared.guards import device_required, owned_agreement
from views.shared.sites import chosen_site, current_locale

bp = Blueprint("payoff", __name__, url_prefix="/<lang>")


@bp.route("/agreements/<id:agreement_id>/payoff", methods=["GET", "POST"])
@device_required
def start(agreement_id):
    agreement = owned_agreement(agreement_id)
    market = chosen_site().market
    first, last = quotes.payoff_window(market)
    form = PayoffDateForm(first, last)
    if form.validate_on_submit():
        row = quotes.make_quote(agreement, form.payoff_date, market)
        return redirect_to("payoff.quote", number=row.number)
    return render_page("payoff/start.html", form=form, agreement=agreement, last=last,
                       status=form_status(form))


def owned_quote(number):
    """The signed-in customer's quote, or the same 404 as a missing one."""
    row = quotes.find_quote(number, current_user.id)
    if row is None:
        abort(404)
    return row, Agreement.get_by_id(row.agreement_id)


@bp.route("/payoff-quotes/<number>")
@device_required
def quote(number):
    row, agreement = owned_quote(number)
    today = quotes.payoff_window(chosen_site().market)[0]
    return render_page("payoff/quote.html", quote=row, agreement=agreement,
                       lines=quotes.quote_lines(row), basis=quotes.quote_basis(row),
                       expired=row.payoff_date < today)


@bp.route("/payoff-quotes/<number>.pdf")
@device_required
def pdf(number):
    row, agreement = owned_quote(number)
    body = quotes.render_pdf(row, agreement, chosen_site().market, current_locale())
    return body, 200, {
        "Content-Type": "application/pdf",
        "Content-Disposition": f'attachment; filename="{row.number}.pdf"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        # Opened in a tab anyway, the file may run nothing of ours.
        "Content-Security-Policy": "sandbox; default-src 'none'",
    }
