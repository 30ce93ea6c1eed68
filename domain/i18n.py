"""Translations layered by language: a regional catalogue only holds what
differs from its language (fr_CA over fr, de_AT over de, en_CA over the
English source), and each variant falls back along that chain.

Flask-Babel alone loads one catalogue per locale (the first gettext finds),
so a string missing from fr_CA would show in English; LayeredDomain merges
the language's catalogue first and the regional one over it.
"""
from babel import Locale, support
from flask_babel import Babel, Domain, get_locale
from werkzeug.utils import cached_property


def fallback_chain(locale):
    """Locales to merge, most general first: fr_CA -> [fr, fr_CA]."""
    locale = Locale.parse(locale)
    chain = [Locale(locale.language)]
    if locale.territory:
        chain.append(locale)
    return chain


class LayeredDomain(Domain):
    def get_translations(self):
        locale = get_locale()
        if locale is None:
            return support.NullTranslations()
        key = (str(locale), self.domain[0])
        try:
            return self.cache[key]
        except KeyError:
            pass
        translations = support.Translations()
        for dirname in self.translation_directories:
            for layer in fallback_chain(locale):
                catalog = support.Translations.load(dirname, [layer], self.domain[0])
                if isinstance(catalog, support.Translations):
                    translations.merge(catalog)
                    # merge() copies messages, not the plural rule
                    translations.plural = catalog.plural
        self.cache[key] = translations
        return translations


class LayeredBabel(Babel):
    @cached_property
    def domain_instance(self):
        return LayeredDomain(domain=self.domain)
