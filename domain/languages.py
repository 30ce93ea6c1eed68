"""The language variants: one table, and what the app knows of each
language beyond its catalogue.

A variant is a language ("fr") or a regional variant over it ("fr_CA"):
what a catalogue in translations/ is, what a site is served in, and what
marketers word in the text editor. The regional variants are the locales
the markets serve (config/markets.toml) and the languages are theirs, so
VARIANTS is derived from the markets when they load (domain.markets);
English is the source language, and the "en" variant words the source
itself. Each variant falls back to its language, then to the source
(domain.i18n).

What is per language and not in any catalogue is declared here: how help
search stems its words and which it leaves out (LANGUAGES), and the words a
variant uses instead of another's (GLOSSARIES). A language missing from
LANGUAGES is searched word for word.

Adding a language: the README, "Markets and languages".
"""
from dataclasses import dataclass

from babel import Locale

SOURCE_LANGUAGE = "en"


@dataclass(frozen=True)
class Language:
    # The Snowball stemmer (domain.help on SQLite) and the PostgreSQL text
    # search configuration of the language; "simple" matches words as typed.
    search: str = "simple"
    # Common words that find nothing useful (the gist of Snowball's lists,
    # which PostgreSQL also uses), folded like the text (no accents).
    stop_words: frozenset = frozenset()


def _words(text):
    return frozenset(text.split())


LANGUAGES = {
    "en": Language("english", _words("""
        a about above after again against all am an and any are as at be because been before
        being below between both but by can could did do does doing down during each few for
        from further had has have having he her here hers herself him himself his how i if
        in into is it its itself just me more most my myself no nor not now of off on once
        only or other our ours ourselves out over own same she should so some such than that
        the their theirs them themselves then there these they this those through to too
        under until up very was we were what when where which while who whom why will with
        would you your yours yourself yourselves""")),
    "fr": Language("french", _words("""
        au aux avec ce ces dans de des du elle en et eux il ils je la le les leur lui ma
        mais me meme mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses
        son sur ta te tes toi ton tu un une vos votre vous c d j l a m n s t y ete etee
        etees etes etant suis es est sommes sont serai sera seront serais serait etais etait
        etions etaient fus fut ai as avons avez ont aurai aura avais avait avions aviez
        avaient eu eue eus cet cette ceci cela ca si""")),
    "de": Language("german", _words("""
        aber alle allem allen aller alles als also am an ander andere anderem anderen
        anderer anderes anderm andern anders auch auf aus bei bin bis bist da damit dann der
        den des dem die das dass du dich dir dein deine deinem deinen deiner doch dort durch
        ein eine einem einen einer eines einig er es etwas euer eure fur gegen gewesen hab
        habe haben hat hatte hatten hier hin hinter ich mich mir ihr ihre ihrem ihren ihrer
        ihres euch im in indem ins ist jede jedem jeden jeder jedes jene jetzt kann kein
        keine keinem keinen keiner man manche mein meine meinem meinen meiner mit muss
        musste nach nicht nichts noch nun nur ob oder ohne sehr sein seine seinem seinen
        seiner selbst sich sie ihnen sind so solche soll sollte sondern sonst uber um und
        uns unser unsere unter viel vom von vor wahrend war waren warst was weg weil weiter
        welche welchem welchen welcher welches wenn werde werden wie wieder will wir wird
        wirst wo wollen wollte wurde wurden zu zum zur zwar zwischen""")),
}

PLAIN = Language()

# Words each variant uses instead of another's (the catalogues follow them:
# tests/test_catalogues.py::test_variant_words); the text editor warns when a
# text of the variant uses one. Forbidden term -> preferred.
GLOSSARIES = {
    "fr_CA": {
        "e-mail": "courriel",
        "email": "courriel",
        "VIN": "NIV",
        "SMS": "message texte",
        "spam": "pourriel",
        "téléphone mobile": "cellulaire",
        "service client": "service à la clientèle",
    },
    "fr": {
        "courriel": "e-mail",
        "NIV": "VIN",
        "pourriel": "spam",
        "cellulaire": "téléphone mobile",
        "service à la clientèle": "service client",
    },
}


@dataclass(frozen=True)
class Variant:
    code: str           # "fr_CA": Babel's locale, the folder of its catalogue
    language: str       # "fr"
    sites: tuple        # the sites served in it ("fr-ca"); a language: its regional variants'

    @property
    def regional(self):
        return self.code != self.language

    @property
    def parent(self):
        """The layer under a regional variant (fr_CA -> fr); a language has
        the source under it (None)."""
        return self.language if self.regional else None


# {code: Variant}: each language, followed by its regional variants, in the
# order the markets name them. Filled by derive_variants() when the markets
# load; kept the same object, so that a module holding it sees the new ones.
VARIANTS = {}


def language_of(locale):
    """ "fr_CA" -> "fr"."""
    return Locale.parse(str(locale)).language


def derive_variants(markets):
    """Fill VARIANTS from the markets' locales."""
    regional = {}
    for market in markets.values():
        for locale in market.locales:
            language = language_of(locale)
            regional.setdefault(language, {})
            if locale != language:
                regional[language].setdefault(locale, []).append(site_code(locale))
    VARIANTS.clear()
    for language, variants in regional.items():
        VARIANTS[language] = Variant(language, language,
                                     tuple(code for codes in variants.values() for code in codes))
        for locale, codes in variants.items():
            VARIANTS[locale] = Variant(locale, language, tuple(codes))
    return VARIANTS


def site_code(locale):
    """A site's URL code: the locale in lower case with a hyphen (fr_CA -> fr-ca)."""
    return locale.lower().replace("_", "-")


def language(locale):
    """What the app knows of the language of `locale` (PLAIN when nothing)."""
    return LANGUAGES.get(language_of(locale), PLAIN)


def glossary_for(locale):
    """The variant's own glossary (fr_CA's, not fr's: the variants disagree), a copy."""
    return dict(GLOSSARIES.get(str(locale).replace("-", "_"), {}))
