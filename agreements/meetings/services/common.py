"""What every meeting write shares: the version check, the snapshot the audit keeps, the
refusal of changes once the minutes are approved."""

from sqlmodel import Session

from agreements.meetings.models import Meeting, MeetingEvent, MeetingStatus
from registry import versioning
from registry.labels import mark
from registry.models import utcnow
from registry.problems import Conflict

FROZEN = (MeetingStatus.minutes_approved.value, MeetingStatus.published.value)
SNAPSHOT_FIELDS = ("country_code", "kind", "title_fr", "title_partner", "partner_language", "starts_on", "ends_on",
                   "place", "video", "status", "audience", "document_layout", "illustrative", "note", "source",
                   "minutes_revision", "approved_revision")


def snapshot(meeting: Meeting) -> dict:
    dumped = meeting.model_dump(mode="json")
    return {name: dumped[name] for name in SNAPSHOT_FIELDS}


def claim_version(session: Session, meeting: Meeting, expected_version: int | None) -> None:
    """Every change to a meeting or its parts (agenda, participants, minutes) claims the meeting's
    version. `expected_version=None` is for the shipped-data loader only."""
    expected = meeting.version if expected_version is None else expected_version
    versioning.claim_version(session, meeting, expected, updated_at=utcnow())


def refuse_if_frozen(meeting: Meeting) -> None:
    if meeting.status in FROZEN:
        raise Conflict(mark("the minutes of this meeting were approved (revision %(revision)s): the meeting, its "
                            "participants, agenda and minutes can no longer be changed"),
                       revision=meeting.approved_revision)


RESCHEDULED = "rescheduled"
SCHEDULE_FIELDS = ("starts_on", "ends_on", "place", "video")


def record_event(session: Session, actor_name: str, meeting: Meeting, kind: str) -> MeetingEvent:
    """One row of the meeting's dated history (status reached, or `RESCHEDULED`), with its schedule now."""
    event = MeetingEvent(meeting_id=meeting.id, kind=kind, at=utcnow(), actor=actor_name,
                         **{name: getattr(meeting, name) for name in SCHEDULE_FIELDS})
    session.add(event)
    return event
