"""Our own cookies (the site, a remembered device): HTTP only, SameSite=Lax,
and behind HTTPS Secure with the __Host- prefix."""
from flask import current_app, request


def cookie_name(name, secure=None):
    """A cookie's name: with HTTPS cookies (SESSION_COOKIE_SECURE) it
    carries the __Host- prefix, which browsers accept only with Secure,
    Path=/ and no Domain, so no other host or plain-HTTP page can set or
    shadow it."""
    if secure is None:
        secure = current_app.config["SESSION_COOKIE_SECURE"]
    return "__Host-" + name if secure and not name.startswith("__Host-") else name


def set_cookie(response, name, value, max_age):
    """Set one of our cookies: HTTP only, SameSite=Lax, and Secure with the
    __Host- prefix behind HTTPS."""
    response.set_cookie(cookie_name(name), value, max_age=max_age, path="/", httponly=True,
                        samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def read_cookie(name):
    return request.cookies.get(cookie_name(name))
