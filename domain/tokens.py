"""Random secrets for email links and cookies; only their SHA-256 is stored."""
import hashlib
import secrets


def new_secret():
    return secrets.token_urlsafe(32)


def digest(secret):
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
