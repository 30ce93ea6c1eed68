"""The security log: sign-ins, lockouts, codes sent, devices authorized,
links refused, and the same for staff. Kinds are short names; `detail`
never holds a secret, a code, a password or a typed address, only ids and
channels."""
from models import SecurityEvent


def log_event(kind, customer=None, detail="", staff=None):
    SecurityEvent.create(kind=kind, customer=customer, staff=staff, detail=detail[:255])
