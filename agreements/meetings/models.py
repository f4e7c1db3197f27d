"""Meeting tables. No `from __future__ import annotations` here (SQLModel #196).

Meeting: one session with a country. AgendaItem: its ordered items; an item carries the
minutes of its discussion in both languages. Decision and ActionItem belong to an item; their
texts are part of the minutes, their follow-up (status, the session that closed them) is not, so
it can change after the minutes are approved. MinutesRevision: the full text of the minutes each
time it changed (never edited, never deleted). MinutesApproval: one head of delegation's
agreement to one revision. MeetingEvent: when its status and schedule changed. DecisionEffect:
what a decision changed, as a generic reference (an instrument, a form version) without a
foreign key: agreements never imports forms."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from registry import country_limits
from registry.models import timestamp_column, utcnow


class MeetingKind(StrEnum):
    joint_commission = "joint_commission"
    technical_meeting = "technical_meeting"
    bilateral_meeting = "bilateral_meeting"
    videoconference = "videoconference"


class MeetingStatus(StrEnum):
    planned = "planned"
    agenda_sent = "agenda_sent"
    held = "held"
    minutes_draft = "minutes_draft"
    minutes_approved = "minutes_approved"
    published = "published"


class DocumentLayout(StrEnum):
    side_by_side = "side_by_side"
    sequential = "sequential"


class Side(StrEnum):
    france = "france"
    partner = "partner"


class ActionStatus(StrEnum):
    open = "open"
    done = "done"
    dropped = "dropped"


class DecisionStatus(StrEnum):
    agreed = "agreed"  # taken, follow-up pending
    implemented = "implemented"
    abandoned = "abandoned"


class TargetKind(StrEnum):
    instrument = "instrument"
    form = "form"
    form_version = "form_version"


class Meeting(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    country_code: str = Field(foreign_key="country.code", index=True, max_length=2)
    kind: str = Field(max_length=30)
    title_fr: str = Field(default="", max_length=300, description="empty: made from kind, country and dates")
    title_partner: str = Field(default="", max_length=300)
    partner_language: str = Field(default="", max_length=20, description="BCP 47; 'fr' or empty: French only")
    starts_on: date = Field(index=True)
    ends_on: date
    place: str = Field(default="", max_length=300)
    video: bool = Field(default=False)
    status: str = Field(default=MeetingStatus.planned.value, max_length=20, index=True)
    audience: str = Field(default="public", max_length=10, description="public, or staff (restricted)")
    document_layout: str = Field(default=DocumentLayout.side_by_side.value, max_length=20)
    illustrative: bool = Field(default=False, description="participants and wording invented by the project")
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    source: str = Field(default="", max_length=2000)
    minutes_revision: int = Field(default=0, description="number of the current minutes revision; 0: none")
    approved_revision: int | None = Field(default=None)
    approved_sha256: str | None = Field(default=None, max_length=64)
    version: int = Field(default=1, description="grows by one on every change; exposed as the ETag")
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))


class MeetingInstrument(SQLModel, table=True):
    __tablename__ = "meeting_instrument"
    __table_args__ = (UniqueConstraint("meeting_id", "instrument_id", name="uq_meeting_instrument"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    instrument_id: int = Field(foreign_key="instrument.id")
    withdrawn: bool = Field(default=False, description="no longer concerned; kept for the record")


class Contact(SQLModel, table=True):
    """A person who takes part in meetings, kept to be chosen again for the next session."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    organisation: str = Field(default="", max_length=300)
    function: str = Field(default="", max_length=300)
    side: str = Field(max_length=10)
    country_code: str = Field(foreign_key="country.code", index=True, max_length=2,
                              description="the partner country the contact works with")
    illustrative: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))


