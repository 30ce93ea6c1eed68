"""Checks on a translation a marketer proposes in the back-office editor.

Marketers edit any interface string per variant (en, en_CA, fr, fr_CA, de,
de_AT) live, so nothing they save may break a page. `check()` compares one
proposed translation with its source message and returns the problems, each
with a message in plain words that says what is wrong and how to fix it.
Errors (`blocking=True`) must stop the save; glossary findings are warnings.

Pure: no database, no request needed. Messages go through Flask-Babel's
gettext, which outside a request or app context falls back to
NullTranslations (flask_babel.get_domain() with no `g`), so they come out in
English; inside a request they come out in the editor's own language.

What breaks a page, and so is checked (see shared/NOTES.md, Flask-Babel):
- In templates every translation is %-formatted ("newstyle" gettext), so a
  bare % raises at render time, and a placeholder the code does not pass
  raises KeyError.
- HTML in a translation is output unescaped, so only the source's own tags,
  with the source's own attributes, may appear.
- Babel's Catalog.check() misses dropped placeholders, {name} braces and
  HTML, which is why this module exists.

Problem.message is plain text (it may quote tags such as "<script>"): the
editor must show it escaped, as Jinja's autoescape does for a str.
"""
import gettext as gettext_module
import html.parser
import re
import string
import unicodedata
from collections import Counter
from dataclasses import dataclass

from babel import Locale
from babel.lists import format_list
from babel.messages.plurals import get_plural
from flask_babel import get_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l

from domain.languages import SOURCE_LANGUAGE, glossary_for


@dataclass(frozen=True)
class Problem:
    code: str       # placeholder_missing, placeholder_unknown, stray_percent, markup, plural_count, empty, glossary
    message: str    # plain words for a marketer: what is wrong and how to fix it
    blocking: bool  # errors block saving; glossary findings are warnings


# What the page puts in a placeholder, for the names we know; lazy so each
# is translated into the editor's language when a message is built.
MEANINGS = {
    "name": _l("a person's name"),
    "num": _l("a number"),
    "count": _l("a number (how many)"),
    "email": _l("an email address"),
    "phone": _l("a phone number"),
    "date": _l("a date"),
    "amount": _l("an amount of money"),
    "language": _l("the name of a language"),
    "role": _l("a role, such as agent"),
    "minutes": _l("a number of minutes"),
    "brand": _l("the brand name"),
    "url": _l("a web address"),
}

# The number a plural form is chosen by: a form may leave it out (French
# "Une tentative" for one), but not any other placeholder.
COUNT_NAMES = {"num", "count"}

# One regex reads every % left to right, so "%%" is consumed before it could
# look like the start of a placeholder. The last, empty alternative is a %
# that is neither: a stray one. Positional placeholders are only the plain
# ones (%s, %d...), so "50 % de rabais" is a stray %, not "% d".
PERCENT = re.compile(r"""%(?:
    (?P<escape>%)
  | \((?P<name>\w+)\)(?P<spec>[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa])
  | (?P<positional>[sdifr])
  | (?P<stray>)
)""", re.X)

# Elements with no closing tag: <br> and <br/> are complete on their own.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
        "meta", "source", "track", "wbr"}


def check(source, translation, locale, formatted=True, glossary=None):
    """Problems of `translation` against `source` for `locale`, errors first.

    source: a str, or (singular, plural) for a plural message.
    translation: a str, or for a plural message a list/tuple of forms.
    formatted: the text goes through % formatting when shown (always in
    templates; in Python when it has variables). Then a bare % is an error.
    glossary: {forbidden: preferred}; None means glossary_for(locale),
    {} means no glossary check.
    """
    if glossary is None:
        glossary = glossary_for(locale)
    plural = isinstance(source, (tuple, list))
    if plural:
        forms = [translation] if isinstance(translation, str) else list(translation)
    elif isinstance(translation, str):
        forms = [translation]
    else:
        raise TypeError("a singular source message takes one str translation")
    sources = list(source) if plural else [source]

    problems = []
    if plural:
        problems += _check_plural_count(forms, locale)
    for index, text in enumerate(forms):
        label = index + 1 if plural else None
        if not text or not text.strip():
            problems.append(_in_form(label, _problem("empty", _empty_message(locale))))
            continue
        found = _check_placeholders(sources, text, plural, formatted)
        found += _check_markup(sources, text)
        problems += [_in_form(label, p) for p in found]
    for text in forms:
        if text and text.strip():
            problems += _check_glossary(text, locale, glossary)
    return _unique(problems)


