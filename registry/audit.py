"""Audit: every write records who, when, from where and what, in the caller's transaction."""

from dataclasses import dataclass

from sqlmodel import Session

from registry.models import AuditEntry


@dataclass(frozen=True)
class Actor:
    name: str
    remote_addr: str = ""

    @classmethod
    def system(cls, what: str = "system") -> "Actor":
        return cls(name=what)


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str = "",
    entity_id: object = "",
    before: dict | None = None,
    after: dict | None = None,
    detail: str = "",
) -> AuditEntry:
    entry = AuditEntry(
        actor=actor.name,
        remote_addr=actor.remote_addr,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=before,
        after=after,
        detail=detail,
    )
    session.add(entry)
    return entry
