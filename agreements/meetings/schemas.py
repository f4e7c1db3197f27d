"""Input and output models of the meetings API (never table models)."""

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from agreements.meetings.models import (ActionStatus, DecisionStatus, DocumentLayout, MeetingKind, MeetingStatus,
                                        Side, TargetKind)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MeetingFields(Strict):
    title_fr: str = Field(default="", max_length=300)
    title_partner: str = Field(default="", max_length=300)
    partner_language: str = Field(default="", max_length=20)
    place: str = Field(default="", max_length=300)
    video: bool = False
    audience: str = Field(default="public", pattern="^(public|staff)$")
    document_layout: DocumentLayout = DocumentLayout.side_by_side
    note: str = Field(default="", max_length=5000)
    source: str = Field(default="", max_length=2000)
    instrument_ids: list[int] = Field(default_factory=list, max_length=50)


class MeetingCreate(MeetingFields):
    country_code: str = Field(min_length=2, max_length=2)
    kind: MeetingKind
    starts_on: date
    ends_on: date | None = None

    def values(self) -> dict:
        values = self.model_dump(mode="python")
        return values | {"kind": self.kind.value, "document_layout": self.document_layout.value,
                         "ends_on": self.ends_on or self.starts_on}


class MeetingPatch(Strict):
    """Only the fields sent are changed."""

    kind: MeetingKind | None = None
    title_fr: str | None = Field(default=None, max_length=300)
    title_partner: str | None = Field(default=None, max_length=300)
    partner_language: str | None = Field(default=None, max_length=20)
    starts_on: date | None = None
    ends_on: date | None = None
    place: str | None = Field(default=None, max_length=300)
    video: bool | None = None
    audience: str | None = Field(default=None, pattern="^(public|staff)$")
    document_layout: DocumentLayout | None = None
    note: str | None = Field(default=None, max_length=5000)
    source: str | None = Field(default=None, max_length=2000)
    instrument_ids: list[int] | None = Field(default=None, max_length=50)

    def changes(self) -> dict:
        sent = self.model_dump(mode="python", exclude_unset=True)
        return {k: (v.value if hasattr(v, "value") else v) for k, v in sent.items()}


class StatusChange(Strict):
    status: MeetingStatus


class Link(Strict):
    target_kind: TargetKind
    target_id: int


class AgendaItemCreate(Strict):
    title_fr: str = Field(min_length=1, max_length=500)
    title_partner: str = Field(default="", max_length=500)
    description: str = Field(default="", max_length=5000)
    links: list[Link] = Field(default_factory=list, max_length=20)
    position: int | None = Field(default=None, ge=1, le=200)

    def values(self) -> dict:
        return self.model_dump(mode="json", exclude_none=True)


class AgendaItemPatch(Strict):
    title_fr: str | None = Field(default=None, min_length=1, max_length=500)
    title_partner: str | None = Field(default=None, max_length=500)
    description: str | None = Field(default=None, max_length=5000)
    links: list[Link] | None = Field(default=None, max_length=20)
    position: int | None = Field(default=None, ge=1, le=200)
    proposed: bool | None = None
    withdrawn: bool | None = None

    def changes(self) -> dict:
        return self.model_dump(mode="json", exclude_unset=True)


class ContactCreate(Strict):
    name: str = Field(min_length=1, max_length=200)
    organisation: str = Field(default="", max_length=300)
    function: str = Field(default="", max_length=300)
    side: Side
    country_code: str = Field(min_length=2, max_length=2)

    def values(self) -> dict:
        return self.model_dump(mode="json")


class ContactOut(BaseModel):
    id: int
    name: str
    organisation: str
    function: str
    side: str
    country_code: str
    illustrative: bool


class ParticipantCreate(Strict):
    contact_id: int | None = None
    contact: ContactCreate | None = Field(default=None, description="a new contact, when contact_id is not given")
    role: str = Field(default="", max_length=300)
    is_head: bool = False


class ParticipantPatch(Strict):
    role: str | None = Field(default=None, max_length=300)
    is_head: bool | None = None
    withdrawn: bool | None = Field(default=None, description="true: no longer expected (kept for the record)")

    def changes(self) -> dict:
        return self.model_dump(mode="json", exclude_unset=True)


class EffectIn(Strict):
    target_kind: TargetKind
    target_id: int
    description: str = Field(default="", max_length=500)


