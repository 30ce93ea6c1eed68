"""Every visible string is translatable, every catalogue is complete along
its fallback chain, and no translation can break a page."""
import glob
import os
import re
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale, ngettext

from domain.i18n import fallback_chain
from domain.markets import TYPOGRAPHY, load_markets
from domain.text_checks import typography_problems

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRANSLATIONS = os.path.join(ROOT, "translations")
MARKETS = load_markets(os.path.join(ROOT, "config", "markets.toml"))
VARIANTS = sorted({locale for market in MARKETS.values() for locale in market.locales})
CATALOGUES = sorted(os.path.basename(os.path.dirname(os.path.dirname(p)))
                    for p in glob.glob(os.path.join(TRANSLATIONS, "*", "LC_MESSAGES", "messages.po")))
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def read(path):
    with open(path, "rb") as f:
        return read_po(f)


def catalogue(locale):
    path = os.path.join(TRANSLATIONS, str(locale), "LC_MESSAGES", "messages.po")
    return read(path) if os.path.exists(path) else None


def template_ids():
    return {m.id for m in read(os.path.join(TRANSLATIONS, "messages.pot")) if m.id}


def forms(message):
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def test_messages_pot_is_up_to_date(tmp_path):
    """A string added to the code without `flask translate update` fails here."""
    pot = tmp_path / "fresh.pot"
    pybabel = os.path.join(os.path.dirname(sys.executable), "pybabel")
    subprocess.run([pybabel, "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-o", str(pot),
                    "app.py", "domain", "forms", "views", "templates"], cwd=ROOT, check=True)
    assert {m.id for m in read(pot) if m.id} == template_ids()


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_variant_is_complete_along_its_chain(variant):
    chain = fallback_chain(variant)
    if chain[0].language == "en":
        return      # the source language: nothing can be missing
    translated = set()
    for layer in chain:
        po = catalogue(layer)
        if po is not None:
            translated |= {m.id for m in po if m.id and all(forms(m)) and not m.fuzzy}
    missing = template_ids() - translated
    assert not missing, f"{variant} lacks {len(missing)} translations, e.g. {sorted(missing, key=str)[:3]}"


@pytest.mark.parametrize("locale", CATALOGUES)
def test_every_catalogue_has_every_message(locale):
    """`flask translate update` was run: each catalogue lists each message
    (regional ones leave most empty, to fall back to their language)."""
    ids = {m.id for m in catalogue(locale) if m.id}
    assert template_ids() <= ids


@pytest.mark.parametrize("locale", CATALOGUES)
def test_translations_keep_placeholders_and_markup(locale):
    po = catalogue(locale)
    problems = []
    for message in po:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[-1]
        for text in forms(message):
            if not text:
                continue
            if set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(source)):
                problems.append(("placeholders", source, text))
            if sorted(TAG.findall(text)) != sorted(TAG.findall(source)):
                problems.append(("markup", source, text))
            if "{" in text and "{" not in source:
                problems.append(("braces", source, text))
            try:
                text % {name: "x" for name in PLACEHOLDER.findall(text)}
            except (ValueError, TypeError, KeyError):
                problems.append(("a bare %", source, text))
    assert not problems, problems[:5]
    assert not list(po.check()), "babel's own checks"


@pytest.mark.parametrize("locale, rule", [("fr", "(n > 1)"), ("de", "(n != 1)")])
def test_plural_rules(locale, rule):
    assert catalogue(locale).plural_expr.replace(" ", "") == rule.replace(" ", "")


@pytest.mark.parametrize("locale, forbidden", [
    ("fr_CA", r"\be-?mail"), ("fr", r"\bcourriel"),
    ("fr_CA", r"\bsaisiss|\bmensualit"),      # Quebec: «Entrez», «paiement»
])
def test_variant_words(locale, forbidden):
    """Canadian French says «courriel», «Entrez» and «paiement»; French
    (France) says «e-mail», «Saisissez» and «mensualité»."""
    effective = {}
    for layer in fallback_chain(locale):
        po = catalogue(layer)
        for message in po or ():
            if message.id and all(forms(message)):
                effective[message.id] = " ".join(forms(message))
    # "%(email)s" is a placeholder, not a word a customer reads.
    offending = [text for text in effective.values()
                 if re.search(forbidden, PLACEHOLDER.sub("", text), re.I)]
    assert not offending, offending[:3]


def test_templates_have_no_text_outside_gettext():
    """Text between tags must come from _(): strip Jinja and HTML and
    nothing readable may be left."""
    leftovers = []
    for path in glob.glob(os.path.join(ROOT, "templates", "**", "*.*"), recursive=True):
        with open(path, encoding="utf-8") as f:
            source = f.read()
        text = re.sub(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", " ", source, flags=re.S)
        text = re.sub(r"<[^>]*>|[\w-]+=\"[^\"]*\"", " ", text)   # tags, and attributes macros write
        words = re.findall(r"[A-Za-zÀ-ÿ]{2,}", text)
        if words:
            leftovers.append((os.path.relpath(path, ROOT), words[:5]))
    assert not leftovers


@pytest.mark.parametrize("variant", ["fr_CA", "de_AT"])
def test_a_plural_a_regional_catalogue_leaves_empty_shows_the_language(app, variant):
    """pybabel would compile an empty plural as the English forms, covering
    the language's translation; `flask translate compile` leaves it out."""
    regional, language = catalogue(variant), catalogue(variant.split("_")[0])
    plurals = [m for m in regional if m.id and isinstance(m.id, tuple) and not any(forms(m))]
    assert plurals, "the test needs a plural the regional catalogue leaves to its language"
    with app.test_request_context(), force_locale(variant):
        for message in plurals:
            values = {name: "x" for name in PLACEHOLDER.findall(message.id[1]) if name != "num"}
            expected = language[message.id].string[1] % dict(values, num=2)
            assert ngettext(message.id[0], message.id[1], 2, **values) == expected


def effective_strings(variant):
    """msgid -> the forms a variant shows, its chain merged (fr_CA over fr)."""
    effective = {}
    for layer in fallback_chain(variant):
        for message in catalogue(layer) or ():
            if message.id and all(forms(message)):
                effective[message.id] = forms(message)
    return effective


@pytest.mark.parametrize("variant", sorted(TYPOGRAPHY))
def test_typography_of_each_variant(variant):
    """Quebec French: no space before ? ! ; (a no-break one before : and
    inside « »); French of France: a no-break space before ? ! ; : and inside
    « »; German: „…“ (config/markets.toml [typography.*])."""
    offending = [(text, problems) for texts in effective_strings(variant).values() for text in texts
                 if (problems := typography_problems(text, variant))]
    assert not offending, offending[:5]


@pytest.mark.parametrize("variant, good, bad", [
    ("fr_FR", "Vraiment\u00a0? «\u00a0oui\u00a0»", "Vraiment ? «oui»"),
    ("fr_CA", "Vraiment? Note\u00a0: «\u00a0oui\u00a0»", "Vraiment\u00a0? Note: \"oui\""),
    ("de_AT", "Klicken Sie auf „Weiter“.", 'Klicken Sie auf "Weiter".'),
])
def test_the_typography_check_can_fail(variant, good, bad):
    assert typography_problems(good, variant) == []
    assert typography_problems(bad, variant)
