"""Reading the audit with filters. Every value is a bound parameter, never SQL text; the audit
is append-only, and nothing here or anywhere in the application updates or deletes it."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, select

from registry.models import AuditEntry

MAX_LIMIT = 500


@dataclass(frozen=True)
class AuditFilters:
    actor: str | None = None
    action: str | None = None  # exact, or a prefix when it ends with "." or "*" ("auth.", "user.*")
    entity: str | None = None
    entity_id: str | None = None
    remote_addr: str | None = None
    since: date | None = None  # inclusive
    until: date | None = None  # inclusive
    before_id: int | None = None  # keyset paging: entries older than this one
    limit: int = 100


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def audit_entries(db: Session, filters: AuditFilters) -> list[AuditEntry]:
    """Newest first."""
    query = select(AuditEntry)
    for column, value in ((AuditEntry.actor, filters.actor), (AuditEntry.entity, filters.entity),
                          (AuditEntry.entity_id, filters.entity_id), (AuditEntry.remote_addr, filters.remote_addr)):
        if value:
            query = query.where(column == value)
    if filters.action:
        if filters.action.endswith(("*", ".")):
            query = query.where(col(AuditEntry.action).startswith(filters.action.rstrip("*"), autoescape=True))
        else:
            query = query.where(AuditEntry.action == filters.action)
    if filters.since:
        query = query.where(col(AuditEntry.at) >= _start_of(filters.since))
    if filters.until and filters.until < date.max:  # until the last day there is: no bound
        query = query.where(col(AuditEntry.at) < _start_of(filters.until + timedelta(days=1)))
    if filters.before_id:
        query = query.where(col(AuditEntry.id) < filters.before_id)
    limit = max(1, min(filters.limit, MAX_LIMIT))
    return list(db.exec(query.order_by(col(AuditEntry.id).desc()).limit(limit)).all())
