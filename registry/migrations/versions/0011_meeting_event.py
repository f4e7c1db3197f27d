"""meeting_event: the dated history of a meeting's status and schedule

Feeds date their meeting entries from it, and a meeting's iCalendar SEQUENCE counts its
reschedulings. Existing meetings get their history back from the audit, which recorded every
creation, status change and update with its time.

Revision ID: 0011
Revises: 0010
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEDULE = ("starts_on", "ends_on", "place", "video")


def upgrade() -> None:
    op.create_table(
        "meeting_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=150), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("video", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_meeting_event_meeting_id"), "meeting_event", ["meeting_id"], unique=False)
    _history_from_audit()


def _history_from_audit() -> None:
    """One event per audited creation (its status then), status change and schedule change; the
    schedule recorded is the meeting's current one (the audit keeps only what changed)."""
    bind = op.get_bind()
    meeting = sa.table("meeting", *(sa.column(n) for n in ("id", *SCHEDULE)))
    audit = sa.table("audit_entry", *(sa.column(n) for n in ("id", "at", "actor", "action", "entity", "entity_id")),
                     sa.column("after", sa.JSON()))
    event = sa.table("meeting_event", *(sa.column(n) for n in ("meeting_id", "kind", "at", "actor", *SCHEDULE)))
    schedules = {row.id: row for row in bind.execute(sa.select(meeting)).all()}
    entries = bind.execute(sa.select(audit).where(audit.c.entity == "meeting",
                                                  audit.c.action.in_(("seed.create", "meeting.create", "meeting.status",
                                                                      "meeting.update"))).order_by(audit.c.id)).all()
    rows = []
    for entry in entries:
        current = schedules.get(int(entry.entity_id)) if str(entry.entity_id).isdigit() else None
        kind = _event_kind(entry.action, entry.after or {})
        if current is not None and kind:
            rows.append({"meeting_id": current.id, "kind": kind, "at": entry.at, "actor": entry.actor,
                         **{name: getattr(current, name) for name in SCHEDULE}})
    if rows:
        op.bulk_insert(event, rows)


def _event_kind(action: str, after: dict) -> str | None:
    if action in ("seed.create", "meeting.create"):
        return after.get("status", "planned")
    if action == "meeting.status":
        return after.get("status")
    return "rescheduled" if any(name in after for name in SCHEDULE) else None


def downgrade() -> None:
    op.drop_index(op.f("ix_meeting_event_meeting_id"), table_name="meeting_event")
    op.drop_table("meeting_event")
