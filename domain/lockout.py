"""Wrong passwords in a row, counted in the database for customers and staff
alike: after `limit` of them the account is locked until it is unlocked."""
from domain.clock import utcnow


def record_failure(model, row_id, limit):
    """Count a wrong password for the row of `model` (Customer or Staff);
    True when this one locked the account. Two UPDATEs, each atomic on its
    own, so parallel failures are all counted and exactly one request sees
    the lock happen."""
    model.update(failed_logins=model.failed_logins + 1).where(
        model.id == row_id, model.locked_at.is_null()).execute()
    return model.update(locked_at=utcnow()).where(
        model.id == row_id, model.locked_at.is_null(),
        model.failed_logins >= limit).execute() == 1
