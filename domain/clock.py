from datetime import datetime, timezone


def utcnow():
    """Naive UTC, the one form of time stored in the database."""
    return datetime.now(timezone.utc).replace(tzinfo=None)
