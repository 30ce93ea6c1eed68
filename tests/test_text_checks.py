"""domain.text_checks: what a marketer may save as a translation, and what
the editor tells them when they may not. Plain pytest: the checks need no
app (outside a request the messages are the English source strings)."""
import dataclasses

import pytest
from flask_babel import force_locale

from domain.languages import GLOSSARIES, glossary_for
from domain.text_checks import Problem, check

PLURAL = ("%(num)s attempt left", "%(num)s attempts left")
LINK = 'Read <a href="%(url)s" class="more">the terms</a> and <strong>sign</strong>.'


def errors(problems):
    return [p for p in problems if p.blocking]


def codes(problems):
    return [p.code for p in problems]


# -- what passes ---------------------------------------------------------------

@pytest.mark.parametrize("source, translation, locale", [
    ("Hello %(name)s", "Bonjour «\u00a0%(name)s\u00a0»", "fr"),
    ("Hello %(name)s", "Bonjour %(name)s, bienvenue %(name)s", "fr_CA"),
    ("Hello {name}, you have {count} messages", "Hallo {name}, Sie haben {count} Nachrichten", "de"),
    ("Total: {amount:.2f}", "Summe: {amount:.2f}", "de_AT"),
    ("Rate %(num).2f a month", "Taux de %(num).2f par mois", "fr"),
    ("Page %s of %s", "Seite %s von %s", "de"),
    ("Save 50%%", "50 %% de rabais", "fr"),
    ("Save 50%%", "50\u00a0%% Rabatt", "de"),
    ("Plain text", "Texte simple", "fr"),
    ("Sign <strong>now</strong>", "Signez <strong>maintenant</strong>", "fr"),
    # same tags in another order, attributes in another order
    (LINK, 'Signez <strong>ici</strong> après avoir lu '
           '<a class="more" href="%(url)s">les conditions</a>.', "fr_CA"),
    ("Line one<br>line two", "Zeile eins<br/>Zeile zwei", "de"),
    ("5 < 6", "5 < 6", "de"),
])
def test_a_correct_translation_passes(source, translation, locale):
    assert check(source, translation, locale) == []


@pytest.mark.parametrize("locale, forms", [
    ("fr", ["Plus qu'une tentative", "Plus que %(num)s tentatives"]),
    ("fr_CA", ["%(num)s tentative restante", "%(num)s tentatives restantes"]),
    ("de", ["Noch %(num)s Versuch", "Noch %(num)s Versuche"]),
    ("en_CA", ("%(num)s attempt left", "%(num)s attempts left")),
])
def test_a_correct_plural_passes(locale, forms):
    """French may leave the number out of its form for one."""
    assert check(PLURAL, forms, locale) == []


def test_problem_is_a_frozen_dataclass():
    problem = check("Hello %(name)s", "Bonjour", "fr")[0]
    assert isinstance(problem, Problem)
    assert isinstance(problem.message, str)
    with pytest.raises(dataclasses.FrozenInstanceError):
        problem.blocking = False


# -- what is refused, and what the marketer is told ---------------------------

@pytest.mark.parametrize("source, translation, locale, code, told", [
    # a dropped placeholder: named, with what the page puts there
    ("Hello %(name)s", "Bonjour", "fr", "placeholder_missing",
     ["%(name)s", "a person's name", "Put it back"]),
    ("Call %(phone)s", "Appelez-nous", "fr_CA", "placeholder_missing",
     ["%(phone)s", "a phone number", "Put it back"]),
    ("Sent to %(address)s", "Envoyé", "fr", "placeholder_missing",
     ["%(address)s", "a value the page fills in"]),
    ("Hello {name}", "Hallo", "de", "placeholder_missing", ["{name}", "Put it back"]),
    # a placeholder the page does not fill in
    ("Hello %(name)s", "Bonjour %(nom)s", "fr", "placeholder_unknown",
     ["%(nom)s", "Remove it", "%(name)s"]),
    ("Hello", "Hallo {name}", "de", "placeholder_unknown", ["{name}", "Remove it"]),
    ("Hello", "Bonjour %s", "fr", "placeholder_unknown", ["%s", "Remove it"]),
    ("Hello %(name)s", "Bonjour %(name)d", "fr", "placeholder_unknown",
     ["%(name)d", "exactly as in the original", "%(name)s"]),
    ("Hello {name}", "Hallo {name", "de", "placeholder_unknown", ["{{", "}}"]),
    # a bare %
    ("Save 50%%", "50 % de rabais", "fr", "stray_percent", ["50 % de rabais", "twice", "%%"]),
    ("Hello %(name)s", "Bonjour %(name", "fr", "stray_percent", ["unfinished", "%(name)s"]),
    # markup
    ("Sign <strong>now</strong>", "Signez <em>maintenant</em>", "fr", "markup",
     ["<em>", "only use the tags", "<strong>"]),
    ("Sign now", "Signez <b>maintenant</b>", "fr", "markup", ["may not contain markup", "Remove it"]),
    ("Sign <strong>now</strong>", "Signez maintenant", "fr", "markup", ["<strong>", "exactly 1 time"]),
    ("Sign <strong>now</strong>", "Signez <strong>maintenant", "fr", "markup",
     ["never closed", "Add </strong>"]),
    # empty
    ("Sign now", "", "fr_CA", "empty", ["empty", "Revert", "French text"]),
    ("Sign now", " \n\t", "de", "empty", ["Revert", "English text"]),
    ("Sign now", "   ", "en_CA", "empty", ["Revert", "English text"]),
    ("Sign now", "", "en", "empty", ["Revert", "original"]),
])
def test_a_mistake_blocks_and_says_what_to_do(source, translation, locale, code, told):
    problems = check(source, translation, locale)
    found = [p for p in problems if p.code == code]
    assert found, problems
    assert all(p.blocking for p in found)
    for words in told:
        assert any(words in p.message for p in found), (words, found)


