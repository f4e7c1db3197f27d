"""A meeting as `principal` may see it, assembled once for the API and the pages."""

from sqlmodel import Session

from agreements.meetings.models import Meeting, MeetingStatus
from agreements.meetings.queries import (action_items_of, agenda_of, approvals_of, decision_log, effects_of,
                                         instruments_of, neighbours, numbered_decisions, participants_of,
                                         session_number)
from agreements.meetings.references import Resolvers, resolve
from agreements.meetings.schemas import (ActionOut, AgendaItemOut, ApprovalOut, DecisionLogRow, DecisionOut, EffectOut,
                                         MeetingDetail, MeetingOut, ParticipantOut)
from agreements.meetings.visibility import is_staff_of, shows_minutes
from registry.auth.principal import Principal


def effect_out(session: Session, resolvers: Resolvers, effect) -> EffectOut:
    target = resolve(session, resolvers, effect.target_kind, effect.target_id)
    return EffectOut(target_kind=effect.target_kind, target_id=effect.target_id, description=effect.description,
                     label=target.label if target else f"{effect.target_kind} {effect.target_id}",
                     url=target.url if target else "")


def document_urls(meeting: Meeting, with_minutes: bool) -> dict[str, str]:
    base = f"/api/meetings/{meeting.id}/documents"
    names = ["agenda.docx", "agenda.pdf"] + (["minutes.docx", "minutes.pdf"] if with_minutes else [])
    return {name: f"{base}/{name}" for name in names}


# the text of the minutes on an agenda item: shown only with the rest of the minutes
MINUTES_TEXT = frozenset({"discussion_fr", "discussion_partner"})


def minutes_state(meeting: Meeting) -> str:
    """What anyone may know of the minutes, whether or not they may read them."""
    if meeting.status == MeetingStatus.published:
        return "published"
    return "in_preparation" if meeting.minutes_revision else "none"


def agenda_item_out(item, with_minutes: bool) -> AgendaItemOut:
    """An agenda item for the reader; its discussion only with the minutes (built field by field:
    validating the table row itself would copy the draft text in)."""
    fields = item.model_dump(exclude=set() if with_minutes else set(MINUTES_TEXT))
    return AgendaItemOut.model_validate(fields)


def meeting_detail(session: Session, meeting: Meeting, principal: Principal, resolvers: Resolvers) -> MeetingDetail:
    with_minutes = shows_minutes(principal, meeting)
    staff = is_staff_of(principal, meeting.country_code)
    numbered = numbered_decisions(session, meeting.id)
    effects = effects_of(session, [d.id for _, d in numbered]) if with_minutes else {}
    actions = action_items_of(session, meeting.id) if with_minutes else []
    agenda = []
    # proposed and withdrawn items are the delegation's drafts
    items = [i for i in agenda_of(session, meeting.id, include_withdrawn=staff) if staff or not i.proposed]
    for item in items:
        out = agenda_item_out(item, with_minutes)
        if with_minutes:
            out.decisions = [DecisionOut(id=d.id, number=n, text_fr=d.text_fr, text_partner=d.text_partner,
                                         status=d.status, status_meeting_id=d.status_meeting_id,
                                         effects=[effect_out(session, resolvers, e) for e in effects.get(d.id, [])])
                             for n, d in numbered if d.agenda_item_id == item.id]
            out.action_items = [ActionOut.model_validate(a, from_attributes=True)
                                for a in actions if a.agenda_item_id == item.id]
        agenda.append(out)
    previous, following = neighbours(session, meeting, principal)
    base = MeetingOut.build(meeting).model_dump()
    return MeetingDetail(
        **base, session_number=session_number(session, meeting), previous_id=previous.id if previous else None,
        next_id=following.id if following else None,
        instrument_ids=[i.id for i in instruments_of(session, meeting.id)], agenda=agenda,
        minutes=minutes_state(meeting), minutes_shown=with_minutes,
        participants=[ParticipantOut(id=p.id, contact_id=c.id, name=c.name, organisation=c.organisation, role=p.role,
                                     side=p.side, is_head=p.is_head) for p, c in participants_of(session, meeting.id)]
        if with_minutes else None,
        approvals=[ApprovalOut(participant_id=a.participant_id, side=a.side, revision=a.revision,
                               approved_on=a.approved_on) for a in approvals_of(session, meeting.id,
                                                                                 meeting.minutes_revision)]
        if with_minutes else None,
        documents=document_urls(meeting, with_minutes and meeting.minutes_revision > 0))


def decision_rows(session: Session, principal: Principal, country: str, resolvers: Resolvers) -> list[DecisionLogRow]:
    return [DecisionLogRow(
        decision_id=row.decision.id, meeting_id=row.meeting.id, meeting_starts_on=row.meeting.starts_on,
        meeting_kind=row.meeting.kind, meeting_title=row.meeting.title_fr, number=row.number,
        agenda_item=row.item.title_fr, text_fr=row.decision.text_fr, text_partner=row.decision.text_partner,
        status=row.decision.status, effects=[effect_out(session, resolvers, e) for e in row.effects],
        open_action_items=row.open_actions, url=f"/meetings/{row.meeting.id}#decision-{row.decision.id}")
        for row in decision_log(session, principal, country)]


CSV_COLUMNS = ("session", "kind", "decision", "agenda_item", "text_fr", "text_partner", "status", "changes",
               "open_action_items", "url")


def decision_csv_rows(rows: list[DecisionLogRow]) -> list[dict]:
    return [{"session": r.meeting_starts_on.isoformat(), "kind": r.meeting_kind, "decision": r.number,
             "agenda_item": r.agenda_item, "text_fr": r.text_fr, "text_partner": r.text_partner, "status": r.status,
             "changes": "; ".join(f"{e.label} ({e.description})" if e.description else e.label for e in r.effects),
             "open_action_items": r.open_action_items, "url": r.url} for r in rows]
