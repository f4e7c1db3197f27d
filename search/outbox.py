"""The search outbox: the keys of units to refresh, written in the transaction of the change.

Why a table and not a list in memory: a list dies with the process, so a write committed just
before a crash was never indexed (issue 13: 38 of 93 restarts). A row written in the same
transaction exists exactly when the change does; whoever drains next (after the commit, at
start, at /health, in any process) applies it (search/following.py).

Where rows come from: a SQLAlchemy `after_flush` listener on every Session maps each new,
changed or deleted row of a watched model to its unit key (search/sources.py), so no write
path can forget it, and a rolled-back write leaves no row. The composition root installs it
with the features' sources (registry/composition.py: track_search_changes).

Processed rows are marked done and kept HISTORY long (which change reached the index when),
then pruned: the outbox is derived data, not a record."""

import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import chain

from sqlalchemy import delete, event, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, SQLModel

from registry import country_limits
from registry.models import timestamp_column, utcnow
from search.sources import SearchSource

HISTORY = timedelta(days=1)
WRITTEN, COMMITTED = "search_outbox_written", "search_outbox_committed"  # Session.info flags


class SearchOutboxEntry(SQLModel, table=True):
    __tablename__ = "search_outbox"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, index=True, description="unit key, e.g. instrument:42")
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
    done_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True, index=True))
    attempts: int = Field(default=0, description="drains that failed on it")
    last_error: str = Field(default="", max_length=500)


country_limits.unlimited("search_outbox", "derived: the search units a write changed; the write itself was checked")


TABLE = SearchOutboxEntry.__table__


# --- writing rows in the transaction of the change ---------------------------------------------

_watches: dict[type, list[tuple[SearchSource, object]]] = {}
_followers: "weakref.WeakValueDictionary[int, object]" = weakref.WeakValueDictionary()


def track_changes(sources: Iterable[SearchSource]) -> None:
    """Record, in every Session of the process, the units that the watched rows of a flush
    belong to. Idempotent; a later call replaces the watched models."""
    _watches.clear()
    for source in sources:
        for model, unit_of_row in source.watches.items():
            _watches.setdefault(model, []).append((source, unit_of_row))
    for name, listener in (("after_flush", _record_flush), ("after_commit", _committed),
                           ("after_rollback", _rolled_back), ("after_transaction_end", _transaction_ended)):
        if not event.contains(OrmSession, name, listener):
            event.listen(OrmSession, name, listener)


def follow(engine: Engine, follower) -> None:
    """After a commit that wrote outbox rows through `engine`, call `follower.committed()` (once
    the session has given its connection back). The follower keeps the engine alive, so its id
    names it for as long as the entry exists."""
    _followers[id(engine)] = follower


def keys_of(objects: Iterable) -> set[str]:
    keys = set()
    for obj in objects:
        for source, unit_of_row in _watches.get(type(obj), ()):
            unit_id = unit_of_row(obj)
            if unit_id is not None:
                keys.add(source.key(unit_id))
    return keys


def _record_flush(session: OrmSession, _context) -> None:
    # after the flush: new rows have their ids; new/dirty/deleted still list what was flushed
    changed = (obj for obj in session.dirty if type(obj) in _watches and session.is_modified(obj))
    keys = keys_of(chain(session.new, changed, session.deleted))
    if keys:
        now = utcnow()
        session.connection().execute(insert(TABLE), [
            {"key": key, "created_at": now, "attempts": 0, "last_error": ""} for key in sorted(keys)])
        session.info[WRITTEN] = True


def _committed(session: OrmSession) -> None:
    if not session.in_nested_transaction() and session.info.pop(WRITTEN, False):
        session.info[COMMITTED] = True


def _rolled_back(session: OrmSession) -> None:
    if not session.in_nested_transaction():
        session.info.pop(WRITTEN, None)


def _transaction_ended(session: OrmSession, transaction) -> None:
    if transaction.parent is None and session.info.pop(COMMITTED, False):
        bind = session.bind
        follower = _followers.get(id(getattr(bind, "engine", bind)))
        if follower is not None:
            follower.committed()


# --- reading and marking rows (search/following.py drains them) ----------------------------------

@dataclass(frozen=True)
class OutboxStatus:
    pending: int
    oldest: datetime | None  # created_at of the oldest pending row
    last_error: str

    def oldest_age(self, now: datetime | None = None) -> float | None:
        if self.oldest is None:
            return None
        oldest = self.oldest if self.oldest.tzinfo else self.oldest.replace(tzinfo=UTC)  # SQLite: naive UTC
        return max(0.0, ((now or utcnow()) - oldest).total_seconds())


PENDING = TABLE.c.done_at.is_(None)


def pending_rows(conn, limit: int) -> list[tuple[int, str]]:
    query = select(TABLE.c.id, TABLE.c.key).where(PENDING).order_by(TABLE.c.id).limit(limit)
    return [(row.id, row.key) for row in conn.execute(query)]


def pending_ids(conn) -> list[int]:
    return list(conn.execute(select(TABLE.c.id).where(PENDING)).scalars())


def mark_done(conn, ids: list[int]) -> None:
    for chunk in _id_chunks(ids):
        conn.execute(update(TABLE).where(TABLE.c.id.in_(chunk), PENDING).values(done_at=utcnow()))


def mark_failed(conn, ids: list[int], error: str) -> None:
    for chunk in _id_chunks(ids):
        conn.execute(update(TABLE).where(TABLE.c.id.in_(chunk))
                     .values(attempts=TABLE.c.attempts + 1, last_error=error[:500]))


def prune(conn, now: datetime | None = None) -> None:
    conn.execute(delete(TABLE).where(TABLE.c.done_at < (now or utcnow()) - HISTORY))


def status(conn) -> OutboxStatus:
    count, oldest = conn.execute(select(func.count(), func.min(TABLE.c.created_at)).where(PENDING)).one()
    error = conn.execute(select(TABLE.c.last_error).where(PENDING, TABLE.c.last_error != "")
                         .order_by(TABLE.c.id).limit(1)).scalar()
    return OutboxStatus(pending=count, oldest=oldest, last_error=error or "")


def _id_chunks(ids: list[int], size: int = 500):
    for start in range(0, len(ids), size):
        yield ids[start:start + size]
