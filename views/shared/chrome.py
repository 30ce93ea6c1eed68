"""The parts of every customer page that are the same for every visitor of
a site: what <head> holds but the title, the skip link and the brand, the
footer. A page is drawn many times a second for as many different
customers, and these parts hold a dozen translated texts and URLs that are
the same for all of them, so each site's are rendered once and kept with
what they were made from: the app,
the site (its market's settings) and the translations of the site's
language (replaced whenever marketers publish a text: domain.texts). A
marketer previewing drafts gets them rendered for the request."""
from dataclasses import dataclass

from flask import current_app, g, render_template
from markupsafe import Markup

from domain import db
from domain.i18n import current_translations
from views.shared.sites import chosen_site

PARTS = {"head": "_chrome_head.html", "top": "_chrome_top.html", "footer": "_footer.html"}


@dataclass
class Chrome:
    head: Markup
    top: Markup
    footer: Markup


# site code -> (app, database generation, site, translations, the parts):
# the same objects, not equal ones (a test's app, markets or texts anew).
_kept = {}


def site_chrome():
    site = chosen_site()
    translations = current_translations()
    if g.get("text_preview_by"):
        return _render()
    app = current_app._get_current_object()
    kept = _kept.get(site.code)
    if kept is None or kept[:4] != (app, db.generation(), site, translations):
        kept = _kept[site.code] = (app, db.generation(), site, translations, _render())
    return kept[4]


def _render():
    return Chrome(**{part: Markup(render_template(name)) for part, name in PARTS.items()})
