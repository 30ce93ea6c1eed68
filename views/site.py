"""Pages outside any flow: the entry redirect, the list of countries, the
home page of a site, the terms, and the health check."""
from flask import Blueprint, abort, make_response, redirect, url_for
from flask_login import current_user

from domain.db import database
from domain.markets import MARKETS
from views.shared.answers import redirect_to, render_page
from views.shared.sites import chosen_site

bp = Blueprint("site", __name__)


@bp.route("/")
def root():
    # The remembered site, else the best match for Accept-Language.
    response = redirect(url_for("site.home", lang=chosen_site().code), code=302)
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


@bp.route("/sites")
def sites():
    return render_page("site/sites.html", markets=MARKETS.values())


@bp.route("/<lang>/")
def home():
    if current_user.is_authenticated:
        return redirect_to("account.home")
    return render_page("site/home.html")


@bp.route("/<lang>/terms")
def terms():
    return render_page("site/terms.html")


@bp.route("/theme/<market_key>.css")
def theme(market_key):
    """The market's colours, from configuration. The URL carries a hash of
    them, so browsers may keep the file for a year."""
    market = MARKETS.get(market_key)
    if market is None:
        abort(404)
    response = make_response(f":root{{--brand:{market.brand_color}}}\n")
    response.mimetype = "text/css"
    response.cache_control.public = True
    response.cache_control.max_age = 365 * 24 * 3600
    return response


@bp.route("/healthz")
def healthz():
    try:
        database.execute_sql("SELECT 1")
    except Exception:   # any database error means not healthy
        return {"status": "unavailable"}, 503
    return {"status": "ok"}
