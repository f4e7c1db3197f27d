"""Plan a meeting (its agenda proposed from the earlier sessions), change its fields, move it
through its statuses."""

from datetime import date

from sqlmodel import Session, select

from agreements.meetings.labels import SIDE_LABELS, STATUS_LABELS
from agreements.meetings.models import Meeting, MeetingInstrument, MeetingKind, MeetingStatus
from agreements.meetings.queries import agenda_of, approvals_of, heads_of
from agreements.meetings.services.agenda import propose_agenda
from agreements.meetings.services.common import (FROZEN, RESCHEDULED, SCHEDULE_FIELDS, claim_version, record_event,
                                                 refuse_if_frozen, snapshot)
from agreements.meetings.validation import meeting_problems, null_problems
from agreements.models import Instrument
from registry import audit
from registry.labels import mark, term, terms
from registry.models import Country
from registry.problems import Conflict, FieldError, Refused

FIELDS = ("kind", "title_fr", "title_partner", "partner_language", "starts_on", "ends_on", "place", "video",
          "audience", "document_layout", "illustrative", "note", "source")
# what may still change once the minutes are approved: who may read them, how documents look
EDITABLE_WHEN_FROZEN = ("audience", "document_layout", "note")

S = MeetingStatus
NEXT_STATUS: dict[str, tuple[str, ...]] = {
    S.planned: (S.agenda_sent,),
    S.agenda_sent: (S.held,),
    S.held: (S.minutes_draft,),
    S.minutes_draft: (S.minutes_approved,),
    S.minutes_approved: (S.published,),
    S.published: (),
}


def _with_defaults(values: dict, country: Country) -> dict:
    values = dict(values)
    values.setdefault("ends_on", values.get("starts_on"))
    if values.get("ends_on") is None:
        values["ends_on"] = values.get("starts_on")
    if not values.get("partner_language"):
        values["partner_language"] = (country.languages or ["fr"])[0]
    if values.get("kind") == MeetingKind.videoconference:
        values["video"] = True
    return values


def _instrument_ids(session: Session, country: str, ids) -> list[int]:
    ids = sorted(set(ids or []))
    found = {i.id: i for i in session.exec(select(Instrument).where(Instrument.id.in_(ids))).all()} if ids else {}
    wrong = [str(i) for i in ids if i not in found or found[i].country_code != country]
    if wrong:
        raise Refused([FieldError("instrument_ids", mark("no instrument %(ids)s with this country"),
                                  {"ids": ", ".join(wrong)})])
    return ids


def _set_instruments(session: Session, meeting: Meeting, ids: list[int]) -> None:
    current = {link.instrument_id: link for link in session.exec(
        select(MeetingInstrument).where(MeetingInstrument.meeting_id == meeting.id)).all()}
    for instrument_id, link in current.items():  # withdrawn, never deleted; a link re-added comes back
        link.withdrawn = instrument_id not in ids
        session.add(link)
    for instrument_id in set(ids) - set(current):
        session.add(MeetingInstrument(meeting_id=meeting.id, instrument_id=instrument_id))


def create_meeting(session: Session, actor: audit.Actor, values: dict, propose: bool = True) -> Meeting:
    """`values`: the meeting's fields, country_code and starts_on required, instrument_ids optional.
    The agenda of the new session starts with what the earlier sessions left open."""
    country = session.get(Country, (values.get("country_code") or "").upper())
    if country is None:
        raise Refused([FieldError("country_code", mark("unknown country code %(value)s"),
                                  {"value": values.get("country_code")})])
    values = _with_defaults(values, country)
    problems = meeting_problems({**values, "starts_on": values.get("starts_on")})
    if problems:
        raise Refused(problems)
    instrument_ids = _instrument_ids(session, country.code, values.get("instrument_ids"))
    meeting = Meeting(country_code=country.code, **{k: values[k] for k in FIELDS if k in values})
    session.add(meeting)
    session.flush()
    _set_instruments(session, meeting, instrument_ids)
    record_event(session, actor.name, meeting, meeting.status)
    proposed = propose_agenda(session, meeting) if propose else []
    audit.record(session, actor, "meeting.create", "meeting", meeting.id,
                 after={**snapshot(meeting), "instrument_ids": instrument_ids, "proposed_items": len(proposed)})
    return meeting


