"""What every meeting write shares: the version check, the snapshot the audit keeps, the
refusal of changes once the minutes are approved."""

from sqlalchemy import update
from sqlmodel import Session

from agreements.meetings.models import Meeting, MeetingStatus
from registry.labels import mark
from registry.models import utcnow
from registry.problems import Conflict, StaleVersion

FROZEN = (MeetingStatus.minutes_approved.value, MeetingStatus.published.value)
SNAPSHOT_FIELDS = ("country_code", "kind", "title_fr", "title_partner", "partner_language", "starts_on", "ends_on",
                   "place", "video", "status", "audience", "document_layout", "illustrative", "note", "source",
                   "minutes_revision", "approved_revision")


def snapshot(meeting: Meeting) -> dict:
    dumped = meeting.model_dump(mode="json")
    return {name: dumped[name] for name in SNAPSHOT_FIELDS}


def claim_version(session: Session, meeting: Meeting, expected_version: int | None) -> None:
    """Compare-and-set on the meeting's version: of two editors saving at once, one wins. Every
    change to a meeting or its parts (agenda, participants, minutes) goes through here.
    `expected_version=None` is for the shipped-data loader only."""
    expected = meeting.version if expected_version is None else expected_version
    result = session.execute(
        update(Meeting).where(Meeting.id == meeting.id, Meeting.version == expected)
        .values(version=expected + 1, updated_at=utcnow()).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        session.rollback()
        current = session.get(Meeting, meeting.id)
        session.refresh(current)
        raise StaleVersion(expected, current.version)
    meeting.version = expected + 1


def refuse_if_frozen(meeting: Meeting) -> None:
    if meeting.status in FROZEN:
        raise Conflict(mark("the minutes of this meeting were approved (revision %(revision)s): the meeting, its "
                            "participants, agenda and minutes can no longer be changed"),
                       revision=meeting.approved_revision)
