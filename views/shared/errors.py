"""Error pages in the customer's language, as full pages or fragments; in
the back office (/staff and below) in the staff's layout."""
import logging
import secrets

from flask import flash, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from extensions import login_manager
from forms.messages import file_limits
from views.shared.answers import in_back_office, redirect_to, render_page

log = logging.getLogger(__name__)


def init_app(app):
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(SecurityError, _untrusted_host)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _server_error)


def _csrf_error(error):
    return render_page("errors/csrf.html", status=400, back_office=in_back_office())


def _untrusted_host(error):
    # A Host this deployment does not serve (TRUSTED_HOSTS): no URL can be
    # built for it, so no page either; a misdirected request, not a customer.
    return "Bad Request: unknown host.\n", 400, {"Content-Type": "text/plain; charset=utf-8"}


def _http_error(error):
    # A message with files too large for even the raised limit: the page
    # says what the limits are.
    files = file_limits() if error.code == 413 and request.blueprint == "messages" else None
    return render_page("errors/http.html", code=error.code, status=error.code, file_limits=files,
                       back_office=in_back_office())


def _server_error(error):
    # The incident id lets support find the traceback in the log; the page
    # itself shows nothing of it.
    incident = secrets.token_hex(4)
    log.exception("incident %s", incident)
    return render_page("errors/server.html", incident=incident, status=500,
                       back_office=in_back_office())


@login_manager.unauthorized_handler
def _sign_in_first():
    flash(_("Sign in to see this page."), "info")
    return redirect_to("auth.login")
