"""A link's token (reset, email confirmation) moves from the URL into the
session at its first use, then a 303 leads to the same page without it:
the page a person sees, and whatever it links or loads, never carries the
token in its address (no Referer, history or screenshot gives it away)."""
from flask import session

from views.shared.answers import redirect_to

LINK_TOKEN = "link_token_"


def keep_link_token(purpose, secret, endpoint):
    """The answer to opening a link with a token: kept in the session, 303 to `endpoint`."""
    session[LINK_TOKEN + purpose] = (secret or "")[:100]
    return redirect_to(endpoint)


def link_token(purpose):
    """The token of the link last opened for `purpose`, or ""."""
    return session.get(LINK_TOKEN + purpose, "")


def forget_link_token(purpose):
    session.pop(LINK_TOKEN + purpose, None)
