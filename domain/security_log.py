"""The security log: sign-ins, lockouts, codes sent, devices authorized,
links refused. Kinds are short names; `detail` never holds a secret, a code
or a password, only ids and channels."""
from models import SecurityEvent


def log_event(kind, customer=None, detail=""):
    SecurityEvent.create(kind=kind, customer=customer, detail=detail[:255])
