"""Password policy (NIST SP 800-63B) and hashing (argon2id).

Length is the rule; there are no composition rules. Passwords that are
common or built from the account's own details are refused, with the reason.
"""
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 12
MAX_LENGTH = 256

# zxcvbn ships the 30,000 most common passwords of public breaches.
COMMON_PASSWORDS = frozenset(FREQUENCY_LISTS["passwords"])

_hasher = PasswordHasher()


def configure(time_cost=None, memory_cost=None):
    """Tests lower the hash cost; production keeps argon2-cffi's defaults."""
    global _hasher, _DUMMY_HASH
    if time_cost or memory_cost:
        _hasher = PasswordHasher(time_cost=time_cost or 3, memory_cost=memory_cost or 65536)
        _DUMMY_HASH = None


def normalize(password):
    # The same password typed on two keyboards may differ in Unicode form.
    return unicodedata.normalize("NFKC", password)


def problem(password, context=()):
    """Why a new password is refused, as a key of PASSWORD_PROBLEMS; None if fine."""
    password = normalize(password)
    if len(password) < MIN_LENGTH:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) <= 2 or _is_sequence(lowered):
        return "common"
    for word in context:
        word = (word or "").strip().lower()
        if len(word) >= 4 and word in lowered:
            return "personal"
    return None


def _is_sequence(text):
    steps = {ord(b) - ord(a) for a, b in zip(text, text[1:])}
    return steps in ({1}, {-1})


def hash_password(password):
    return _hasher.hash(normalize(password))


def verify_password(password_hash, password):
    try:
        return _hasher.verify(password_hash, normalize(password))
    except (VerificationError, InvalidHashError):
        return False


# Verified against when no account matches, so that an unknown address
# takes as long as a known one.
_DUMMY_HASH = None


def burn_time(password):
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _hasher.hash("not the password of anyone")
    verify_password(_DUMMY_HASH, password)


def needs_rehash(password_hash):
    """True when the hash was made with other parameters than today's."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True
