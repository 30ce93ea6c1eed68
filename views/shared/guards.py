"""The guards in front of pages, for every blueprint that needs them:

- device_required: a signed-in customer whose browser is authorized where
  the market asks for it (domain.devices); after_sign_in() is the same
  question asked right after the password.
- owned_agreement(): the signed-in customer's agreement, or the 404 of a
  missing one.
- staff_required(): a staff member signed in with both factors, whose
  role has the page's permission (domain.roles).

Staff sessions are kept apart from customers': flask-login's current_user
is only ever a customer. The staff session key waits in
flask.session[STAFF_SESSION]; staff_required() loads it and sets g.staff.
"""
from functools import wraps

from flask import abort, flash, g, request, session
from flask_babel import gettext as _
from flask_login import current_user, login_required

from domain import agreements, devices, roles, sessions, staff as staff_accounts
from domain.security_log import log_event
from views.shared.answers import redirect_to, render_page
from views.shared.cookies import read_cookie

# Where flask.session keeps a staff member's session key: apart from
# flask-login's, which is only ever a customer's.
STAFF_SESSION = "staff"
# Where a page that sent the customer to authorize the device waits.
AFTER_DEVICE = "after_device"


# --- customers -------------------------------------------------------------------------

def device_required(view):
    """For pages that show agreement data: a signed-in customer whose
    browser is authorized (or whose market does not ask for it)."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.device_ok and devices.needs_authorization(current_user):
            if request.method == "GET" and set(request.view_args) <= {"lang"}:
                session[AFTER_DEVICE] = request.endpoint     # back here afterwards
            return redirect_to("device.choose")
        return view(*args, **kwargs)
    return wrapped


def after_sign_in(customer):
    """Where a customer goes right after the password: a remembered device
    goes straight in, another one is asked for a code first."""
    if devices.needs_authorization(customer):
        if devices.recognize(customer, read_cookie(devices.COOKIE)):
            sessions.mark_device_ok(customer.session_key)
            log_event("device_recognized", customer)
        else:
            return redirect_to("device.choose")
    return redirect_to("account.home")


def owned_agreement(agreement_id):
    """The signed-in customer's agreement, or 404 (never 403: whether an
    agreement exists is not for others to learn)."""
    agreement = agreements.owned(agreement_id, current_user.id)
    if agreement is None:
        abort(404)
    return agreement


# --- staff -----------------------------------------------------------------------------

def staff_session():
    """(staff, session row) of this browser's staff session, loaded once a
    request; None when there is none or it has ended."""
    if "staff_session" not in g:
        g.staff_session = staff_accounts.load(session.get(STAFF_SESSION))
    return g.staff_session


def current_staff():
    """The staff member signed in with password and second factor, or None."""
    loaded = staff_session()
    if loaded is None or loaded[1].second_factor_at is None:
        return None
    return loaded[0]


def staff_required(permission=None):
    """For back-office pages: a staff member signed in with both factors,
    whose role has `permission` (domain.roles; any member when None).
    Others go to the sign-in; a role without it gets 403, and the log says
    who tried what. The member is g.staff."""
    if permission is not None and permission not in roles.PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}: see domain.roles")
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            staff = current_staff()
            if staff is None:
                flash(_("Sign in to see this page."), "info")
                return redirect_to("staff.login")
            if permission is not None and not roles.may(staff.role, permission):
                log_event("role_refused", staff=staff, detail=request.endpoint or "")
                return render_page("errors/http.html", code=403, status=403, back_office=True)
            g.staff = staff
            return view(*args, **kwargs)
        return wrapped
    return decorator