@pytest.mark.parametrize("locale, forms, told", [
    ("fr", ["%(num)s tentative"], ["French", "2 forms", "has 1", "0 or 1", "2 or more"]),
    ("fr_CA", "%(num)s tentatives", ["French (Canada)", "2 forms", "0 or 1", "2 or more"]),
    ("de", ["a", "b", "c"], ["German", "2 forms", "has 3", "form 1 for 1;", "2 or more"]),
])
def test_a_plural_with_the_wrong_number_of_forms_says_what_each_is_for(locale, forms, told):
    problems = check(PLURAL, forms, locale)
    assert codes(problems) == ["plural_count"] and problems[0].blocking
    for words in told:
        assert words in problems[0].message, problems[0].message


def test_a_plural_form_may_drop_only_the_count():
    source = ("%(num)s payment due on %(date)s", "%(num)s payments due on %(date)s")
    problems = check(source, ["Un paiement dû", "%(num)s paiements dus le %(date)s"], "fr")
    assert codes(problems) == ["placeholder_missing"]
    assert problems[0].message.startswith("Form 1:") and "%(date)s" in problems[0].message


def test_a_positional_count_may_not_be_dropped():
    """"Une tentative" % 1 raises: only named values may go unused."""
    problems = check(("%d attempt", "%d attempts"), ["Une tentative", "%d tentatives"], "fr")
    assert codes(problems) == ["placeholder_missing"]


def test_an_empty_plural_form_is_named():
    problems = check(PLURAL, ["%(num)s Versuch", ""], "de")
    assert codes(problems) == ["empty"] and problems[0].message.startswith("Form 2:")


# -- markup ------------------------------------------------------------------

@pytest.mark.parametrize("translation", [
    "Signez <strong>ici</strong><script>alert(1)</script>",
    'Signez <strong>ici</strong> <a href="javascript:x">là</a>',
    'Signez <strong onclick="steal()">ici</strong>',
    'Signez <strong class="x">ici</strong>',
    "Signez <strong>ici</strong> <img src=x onerror=alert(1)>",
    "Signez <strong>ici</strong><!-- caché -->",
    "Signez <strong>ici</strong></strong>",
    "Signez <strong>ici",
    "Signez <strong><strong>ici</strong></strong>",
    "Signez <strong>ici</strong> <b",
    'Signez <strong>ici</strong> <a href="x',
    "Signez <strong/>ici",
])
def test_markup_other_than_the_sources_is_refused(translation):
    problems = check("Sign <strong>here</strong>", translation, "fr")
    assert "markup" in codes(errors(problems)), problems


@pytest.mark.parametrize("translation", [
    'Lisez <a href="javascript:x" class="more">les conditions</a> et <strong>signez</strong>.',
    'Lisez <a href="%(url)s" class="more" onclick="x">les conditions</a> et <strong>signez</strong>.',
    'Lisez <a href="%(url)s" class="more" href="javascript:x">les conditions</a> et <strong>signez</strong>.',
    'Lisez <a href="%(url)s">les conditions</a> et <strong>signez</strong>.',
    'Lisez <a href="&#106;avascript:x" class="more">les conditions</a> et <strong>signez</strong>.',
])
def test_a_link_must_keep_exactly_its_attributes(translation):
    problems = check(LINK, translation, "fr")
    markup = [p for p in problems if p.code == "markup"]
    assert markup and all(p.blocking for p in markup)
    assert any('<a href="%(url)s" class="more">' in p.message for p in markup), markup


