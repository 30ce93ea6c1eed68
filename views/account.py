"""The signed-in customer's home: the agreements linked so far (the
dashboard issue fills it in), a way to add one, the remembered devices."""
from flask import Blueprint
from flask_login import current_user

from forms.auth import ButtonForm
from models import Agreement
from views.device import device_required
from views.web import render_page

bp = Blueprint("account", __name__, url_prefix="/<lang>")


@bp.route("/account")
@device_required
def home():
    agreements = list(Agreement.select().where(Agreement.customer == current_user.id)
                      .order_by(Agreement.linked_at))
    return render_page("account/home.html", customer=current_user, agreements=agreements,
                       form=ButtonForm())
