"""Database ids as they come from outside: a URL segment, a query
parameter, a form field, a page link. Every such value goes through here
before it reaches a query, so that none can make one fail.

An id is digits only, no sign, no leading zero, from 1 to MAX_ID. SQLite
refuses an integer beyond 64 bits with OverflowError (a 500), and Python's
int() refuses strings of more than 4,300 digits with ValueError, so the
length is bounded before anything converts. Anything else is no id: a
route answers 404 (IdConverter), a parameter is None (parse_id) and the
caller answers as for a missing object.

The bound is that of a signed 64-bit integer, the widest column either
database has: the AutoFields are 32-bit on PostgreSQL, where comparing
them with a larger number is allowed and finds nothing."""
import re

from werkzeug.routing import BaseConverter, ValidationError

MAX_ID = 2 ** 63 - 1
ID_PATTERN = r"[1-9][0-9]{0,18}"
_ID = re.compile(ID_PATTERN)


def parse_id(text):
    """An int from 1 to MAX_ID, or None for anything else (None, "",
    "0", "-1", "007", "abc", "²", 20 digits). Spaces around are allowed:
    a typed id may carry them."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text if 1 <= text <= MAX_ID else None
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not _ID.fullmatch(text):
        return None
    number = int(text)
    return number if number <= MAX_ID else None


_NUMBER = re.compile(r"[0-9]{1,18}")


def parse_number(text, default, maximum):
    """A page number, a day typed in a form: an int from 1 to `maximum`
    (leading zeros allowed: "05" is 5), else `default`. ASCII digits
    only: "²".isdigit() is true, and int("²") fails."""
    text = text.strip() if isinstance(text, str) else ""
    if not _NUMBER.fullmatch(text):
        return default
    number = int(text)
    return number if 1 <= number <= maximum else default


class IdConverter(BaseConverter):
    """`<id:thread_id>` in a route: matches only what parse_id() takes, so
    any other segment is the route not matching (404) before the view or
    the database sees it."""
    regex = ID_PATTERN

    def to_python(self, value):
        number = parse_id(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value):
        return str(int(value))