class DecisionIn(Strict):
    id: int | None = None
    text_fr: str = Field(max_length=5000)
    text_partner: str = Field(default="", max_length=5000)
    effects: list[EffectIn] | None = Field(default=None, max_length=100)


class ActionIn(Strict):
    id: int | None = None
    text_fr: str = Field(max_length=2000)
    text_partner: str = Field(default="", max_length=2000)
    owner: str = Field(default="", max_length=300)
    due_on: date | None = None


class MinutesItemIn(Strict):
    agenda_item_id: int
    discussion_fr: str | None = Field(default=None, max_length=50_000)
    discussion_partner: str | None = Field(default=None, max_length=50_000)
    decisions: list[DecisionIn] | None = Field(default=None, max_length=50)
    action_items: list[ActionIn] | None = Field(default=None, max_length=50)


class MinutesIn(Strict):
    items: list[MinutesItemIn] = Field(max_length=200)

    def payload(self) -> list[dict]:
        """Only what was sent: an item without `decisions` keeps its decisions, a decision
        without `effects` keeps its effects."""
        return [item.model_dump(mode="json", exclude_unset=True) for item in self.items]


class ApprovalIn(Strict):
    participant_id: int
    approved_on: date | None = None


class ActionStatusIn(Strict):
    status: ActionStatus
    closed_in_meeting_id: int | None = None
    note: str = Field(default="", max_length=1000)


class DecisionStatusIn(Strict):
    status: DecisionStatus
    meeting_id: int | None = None
    note: str = Field(default="", max_length=1000)


class EffectOut(BaseModel):
    target_kind: str
    target_id: int
    description: str
    label: str
    url: str


class DecisionOut(BaseModel):
    id: int
    number: int
    text_fr: str
    text_partner: str
    status: str
    status_meeting_id: int | None
    effects: list[EffectOut]


class ActionOut(BaseModel):
    id: int
    text_fr: str
    text_partner: str
    owner: str
    due_on: date | None
    status: str
    closed_in_meeting_id: int | None


class AgendaItemOut(BaseModel):
    id: int
    position: int
    title_fr: str
    title_partner: str
    description: str
    proposed: bool
    withdrawn: bool
    origin: str
    origin_meeting_id: int | None
    origin_action_item_id: int | None
    links: list[dict]
    discussion_fr: str | None = None
    discussion_partner: str | None = None
    decisions: list[DecisionOut] | None = None
    action_items: list[ActionOut] | None = None


class ParticipantOut(BaseModel):
    id: int
    contact_id: int
    name: str
    organisation: str
    role: str
    side: str
    is_head: bool


class ApprovalOut(BaseModel):
    participant_id: int
    side: str
    revision: int
    approved_on: date


class MeetingOut(BaseModel):
    id: int
    url: str
    country: str
    kind: str
    title_fr: str
    title_partner: str
    partner_language: str
    starts_on: date
    ends_on: date
    place: str
    video: bool
    status: str
    audience: str
    document_layout: str
    illustrative: bool
    note: str
    source: str
    minutes_revision: int
    approved_revision: int | None
    version: int

    @classmethod
    def build(cls, meeting) -> "MeetingOut":
        data = meeting.model_dump()
        return cls(**{k: data[k] for k in cls.model_fields if k in data}, url=f"/meetings/{meeting.id}",
                   country=meeting.country_code)


class MeetingDetail(MeetingOut):
    session_number: int
    previous_id: int | None
    next_id: int | None
    instrument_ids: list[int]
    agenda: list[AgendaItemOut]
    minutes: str = Field(description="none (no minutes yet), in_preparation (drafted or approved, not yet published) "
                                     "or published: said to everyone")
    minutes_shown: bool = Field(description="whether this answer carries the minutes: once published, or for staff "
                                            "of the meeting's country before")
    participants: list[ParticipantOut] | None = Field(default=None, description="null until the minutes are published, "
                                                      "except for staff of the country")
    approvals: list[ApprovalOut] | None = None
    documents: dict[str, str]


class RevisionOut(BaseModel):
    number: int
    sha256: str
    actor: str
    at: str
    content: dict


class DecisionLogRow(BaseModel):
    decision_id: int
    meeting_id: int
    meeting_starts_on: date
    meeting_kind: str
    meeting_title: str
    number: int
    agenda_item: str
    text_fr: str
    text_partner: str
    status: str
    effects: list[EffectOut]
    open_action_items: int
    url: str
