"""Fixed-window rate limits kept in the database, so that every server
process counts together (the limits libraries for Flask keep counts in memory,
Redis or Memcached, none of which a small install has).

A hit is one INSERT ... ON CONFLICT DO UPDATE: two processes hitting the same
key at once both count, on SQLite and PostgreSQL alike.

A client is its IPv4 address, or its IPv6 /64 (client_key): a home or a
server is given a whole /64, so counting each IPv6 address alone would give
one attacker 2^64 clients.
"""
import ipaddress
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


IPV6_CLIENT_PREFIX = 64


def client_key(address):
    """The client that per-client limits count, from its address: an IPv4
    address itself; an IPv6 address by its /64 ("2001:db8:1:2::/64"); an
    IPv4-mapped IPv6 address (::ffff:192.0.2.1, what a dual-stack socket
    shows) as the IPv4 address it is. Anything else is counted as given."""
    try:
        ip = ipaddress.ip_address((address or "").split("%", 1)[0])   # no IPv6 zone
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, IPV6_CLIENT_PREFIX), strict=False))
    return str(ip)


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