def test_overlapping_tags_are_refused_once():
    problems = check("<strong>Sign <em>now</em></strong>",
                     "<strong>Signez <em>vite</strong></em>", "fr")
    assert codes(problems) == ["markup"]
    assert "overlap" in problems[0].message and "</em>" in problems[0].message


def test_a_text_without_markup_says_so():
    [problem] = check("Sign now", "Signez <script>alert(1)</script>", "fr")
    assert problem.code == "markup"
    assert "may not contain markup" in problem.message and "<script>" in problem.message


# -- the % sign ----------------------------------------------------------------

@pytest.mark.parametrize("translation, formatted, refused", [
    ("50 % de rabais", True, True),
    ("50% Rabatt", True, True),
    ("100 %", True, True),
    ("50 %% de rabais", True, False),
    ("50 % de rabais", False, False),
    ("50% Rabatt", False, False),
])
def test_a_bare_percent_is_refused_only_when_formatted(translation, formatted, refused):
    problems = check("50% off", translation, "fr", formatted=formatted)
    assert ("stray_percent" in codes(problems)) is refused
    assert all(p.code == "stray_percent" for p in problems)


# -- glossary --------------------------------------------------------------------

@pytest.mark.parametrize("locale, translation, word, instead", [
    ("fr_CA", "Votre adresse e-mail", "e-mail", "courriel"),
    ("fr_CA", "E-mail envoyé", "E-mail", "courriel"),
    ("fr_CA", "Vos e-mails", "e-mails", "courriel"),
    ("fr_CA", "Nous vous avons renvoyé l'e-mail.", "e-mail", "courriel"),
    ("fr_CA", "Votre adresse e\u2011mail", "e-mail", "courriel"),      # non-breaking hyphen
    ("fr_CA", "Saisissez le VIN", "VIN", "NIV"),
    ("fr", "Votre adresse courriel", "courriel", "e-mail"),
    ("fr", "Saisissez le NIV", "NIV", "VIN"),
])
def test_a_word_of_the_other_variant_warns_without_blocking(locale, translation, word, instead):
    problems = check("Your email address", translation, locale)
    assert codes(problems) == ["glossary"]
    assert problems[0].blocking is False
    assert f'"{word}"' in problems[0].message and f'"{instead}"' in problems[0].message


@pytest.mark.parametrize("locale, translation", [
    ("fr_CA", "Votre adresse courriel"),
    ("fr_CA", "Écrivez à %(email)s"),              # a placeholder, not a word
    ("fr_CA", "Un bon vin"),                        # wine, not the acronym
    ("fr_CA", "Votre adresse é-mail"),              # accent-sensitive
    ("fr_CA", "Votre adresse pré-e-mail"),          # a hyphen is part of the word
    ("fr", "Votre adresse e-mail"),
    ("de", "Ihre E-Mail-Adresse"),
])
def test_the_variants_own_words_do_not_warn(locale, translation):
    source = "Write to %(email)s" if "%(email)s" in translation else "Your email address"
    assert check(source, translation, locale) == []


def test_a_glossary_passed_in_replaces_the_variants():
    assert check("Hello", "Salut", "fr", glossary={"salut": "bonjour"})[0].code == "glossary"
    assert check("Your email", "Votre email", "fr_CA", glossary={}) == []


def test_each_variant_has_its_own_glossary():
    assert glossary_for("fr_CA")["e-mail"] == "courriel"
    assert glossary_for("fr")["courriel"] == "e-mail"
    assert "email" not in glossary_for("fr")
    assert glossary_for("de_AT") == {}
    glossary_for("fr_CA").clear()
    assert GLOSSARIES["fr_CA"], "glossary_for returns a copy"


def test_errors_come_before_warnings():
    problems = check("Hello %(name)s", "Salut, votre courriel", "fr")
    assert [p.blocking for p in problems] == [True, False]


# -- inside the app ------------------------------------------------------------

def test_messages_follow_the_editors_language(app):
    """In a request, messages go through the app's catalogues and language
    names are in the editor's language."""
    with app.test_request_context(), force_locale("fr_CA"):
        [problem] = check(PLURAL, ["x"], "de")
    assert isinstance(problem.message, str)
    assert "allemand" in problem.message
