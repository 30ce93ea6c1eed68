"""Pages outside any flow: the entry redirect, the list of countries, the
home page of a site, the terms, and the health check."""
import re

from flask import Blueprint, abort, current_app, make_response, redirect, url_for
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
    """The market's stylesheet: static/css/site.css with the market's colour
    written where it says var(--brand). One stylesheet is the one request
    that holds up a page's first paint on a slow link, and a browser
    without custom properties (README, Browsers) shows the market's colour
    too. The URL carries a hash of both, so browsers may keep the file for
    a year."""
    market = MARKETS.get(market_key)
    if market is None:
        abort(404)
    response = make_response(market_stylesheet(market.brand_color))
    response.mimetype = "text/css"
    response.cache_control.public = True
    response.cache_control.max_age = 365 * 24 * 3600
    return response


# A comment of the stylesheet, with the line break after it: for its
# readers, not for the browsers of a slow link.
CSS_COMMENT = re.compile(r"/\*.*?\*/\n?", re.S)


def market_stylesheet(brand_color):
    stylesheets = current_app.extensions.setdefault("market_stylesheets", {})
    if brand_color not in stylesheets:
        css = CSS_COMMENT.sub("", current_app.extensions["site_css"])
        stylesheets[brand_color] = css.replace("var(--brand)", brand_color)
    return stylesheets[brand_color]


@bp.route("/healthz")
def healthz():
    try:
        database.execute_sql("SELECT 1")
    except Exception:   # any database error means not healthy
        return {"status": "unavailable"}, 503
    return {"status": "ok"}