def _problem(code, message, blocking=True):
    return Problem(code=code, message=str(message), blocking=blocking)


def _in_form(label, problem):
    """For a plural message, say which form the problem is in."""
    if label is None:
        return problem
    return Problem(problem.code, gettext("Form %(number)s: %(problem)s",
                                         number=label, problem=problem.message),
                   problem.blocking)


def _unique(problems):
    seen, result = set(), []
    for p in problems:
        if p not in seen:
            seen.add(p)
            result.append(p)
    return sorted(result, key=lambda p: not p.blocking)   # stable: errors first


def _ui_locale():
    """The editor's language, for language names in messages."""
    return get_locale() or Locale("en")


def _language_name(locale):
    return Locale.parse(str(locale)).get_display_name(_ui_locale())


# -- empty -------------------------------------------------------------------

def _empty_message(locale):
    parsed = Locale.parse(str(locale))
    if parsed.territory:
        parent = Locale(parsed.language).get_display_name(_ui_locale())
    elif parsed.language != SOURCE_LANGUAGE:
        parent = Locale(SOURCE_LANGUAGE).get_display_name(_ui_locale())   # the source
    else:
        return gettext("This text is empty, so the page would show nothing. "
                       "Write the text, or choose Revert to go back to the "
                       "original.")
    return gettext("This text is empty, so the page would show nothing. Write "
                   "the text, or choose Revert to show the %(language)s text "
                   "instead.", language=parent)


# -- plural forms ------------------------------------------------------------

def _check_plural_count(forms, locale):
    rule = get_plural(str(locale))
    if len(forms) == rule.num_plurals:
        return []
    choose = gettext_module.c2py(rule.plural_expr)
    numbers = [[] for _ in range(rule.num_plurals)]
    for n in range(200):
        numbers[choose(n)].append(n)
    uses = [gettext("form %(number)s for %(numbers)s", number=i + 1,
                    numbers=_describe_numbers(ns, 200))
            for i, ns in enumerate(numbers)]
    return [_problem("plural_count", ngettext(
        "In %(language)s this text needs %(num)s form, and it has %(given)s: "
        "%(uses)s. Write exactly %(num)s form.",
        "In %(language)s this text needs %(num)s forms, and it has %(given)s: "
        "%(uses)s. Write exactly %(num)s forms, one for each.",
        rule.num_plurals, language=_language_name(locale), given=len(forms),
        uses="; ".join(uses)))]


def _describe_numbers(numbers, limit):
    """[0, 1] -> "0 or 1"; [2, 3, ..., limit-1] -> "2 or more"."""
    if not numbers:
        return "-"
    start = len(numbers) - 1      # where the last run of consecutive numbers starts
    while start > 0 and numbers[start - 1] == numbers[start] - 1:
        start -= 1
    open_ended = numbers[-1] == limit - 1
    single = numbers[:start] if open_ended else numbers
    if len(single) > 3:           # a rule like Russian's: give examples instead
        return gettext("for example %(numbers)s",
                       numbers=", ".join(str(n) for n in numbers[:3]))
    parts = [str(n) for n in single]
    if open_ended:
        parts.append(gettext("%(num)s or more", num=numbers[start]))
    return format_list(parts, style="or", locale=_ui_locale())


# -- placeholders ------------------------------------------------------------

def _percent_placeholders(text):
    """%-placeholders in `text` (e.g. "%(name)s", "%s"), with their counts,
    and the stray % signs as (position, snippet)."""
    found, strays = Counter(), []
    for match in PERCENT.finditer(text):
        if match.group("name") is not None or match.group("positional") is not None:
            found[match.group(0)] += 1
        elif match.group("stray") is not None:
            start = match.start()
            strays.append((start, text[max(0, start - 12):start + 12]))
    return found, strays


def _brace_placeholders(text):
    """{name}-placeholders in `text`, or None when the braces don't pair up
    (a lone "{" or "}"): str.format() would raise on that text."""
    found = Counter()
    try:
        for _literal, field, spec, conversion in string.Formatter().parse(text):
            if field is None:
                continue
            token = "{" + field + ("!" + conversion if conversion else "") \
                + (":" + spec if spec else "") + "}"
            found[token] += 1
    except ValueError:
        return None
    return found


