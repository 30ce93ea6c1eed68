"""The signed-in customer's home. The dashboard issue fills it in."""
from flask import Blueprint
from flask_login import current_user, login_required

from forms.auth import ButtonForm
from views.web import render_page

bp = Blueprint("account", __name__, url_prefix="/<lang>")


@bp.route("/account")
@login_required
def home():
    return render_page("account/home.html", customer=current_user, form=ButtonForm())