def update_meeting(session: Session, actor: audit.Actor, meeting: Meeting, changes: dict,
                   expected_version: int | None) -> Meeting:
    unknown = sorted(set(changes) - set(FIELDS) - {"instrument_ids"})
    if unknown:
        raise Refused([FieldError(name, mark("this field cannot be changed"), {}) for name in unknown])
    if null_problems(changes):
        raise Refused(null_problems(changes))
    if meeting.status in FROZEN and set(changes) - set(EDITABLE_WHEN_FROZEN):
        refuse_if_frozen(meeting)
    merged = {**{k: getattr(meeting, k) for k in FIELDS}, **changes}
    if changes.get("kind") == MeetingKind.videoconference:
        changes = {**changes, "video": True}
    problems = meeting_problems(merged, tuple(name for name in ("starts_on", "ends_on") if name in changes))
    if problems:
        raise Refused(problems)
    instrument_ids = (_instrument_ids(session, meeting.country_code, changes["instrument_ids"])
                      if "instrument_ids" in changes else None)
    before = snapshot(meeting)
    claim_version(session, meeting, expected_version)
    for name, value in changes.items():
        if name != "instrument_ids":
            setattr(meeting, name, value)
    if instrument_ids is not None:
        _set_instruments(session, meeting, instrument_ids)
    session.add(meeting)
    session.flush()
    after = snapshot(meeting)
    if any(before[name] != after[name] for name in SCHEDULE_FIELDS):
        record_event(session, actor.name, meeting, RESCHEDULED)
    audit.record(session, actor, "meeting.update", "meeting", meeting.id,
                 before={k: v for k, v in before.items() if after[k] != v},
                 after={**{k: v for k, v in after.items() if before[k] != v},
                        **({"instrument_ids": instrument_ids} if instrument_ids is not None else {})})
    return meeting


def _blockers(session: Session, meeting: Meeting, target: str, today: date) -> Conflict | None:
    """Why `meeting` may not enter `target` now, or None."""
    if target == S.agenda_sent:
        items = agenda_of(session, meeting.id)
        if not items:
            return Conflict(mark("the agenda is empty: add at least one item before sending it"))
        pending = [i for i in items if i.proposed]
        if pending:
            return Conflict(mark("%(count)s proposed agenda items are neither accepted nor withdrawn"),
                            count=len(pending))
    if target == S.held and meeting.starts_on > today:
        return Conflict(mark("the meeting starts on %(starts_on)s: it cannot be held before"),
                        starts_on=meeting.starts_on.isoformat())
    if target == S.minutes_approved:
        return _approval_blocker(session, meeting)
    return None


def _approval_blocker(session: Session, meeting: Meeting) -> Conflict | None:
    if not meeting.minutes_revision:
        return Conflict(mark("there are no minutes to approve yet"))
    heads = heads_of(session, meeting.id)
    sides = {p.side for p, _ in heads}
    missing_sides = [side for side in ("france", "partner") if side not in sides]
    if missing_sides:
        return Conflict(mark("no head of delegation is recorded for: %(sides)s"), sides=terms(SIDE_LABELS, missing_sides))
    approved = {a.participant_id for a in approvals_of(session, meeting.id, meeting.minutes_revision)}
    missing = [contact.name for p, contact in heads if p.id not in approved]
    if missing:
        return Conflict(mark("revision %(revision)s of the minutes is not yet approved by: %(names)s"),
                        revision=meeting.minutes_revision, names=", ".join(missing))
    return None


def change_status(session: Session, actor: audit.Actor, meeting: Meeting, target: str, expected_version: int | None,
                  today: date | None = None) -> Meeting:
    """The only way a meeting's status changes: one step along NEXT_STATUS, with its conditions."""
    if target not in NEXT_STATUS:
        raise Refused([FieldError("status", mark("%(value)s is not one of: %(accepted)s"),
                                  {"value": target, "accepted": ", ".join(NEXT_STATUS)})])
    allowed = NEXT_STATUS[meeting.status]
    if target not in allowed:
        raise Conflict(mark("a meeting whose status is %(current)s cannot become %(requested)s; next allowed: "
                            "%(allowed)s"), current=term(STATUS_LABELS, meeting.status),
                       requested=term(STATUS_LABELS, target), allowed=terms(STATUS_LABELS, allowed))
    blocker = _blockers(session, meeting, target, today or date.today())
    if blocker:
        raise blocker
    before = meeting.status
    claim_version(session, meeting, expected_version)
    meeting.status = target
    if target == S.minutes_approved:
        from agreements.meetings.services.minutes import current_revision

        revision = current_revision(session, meeting)
        meeting.approved_revision, meeting.approved_sha256 = revision.number, revision.sha256
    session.add(meeting)
    session.flush()
    record_event(session, actor.name, meeting, target)
    audit.record(session, actor, "meeting.status", "meeting", meeting.id, before={"status": before},
                 after={"status": target, **({"approved_revision": meeting.approved_revision,
                                              "approved_sha256": meeting.approved_sha256}
                                             if target == S.minutes_approved else {})})
    return meeting