def _loose_brace_placeholders(text):
    """What looks like {name} in a text whose braces don't pair up."""
    return Counter(re.findall(r"(?<!\{)\{\w+\}(?!\})", text))


def _token_name(token):
    match = re.match(r"%\((\w+)\)|\{(\w+)", token)
    return (match.group(1) or match.group(2)) if match else None


def _meaning(token):
    meaning = MEANINGS.get(_token_name(token))
    return str(meaning) if meaning is not None else gettext("a value the page fills in")


def _check_placeholders(sources, text, plural, formatted):
    allowed = Counter()
    source_braced = False
    for s in sources:
        percent, _ = _percent_placeholders(s)
        braces = _brace_placeholders(s) or Counter()
        source_braced = source_braced or bool(braces)
        # Union over singular and plural, each placeholder as often as the
        # source uses it most (two %s stay two %s).
        allowed |= percent + braces

    percent, strays = _percent_placeholders(text)
    braces = _brace_placeholders(text)
    problems = []
    if braces is None:
        braces = _loose_brace_placeholders(text)
        if source_braced:     # the page runs str.format(): a lone brace breaks it
            problems.append(_problem("placeholder_unknown", gettext(
                "A single %(open)s or %(close)s breaks this text: the page "
                "reads braces as the start of a part it fills in. Write "
                "%(open2)s or %(close2)s to show a brace, or remove it.",
                open="{", close="}", open2="{{", close2="}}")))
    used = percent + braces

    # The same name written another way ("%(num)d" for "%(num)s") is one
    # mistake, not a missing and an unknown placeholder.
    renamed = {}
    for token in used:
        if token not in allowed:
            same = [t for t in allowed if t not in used and _token_name(t)
                    and _token_name(t) == _token_name(token)]
            if same:
                renamed[token] = same[0]

    for token, times in allowed.items():
        if token in renamed.values():
            continue
        if used[token] >= times:
            continue
        if plural and _token_name(token) in COUNT_NAMES:
            # A form may leave the number out ("Une tentative"): the values
            # are passed by name, and an unused name is harmless. Not so
            # for %s or %d: "Une tentative" % 1 raises.
            continue
        problems.append(_problem("placeholder_missing", gettext(
            "The text must keep %(placeholder)s: the page puts %(meaning)s "
            "there. Put it back where it belongs, written exactly like this.",
            placeholder=token, meaning=_meaning(token))))

    for token, times in used.items():
        if token in renamed:
            problems.append(_problem("placeholder_unknown", gettext(
                "Write %(placeholder)s exactly as in the original: "
                "%(original)s. Otherwise the page may break or show the "
                "wrong thing.", placeholder=token, original=renamed[token])))
        elif token not in allowed:
            problems.append(_unknown_placeholder(token, allowed))
        elif times > allowed[token] and _token_name(token) is None:
            # One %s or {} more than the values passed: the page breaks.
            problems.append(_unknown_placeholder(token, allowed))

    if formatted:
        for position, snippet in strays:
            problems.append(_stray_percent(text, position, snippet, allowed))
    return problems


def _unknown_placeholder(token, allowed):
    if allowed:
        return _problem("placeholder_unknown", gettext(
            "%(placeholder)s is not in the original text, so the page has "
            "nothing to put there: it would break or show the wrong thing. "
            "Remove it, or use one of: %(allowed)s.",
            placeholder=token, allowed=", ".join(sorted(allowed))))
    return _problem("placeholder_unknown", gettext(
        "%(placeholder)s is not in the original text, so the page has nothing "
        "to put there: it would break or show the wrong thing. Remove it.",
        placeholder=token))


def _stray_percent(text, position, snippet, allowed):
    if text.startswith("%(", position) and allowed:
        # Most likely a placeholder with a typo or a missing end: "%(name".
        return _problem("stray_percent", gettext(
            "Near \"%(snippet)s\" there is an unfinished part the page fills "
            "in. Write it exactly as in the original, one of: %(allowed)s.",
            snippet=snippet, allowed=", ".join(sorted(allowed))))
    return _problem("stray_percent", gettext(
        "The %(sign)s sign near \"%(snippet)s\" would break the page: a single "
        "%(sign)s marks a part the page fills in. To show a percent sign, "
        "type it twice: %(double)s (for example 50 %(double)s).",
        sign="%", snippet=snippet, double="%%"))


