"""The signed-in customer's home (the dashboard): a card per linked
agreement, a way to add one, the profile, services and devices."""
from flask import Blueprint
from flask_login import current_user

from domain import agreements
from domain.clock import today_in
from views.shared.answers import render_page
from views.shared.guards import device_required
from views.shared.sites import chosen_site

bp = Blueprint("account", __name__, url_prefix="/<lang>")


@bp.route("/account")
@device_required
def home():
    cards = agreements.cards(current_user.id, today_in(chosen_site().market.timezone))
    return render_page("account/home.html", customer=current_user, cards=cards)