class Participant(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("meeting_id", "contact_id", name="uq_participant"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    contact_id: int = Field(foreign_key="contact.id")
    side: str = Field(max_length=10)
    role: str = Field(default="", max_length=300, description="function at this meeting")
    is_head: bool = Field(default=False, description="head of its side's delegation")
    position: int = Field(default=0)
    withdrawn: bool = Field(default=False, description="no longer expected at the meeting; kept for the record")


class AgendaItem(SQLModel, table=True):
    __tablename__ = "agenda_item"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    position: int
    title_fr: str = Field(max_length=500)
    title_partner: str = Field(default="", max_length=500)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    # proposed by the registry when the session was planned, until someone accepts it
    proposed: bool = Field(default=False)
    withdrawn: bool = Field(default=False)
    origin: str = Field(default="", max_length=30, description="previous_minutes, action_item, or empty")
    origin_meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    # no foreign key: action_item already points at agenda_item, and a cycle of keys would make
    # table creation order depend on the backend
    origin_action_item_id: int | None = Field(default=None, index=True)
    links: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False),
                              description="[{target_kind, target_id, label}]: instruments and forms discussed")
    discussion_fr: str = Field(default="", sa_column=Column(Text, nullable=False))
    discussion_partner: str = Field(default="", sa_column=Column(Text, nullable=False))


class Decision(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    agenda_item_id: int = Field(foreign_key="agenda_item.id", index=True)
    position: int = Field(default=0)
    text_fr: str = Field(sa_column=Column(Text, nullable=False))
    text_partner: str = Field(default="", sa_column=Column(Text, nullable=False))
    withdrawn: bool = Field(default=False, description="removed from the draft minutes before approval")
    status: str = Field(default=DecisionStatus.agreed.value, max_length=20)
    status_meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    status_note: str = Field(default="", max_length=1000)


class DecisionEffect(SQLModel, table=True):
    __tablename__ = "decision_effect"
    __table_args__ = (UniqueConstraint("decision_id", "target_kind", "target_id", name="uq_decision_effect"),)

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", index=True)
    target_kind: str = Field(max_length=20, index=True)
    target_id: int = Field(index=True)
    description: str = Field(default="", max_length=500)
    withdrawn: bool = Field(default=False, description="unlinked from the draft minutes before approval")


class ActionItem(SQLModel, table=True):
    __tablename__ = "action_item"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    agenda_item_id: int = Field(foreign_key="agenda_item.id", index=True)
    position: int = Field(default=0)
    text_fr: str = Field(sa_column=Column(Text, nullable=False))
    text_partner: str = Field(default="", sa_column=Column(Text, nullable=False))
    owner: str = Field(default="", max_length=300, description="who: a body or a person")
    due_on: date | None = Field(default=None)
    withdrawn: bool = Field(default=False)
    status: str = Field(default=ActionStatus.open.value, max_length=10, index=True)
    closed_in_meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    closed_note: str = Field(default="", max_length=1000)


class MeetingEvent(SQLModel, table=True):
    """The dated history of a meeting's status and schedule, one row per change, written in the
    transaction of the change and never edited: `kind` is the status reached (planned, held,
    published…) or `rescheduled` (dates, place or videoconference changed; the row keeps the new
    schedule). Feeds date their entries from it; a meeting's iCalendar SEQUENCE is its number of
    `rescheduled` rows."""

    __tablename__ = "meeting_event"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    kind: str = Field(max_length=20)
    at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
    actor: str = Field(max_length=150)
    starts_on: date
    ends_on: date
    place: str = Field(default="", max_length=300)
    video: bool = Field(default=False)


class MinutesRevision(SQLModel, table=True):
    __tablename__ = "minutes_revision"
    __table_args__ = (UniqueConstraint("meeting_id", "number", name="uq_minutes_revision"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    number: int
    content: dict = Field(sa_column=Column(JSON, nullable=False))
    sha256: str = Field(max_length=64)
    actor: str = Field(max_length=150)
    at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))


class MinutesApproval(SQLModel, table=True):
    __tablename__ = "minutes_approval"
    __table_args__ = (UniqueConstraint("meeting_id", "revision", "participant_id", name="uq_minutes_approval"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    revision: int
    sha256: str = Field(max_length=64, description="the content approved")
    participant_id: int = Field(foreign_key="participant.id")
    side: str = Field(max_length=10)
    recorded_by: str = Field(max_length=150)
    approved_on: date
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))


# the country each row belongs to, for the country limits of writes (registry/country_limits.py)
country_limits.scoped(Meeting, column="country_code")
country_limits.scoped(Contact, column="country_code")
for _part in (MeetingInstrument, Participant, AgendaItem, Decision, ActionItem, MeetingEvent, MinutesRevision,
              MinutesApproval):
    country_limits.scoped(_part, parent=Meeting, via="meeting_id")
country_limits.scoped(DecisionEffect, parent=Decision, via="decision_id")
