"""The keys that encrypt staff members' TOTP secrets at rest (domain.staff).

Whoever holds a member's secret can make their codes, so a copy of the
database (a dump, a backup, a stolen disk of the database server) must not
be enough: the secret is kept as a Fernet token (AES-128-CBC with
HMAC-SHA256, from the `cryptography` package), and the keys live apart from
the database:

- the setting TOTP_KEY (KEYFOB_TOTP_KEY in the environment): one key, or
  several separated by commas;
- else the file instance/totp_key, one key a line, made with one new key
  (mode 0600) when the app first starts without it.

The first key encrypts; every key decrypts (MultiFernet). Rotation puts a
new key first, re-encrypts every secret with it (domain.staff.reseal_all,
`flask staff rotate-totp-key`), then drops the old key. The file is read
again whenever it changes, so that a rotation which rewrites it reaches
running processes at their next use, without a restart.

A stored secret that no key opens is never taken for a wrong code: it
raises KeyMismatch, which says what to check.
"""
import os
import threading

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

FILE_NAME = "totp_key"
SETTING = "TOTP_KEY"


class TotpKeyError(RuntimeError):
    """The keys are missing or malformed, or none opens a stored secret:
    the operator's to fix. The message says what is wrong, in English."""


class KeyMismatch(TotpKeyError):
    """A stored secret that none of the keys opens: the keys were changed
    or lost, or the database comes from another installation."""


_lock = threading.Lock()
_configured = None      # ("setting", keys) or ("file", path)
_file_cache = None      # (the file's stat signature, keys)


def configure(setting, instance_path):
    """Where the keys come from (create_app calls it): the setting when it
    is given, else instance/totp_key, created now when it is missing."""
    global _configured, _file_cache
    if setting:
        keys = parse(setting, SETTING)
        _configured = ("setting", keys)
    else:
        path = os.path.join(instance_path, FILE_NAME)
        _create_file(path)
        _configured = ("file", path)
    _file_cache = None
    keys_now()          # a malformed key file is reported at start, not at a sign-in


def parse(value, where):
    """Keys from a setting or a file: a list, or text with one key a line
    or keys separated by commas. Raises TotpKeyError for a key that is not
    a Fernet key, or when there is none."""
    if isinstance(value, (list, tuple)):
        parts = [str(part) for part in value]
    else:
        parts = str(value).replace(",", "\n").split()
    keys = [part.strip() for part in parts if part.strip()]
    if not keys:
        raise TotpKeyError(f"{where} holds no key")
    for number, key in enumerate(keys, 1):
        try:
            Fernet(key)
        except ValueError:
            raise TotpKeyError(
                f"{where}: key {number} is not a Fernet key (32 url-safe base64-encoded bytes, "
                "44 characters; make one with `flask staff rotate-totp-key` or "
                "cryptography.fernet.Fernet.generate_key())") from None
    return keys


def new_key():
    return Fernet.generate_key().decode("ascii")


def _create_file(path):
    """A file with one new key, readable by its owner only; nothing when it
    is there already (two processes starting at once make one)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as f:
        f.write(new_key() + "\n")


def source():
    """"setting" or "file": whether a rotation can write the keys itself."""
    if _configured is None:
        raise TotpKeyError("the TOTP keys are not configured: create the app first")
    return _configured[0]


def describe():
    """Where the keys come from, for an operator's message."""
    kind, where = _configured
    return f"the setting {SETTING}" if kind == "setting" else where


def keys_now():
    """The keys in force, the encrypting one first."""
    global _file_cache
    kind, where = _configured if _configured else (None, None)
    if kind is None:
        raise TotpKeyError("the TOTP keys are not configured: create the app first")
    if kind == "setting":
        return where
    try:
        status = os.stat(where)
    except FileNotFoundError:
        raise TotpKeyError(f"{where} is missing: the TOTP secrets cannot be read without it") from None
    signature = (status.st_ino, status.st_mtime_ns, status.st_size)
    with _lock:
        if _file_cache is None or _file_cache[0] != signature:
            with open(where, encoding="ascii", errors="replace") as f:
                _file_cache = (signature, parse(f.read(), where))
        return _file_cache[1]


def _fernet(keys=None):
    return MultiFernet([Fernet(key) for key in (keys or keys_now())])


def seal(secret):
    """The token kept in place of `secret`."""
    return _fernet().encrypt(secret.encode("ascii")).decode("ascii")


def unseal(token, keys=None):
    """The secret kept as `token`; KeyMismatch when no key opens it."""
    try:
        return _fernet(keys).decrypt(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError):
        raise KeyMismatch(
            f"a staff TOTP secret cannot be decrypted with the keys of {describe()}: the key "
            "was changed or lost, or the database comes from another installation. Put the "
            "key that encrypted it back (first, or after the new one), or reset the member's "
            "authenticator app (flask staff reset-2fa EMAIL)") from None


def reseal(token, keys=None):
    """The same secret encrypted with the first key; KeyMismatch when no
    key opens it."""
    try:
        return _fernet(keys).rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError):
        unseal(token, keys)     # raises the explained error
        raise


def write_file(keys):
    """Replace the key file with `keys` (the encrypting one first) in one
    step: a process reading it sees the old file or the new one."""
    kind, path = _configured
    assert kind == "file", "the keys come from the setting"
    temporary = f"{path}.new"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("".join(key + "\n" for key in keys))
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)
