"""The one clock of the app. Tests move it (set_now) instead of sleeping:
"a code expires after 10 minutes" is checked at 10 minutes and 1 second."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

_frozen = None


def utcnow():
    """Naive UTC, the one form of time stored in the database."""
    if _frozen is not None:
        return _frozen
    return datetime.now(timezone.utc).replace(tzinfo=None)


def set_now(moment):
    """Freeze the clock at `moment` (naive UTC), or let it run again with None."""
    global _frozen
    _frozen = moment


def today_in(timezone_name):
    """Today's date where the market is ("Europe/Paris"): a due date or a
    payoff date is a day of the customer's calendar, not of UTC's."""
    return utcnow().replace(tzinfo=timezone.utc).astimezone(ZoneInfo(timezone_name)).date()