# -- markup ------------------------------------------------------------------

class _TagReader(html.parser.HTMLParser):
    """Reads tags the way a browser would, for comparison with the source:
    opening tags as (name, sorted attributes), so attribute order does not
    matter and a duplicate or extra attribute does."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.opening = []     # (key, raw text) of each opening tag, in order
        self.events = []      # ("open"|"close", name, raw text) for nesting
        self.other = []       # comments, <!DOCTYPE>, <?...>: never allowed
        self.data = []
        self.feed(text)
        self.unfinished = self.rawdata   # e.g. "<b" or '<a href="x' at the end
        self.close()

    def handle_starttag(self, tag, attrs):
        raw = self.get_starttag_text()
        self.opening.append(((tag, tuple(sorted(attrs, key=lambda a: (a[0], a[1] or "")))), raw))
        if tag not in VOID:
            self.events.append(("open", tag, raw))

    def handle_startendtag(self, tag, attrs):
        # <br/> is a whole element; in HTML "<b/>" just opens <b>.
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        self.events.append(("close", tag, "</%s>" % tag))

    def handle_data(self, data):
        self.data.append(data)

    def handle_comment(self, data):
        self.other.append("<!--%s-->" % data)

    def handle_decl(self, decl):
        self.other.append("<!%s>" % decl)

    def unknown_decl(self, data):
        self.other.append("<![%s]>" % data)

    def handle_pi(self, data):
        self.other.append("<?%s>" % data)


def _check_markup(sources, text):
    per_source = []           # Counter of opening tags, per source form
    shown = {}                # tag key -> how the source writes the tag
    for s in sources:
        reader = _TagReader(s)
        per_source.append(Counter(key for key, _raw in reader.opening))
        for key, raw in reader.opening:
            shown.setdefault(key, raw)
    source_tags = set(shown)
    allowed = ", ".join(shown.values())

    reader = _TagReader(text)
    problems = []
    used = Counter(key for key, _raw in reader.opening)

    def not_allowed(raw):
        if not shown:
            return _problem("markup", gettext(
                "This text may not contain markup such as %(tag)s. Remove it.",
                tag=raw))
        return _problem("markup", gettext(
            "%(tag)s is not allowed here. This text may only use the tags of "
            "the original, written exactly the same: %(allowed)s.",
            tag=raw, allowed=allowed))

    for raw in reader.other:
        problems.append(not_allowed(raw))
    if reader.unfinished:
        # "<b" or '<a href="x' at the end: the browser would swallow the
        # rest of the page into it.
        problems.append(_problem("markup", gettext(
            "The text ends with an unfinished tag: %(tag)s. Remove it.",
            tag=reader.unfinished[:30])))
    refused = set()
    for key, raw in reader.opening:
        if key not in source_tags:
            problems.append(not_allowed(raw))
            refused.add(key[0])
    # Each tag as often as in the source (for a plural, as in either form).
    counts = Counter({key: n for key, n in used.items() if key in source_tags})
    if counts not in per_source:
        target = per_source[-1]
        for key in source_tags:
            # A tag already refused for its attributes needs no second message.
            if counts[key] != target[key] and key[0] not in refused:
                problems.append(_problem("markup", ngettext(
                    "The original uses %(tag)s %(num)s time: use it exactly "
                    "%(num)s time in your text too, around the same words.",
                    "The original uses %(tag)s %(num)s times: use it exactly "
                    "%(num)s times in your text too.", target[key], tag=shown[key])))
    problems += _check_nesting(reader.events)
    return problems


def _check_nesting(events):
    """Every tag closed, in the reverse order it was opened: an unclosed or
    overlapping tag spills its style or link over the rest of the page."""
    problems, stack = [], []
    for kind, tag, raw in events:
        if kind == "open":
            stack.append((tag, raw))
        elif stack and stack[-1][0] == tag:
            stack.pop()
        elif any(t == tag for t, _ in stack):
            inner = stack[-1][0]
            problems.append(_problem("markup", gettext(
                "Tags overlap: close %(inner)s before %(outer)s. Put the "
                "closing tags in the reverse order of the opening ones.",
                inner="</%s>" % inner, outer=raw)))
            # Count the overlap once: take the closed tag off the stack and
            # leave the inner one open for its own closing tag.
            for i in range(len(stack) - 1, -1, -1):
                if stack[i][0] == tag:
                    del stack[i]
                    break
        else:
            problems.append(_problem("markup", gettext(
                "%(tag)s closes a tag that was never opened. Remove it, or "
                "add the opening tag where that part starts.", tag=raw)))
    for tag, raw in reversed(stack):
        problems.append(_problem("markup", gettext(
            "%(tag)s is never closed. Add %(end)s where that part ends.",
            tag=raw, end="</%s>" % tag)))
    return problems


# -- glossary ----------------------------------------------------------------

# Hyphens a marketer may paste (non-breaking, Unicode hyphen) read as "-".
_HYPHENS = str.maketrans({"\u2010": "-", "\u2011": "-"})


def _glossary_pattern(term):
    """A whole word, with an optional plural s. A hyphen counts as part of
    the word, so "mail" is not found inside "email"; regex \\b would treat
    it as a boundary. Case-insensitive, but an acronym written in capitals
    ("VIN") only matches in capitals, not the French word "vin" (wine).
    Accent-sensitive: "e-mail" does not match "é-mail"."""
    term = unicodedata.normalize("NFC", term).translate(_HYPHENS)
    body = r"\s+".join(re.escape(word) for word in term.split())
    flags = 0 if term.isupper() else re.IGNORECASE
    return re.compile(r"(?<![\w-])" + body + r"s?(?![\w-])", flags)


def _visible_words(text):
    """What the reader sees: text between tags, without placeholders
    ("%(email)s" is not a word anyone reads)."""
    words = " ".join(_TagReader(text).data)
    words = PERCENT.sub(lambda m: " " if m.group("escape") is None else "%", words)
    words = re.sub(r"\{[^{}]*\}", " ", words)
    return unicodedata.normalize("NFC", words).translate(_HYPHENS)


def _check_glossary(text, locale, glossary):
    words = _visible_words(text)
    problems = []
    for forbidden, preferred in glossary.items():
        match = _glossary_pattern(forbidden).search(words)
        if match:
            problems.append(_problem("glossary", gettext(
                "In %(language)s we write \"%(preferred)s\", not "
                "\"%(found)s\". Please write \"%(preferred)s\" instead.",
                language=_language_name(locale), preferred=preferred,
                found=match.group(0)), blocking=False))
    return problems


# --- typography ----------------------------------------------------------------

NO_BREAK = "\u00a0\u202f"
_URL = re.compile(r"\S+://\S+|www\.\S+")
_TAG_OR_PLACEHOLDER = re.compile(r"<[^>]*>|%\(\w+\)[sd]|%[sd%]|\{\w*\}")


def typography_problems(text, locale):
    """How `text` breaks the typography of `locale` (config/markets.toml
    [typography.*]): a list of plain-words messages, empty when it is right.
    Tags, placeholders and addresses are left out of the check."""
    from domain.markets import TYPOGRAPHY
    rules = TYPOGRAPHY.get(str(locale))
    if not rules or not text:
        return []
    visible = _TAG_OR_PLACEHOLDER.sub("x", _URL.sub("x", text))
    problems = []
    for mark in rules.get("nbsp_before", ""):
        if re.search(rf"(?<![{NO_BREAK}]){re.escape(mark)}", visible):
            problems.append(f"Put a no-break space before “{mark}”.")
    for mark in rules.get("no_space_before", ""):
        if re.search(rf"[ {NO_BREAK}]{re.escape(mark)}", visible):
            problems.append(f"Put no space before “{mark}”.")
    opening, closing = rules.get("quotes", ("", ""))
    if opening:
        foreign = set('"“”«»„‟') - {opening, closing}
        if any(mark in visible for mark in foreign):
            problems.append(f"Write quotation marks as {opening}…{closing}.")
        if visible.count(opening) != visible.count(closing):
            problems.append(f"Close every {opening} with {closing}.")
        if rules.get("nbsp_inside_quotes") and (
                re.search(rf"{re.escape(opening)}(?![{NO_BREAK}])", visible)
                or re.search(rf"(?<![{NO_BREAK}]){re.escape(closing)}", visible)):
            problems.append(f"Put a no-break space inside {opening} {closing}.")
    return problems
