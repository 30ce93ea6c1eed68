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
import os
from gettext import c2py

from babel import Locale, support
from babel.messages.plurals import get_plural
from flask_babel import Babel, Domain, get_locale
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
        texts.check_revision(self.cache, self.texts_state)
        key = (str(locale), self.domain[0])
        translations = self.cache.get(key)
        if translations is None:
            translations = self.cache[key] = self._merged(locale)
        layers = [str(layer) for layer in fallback_chain(locale)]
        drafts = texts.preview_drafts(layers)
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


class LayeredBabel(Babel):
    @cached_property
    def domain_instance(self):
        return LayeredDomain(domain=self.domain)
