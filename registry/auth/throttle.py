"""Login throttling kept in the database, so every app instance counts the same failures.

Failures are counted per account name, per client address and per device cookie. Past a free
allowance each further failure doubles the wait before the next attempt, up to MAX_WAIT: an
attacker gets a handful of guesses per hour, and nobody is ever locked out for longer than
MAX_WAIT. A browser holding a valid device cookie for the account (set by an earlier
successful login) is counted on that cookie only, so an attacker hammering an account or an
office's shared address does not lock out the people who use it (README "Security")."""

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from registry.auth.models import LoginThrottle, as_utc

ACCOUNT, ADDRESS, DEVICE = "account", "address", "device"
MAX_WAIT = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=24)  # a counter without failure for this long starts again at zero


@dataclass(frozen=True)
class Allowance:
    free_failures: int  # failures allowed before any wait
    first_wait: timedelta = timedelta(seconds=1)


ALLOWANCES = {
    ACCOUNT: Allowance(free_failures=5),
    # offices and funds sit behind one address; be generous there, the account count does the work
    ADDRESS: Allowance(free_failures=30),
    DEVICE: Allowance(free_failures=10),
}

Key = tuple[str, str]


def account_key(username: str) -> Key:
    return ACCOUNT, username.strip().lower()[:200]


def address_key(host: str) -> Key:
    """IPv6 clients are counted per /64: one machine commonly holds a whole /64."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return ADDRESS, host[:200]
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return ADDRESS, str(address.ipv4_mapped)
        return ADDRESS, str(ipaddress.ip_network(f"{address}/64", strict=False))
    return ADDRESS, str(address)


def device_key(nonce: str) -> Key:
    return DEVICE, nonce[:200]


def wait_after(scope: str, failures: int) -> timedelta:
    allowance = ALLOWANCES[scope]
    excess = failures - allowance.free_failures
    if excess < 0:
        return timedelta(0)
    return min(allowance.first_wait * 2 ** min(excess, 20), MAX_WAIT)


def retry_after(db: Session, keys: list[Key], now: datetime) -> int:
    """Seconds to wait before the next attempt may be checked (0: go ahead)."""
    wait = 0.0
    for key in keys:
        row = db.get(LoginThrottle, key)
        if row is None or row.blocked_until is None or as_utc(row.last_failure_at) + FORGET_AFTER < now:
            continue
        wait = max(wait, (as_utc(row.blocked_until) - now).total_seconds())
    return math.ceil(wait) if wait > 0 else 0


def register_failure(db: Session, keys: list[Key], now: datetime) -> None:
    for scope, key in keys:
        _count_failure(db, scope, key, now)


def _count_failure(db: Session, scope: str, key: str, now: datetime) -> None:
    # insert-if-missing then an atomic increment: concurrent failures on several instances all count
    insert = sqlite_insert if db.get_bind().dialect.name == "sqlite" else postgresql_insert
    db.exec(insert(LoginThrottle).values(scope=scope, key=key, failures=0, last_failure_at=now)
            .on_conflict_do_nothing())
    forgotten = LoginThrottle.last_failure_at < now - FORGET_AFTER
    db.exec(update(LoginThrottle).where(LoginThrottle.scope == scope, LoginThrottle.key == key)
            .values(failures=case((forgotten, 1), else_=LoginThrottle.failures + 1), last_failure_at=now))
    row = db.get(LoginThrottle, (scope, key), populate_existing=True)
    wait = wait_after(scope, row.failures)
    row.blocked_until = now + wait if wait else None
    db.add(row)


def clear(db: Session, keys: list[Key]) -> None:
    for scope, key in keys:
        db.exec(delete(LoginThrottle).where(LoginThrottle.scope == scope, LoginThrottle.key == key))
