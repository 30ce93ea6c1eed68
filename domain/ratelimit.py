"""Fixed-window rate limits kept in the database, so that every server
process counts together (the limits libraries for Flask keep counts in memory,
Redis or Memcached, none of which a small install has).

A hit is one INSERT ... ON CONFLICT DO UPDATE: two processes hitting the same
key at once both count, on SQLite and PostgreSQL alike.
"""
from dataclasses import dataclass
from datetime import timedelta

from peewee import Case

from domain.clock import utcnow
from domain.db import database
from domain.tokens import digest
from models import RateCounter


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int   # seconds until the window ends; 0 when allowed


def hit(limit, subject):
    """Count one attempt at `limit` by `subject` (an address, an IP)."""
    key = digest(f"{limit.name}:{subject}")
    now = utcnow()
    window_opened_after = now - timedelta(seconds=limit.seconds)
    expired = RateCounter.window_start <= window_opened_after
    with database.atomic():
        (RateCounter
         .insert(key=key, window_start=now, count=1)
         .on_conflict(
             conflict_target=[RateCounter.key],
             update={
                 RateCounter.count: Case(None, [(expired, 1)], RateCounter.count + 1),
                 RateCounter.window_start: Case(None, [(expired, now)], RateCounter.window_start),
             })
         .execute())
        row = RateCounter.get_by_id(key)
    if row.count <= limit.count:
        return Verdict(True, 0)
    ends = row.window_start + timedelta(seconds=limit.seconds)
    return Verdict(False, max(1, int((ends - now).total_seconds())))


def purge_old(max_age_seconds=86400):
    cutoff = utcnow() - timedelta(seconds=max_age_seconds)
    return RateCounter.delete().where(RateCounter.window_start < cutoff).execute()
