"""Translations layered by language: a regional catalogue only holds what
differs from its language (fr_CA over fr, de_AT over de, en_CA over the
English source), and each variant falls back along that chain.

Flask-Babel alone loads one catalogue per locale (the first gettext finds),
so a string missing from fr_CA would show in English; LayeredDomain merges
the language's catalogue first and the regional one over it, each followed
by what marketers published for it (domain.texts): fr, fr's published
texts, fr_CA, fr_CA's published texts. Its cache is per process and is
dropped when the texts' revision in the database changes.
"""
import functools
import os
from datetime import datetime
import re
from gettext import c2py

from babel import Locale, dates, support
from babel.messages.plurals import get_plural
from flask import g, has_app_context, has_request_context
from jinja2 import pass_context
from markupsafe import Markup
import flask_babel
from flask_babel import Babel, Domain, get_locale, get_translations
from werkzeug.utils import cached_property

from domain import texts


def fallback_chain(locale):
    """Locales to merge, most general first: fr_CA -> [fr, fr_CA]."""
    locale = Locale.parse(locale)
    chain = [Locale(locale.language)]
    if locale.territory:
        chain.append(locale)
    return chain


class LayeredDomain(Domain):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.texts_state = {}

    def get_translations(self):
        locale = get_locale()
        if locale is None:
            return support.NullTranslations()
        key = (str(locale), self.domain[0])
        # A page asks for its translations a dozen times: the answer is
        # kept for the rest of the request (one revision check, one lookup).
        per_request = g.setdefault("_translations", {}) if has_app_context() else {}
        translations = per_request.get(key)
        if translations is None:
            translations = per_request[key] = self._for_request(locale, key)
            if has_app_context() and self.domain[0] == "messages":
                g.setdefault("_template_translations", {})[locale] = translations
        return translations

    def _for_request(self, locale, key):
        texts.check_revision(self.cache, self.texts_state)
        translations = self.cache.get(key)
        if translations is None:
            translations = self.cache[key] = self._merged(locale)
        drafts = texts.preview_drafts([str(layer) for layer in fallback_chain(locale)])
        if drafts:
            # A marketer previewing: their drafts over everything, for
            # this request only.
            previewed = support.Translations()
            previewed.merge(translations)
            previewed.plural = translations.plural
            previewed._catalog.update(drafts)
            return previewed
        return translations

    def _merged(self, locale):
        translations = support.Translations()
        # The locale's gettext rule, for a variant without a catalogue file.
        translations.plural = c2py(get_plural(str(locale)).plural_expr)
        for layer in fallback_chain(locale):
            for dirname in self.translation_directories:
                # Only the layer's own file: gettext would take fr's for a
                # missing fr_FR, over what marketers published for fr.
                if not os.path.exists(os.path.join(dirname, str(layer), "LC_MESSAGES",
                                                   self.domain[0] + ".mo")):
                    continue
                catalog = support.Translations.load(dirname, [layer], self.domain[0])
                if isinstance(catalog, support.Translations):
                    translations.merge(catalog)
                    # merge() copies messages, not the plural rule
                    translations.plural = catalog.plural
            translations._catalog.update(texts.published_layer(str(layer)))
        return translations


def display_name(locale):
    """ "fr_CA" as the page's language names it: "French (Canada)"."""
    return Locale.parse(locale).get_display_name(get_locale())


def current_translations():
    """The request's translations for the templates' _() and ngettext(): a
    page calls them dozens of times, so the usual path (Flask-Babel's domain
    and locale lookups) is taken only for the first call of each locale."""
    try:
        return g._template_translations[g._flask_babel.babel_locale]
    except (AttributeError, KeyError, RuntimeError):
        return get_translations()


def label_text(label, key=None):
    """A lazy label (lazy_gettext) as text in the current language, worked
    out once per request and language: the agents' queue names a handful of
    topics and markets over fifty rows, and each lazy label would otherwise
    take Flask-Babel's whole path again. Plain text, so that templates
    escape it (a lazy label's __html__ would pass it on unescaped). For a
    label made anew on each call (one with values), give a function making
    it and a `key` naming it."""
    kept = g.setdefault("_label_texts", {}) if has_request_context() else {}
    key = (key if key is not None else id(label), get_locale())
    text = kept.get(key)
    if text is None:
        text = kept[key] = str(label() if callable(label) else label)
    return text


def _counted(text, num):
    """A plural form with its count as the page's language writes numbers
    ("1,234", «1 234», "1.234"): Jinja's ngettext would put the bare int."""
    if isinstance(num, int) and "%(num)s" in text:
        return text.replace("%(num)s", flask_babel.format_decimal(num))
    return text


@pass_context
def template_gettext(context, string, **variables):
    """The templates' _() and gettext(): what Jinja's newstyle gettext does
    (the text as Markup where the template escapes, then formatted with the
    variables, always, so that "%%" reads the same everywhere), in one call
    where Jinja's own makes three. A page calls it dozens of times."""
    text = current_translations().ugettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    # Without variables, "%" only matters as "%%".
    return text % variables if variables or "%" in text else text


@pass_context
def template_ngettext(context, singular, plural, num, **variables):
    variables.setdefault("num", num)
    text = _counted(current_translations().ungettext(singular, plural, num), num)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


class LayeredBabel(Babel):
    @cached_property
    def domain_instance(self):
        return LayeredDomain(domain=self.domain)

    def init_app(self, app, *args, **kwargs):
        super().init_app(app, *args, **kwargs)
        # Newstyle, and pgettext() and npgettext(); _(), gettext() and
        # ngettext() are replaced right after by the one-call versions.
        app.jinja_env.install_gettext_callables(
            gettext=lambda s: current_translations().ugettext(s),
            ngettext=lambda s, p, n: _counted(current_translations().ungettext(s, p, n), n),
            newstyle=True,
            pgettext=lambda c, s: current_translations().upgettext(c, s),
            npgettext=lambda c, s, p, n: current_translations().unpgettext(c, s, p, n))
        app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext,
                                     ngettext=template_ngettext)


def format_day(value, format="medium"):
    """A date as the customer's language writes it (Flask-Babel's
    format_date), with what CLDR leaves out: French writes the first day of
    a month as an ordinal in words, «1er janvier 2027», not «1 janvier»."""
    if isinstance(value, datetime):     # a moment: the day it was where the customer is
        value = flask_babel.to_user_timezone(value).date()
    return _day_text(value, format, get_locale())


@functools.lru_cache(maxsize=8192)
def _day_text(day, format, locale):
    """A day's text is the same every time it is written: a page of
    payments writes a dozen, and many customers paid on the same days."""
    return _with_ordinal(dates.format_date(day, format, locale=locale), day, format, locale)


def _with_ordinal(text, value, format, locale):
    if format in ("long", "full") and value.day == 1 and locale.language == "fr":
        text = re.sub(r"(?<!\d)1(?!\d)", "1er", text, count=1)
    return text
