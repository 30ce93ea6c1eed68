"""Extensions, created unbound and bound in create_app()."""
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from domain.i18n import LayeredBabel

babel = LayeredBabel()
csrf = CSRFProtect()
login_manager = LoginManager()
# The session cookie carries only a random key (see domain.sessions); no
# hash of the address or browser, which flask-login's protection would add.
login_manager.session_protection = None
