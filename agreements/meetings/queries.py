"""Reading meetings: series of a country, agenda, participants, minutes, open action items,
the decision log, and what decided a given instrument or form version."""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from agreements.meetings.models import (ActionItem, ActionStatus, AgendaItem, Contact, Decision, DecisionEffect,
                                        Meeting, MeetingInstrument, MinutesApproval, Participant)
from agreements.meetings.visibility import minutes_visible_condition, visible_condition
from agreements.models import Instrument
from registry.auth.principal import Principal


def list_meetings(session: Session, principal: Principal, country: str | None = None, kind: str | None = None,
                  status: str | None = None, year: int | None = None) -> list[Meeting]:
    query = select(Meeting).where(visible_condition(principal))
    for column, value in ((Meeting.country_code, country), (Meeting.kind, kind), (Meeting.status, status)):
        if value:
            query = query.where(column == value)
    if year:
        query = query.where(col(Meeting.starts_on) >= date(year, 1, 1), col(Meeting.starts_on) <= date(year, 12, 31))
    return list(session.exec(query.order_by(Meeting.starts_on, Meeting.id)).all())


def neighbours(session: Session, meeting: Meeting, principal: Principal) -> tuple[Meeting | None, Meeting | None]:
    """The previous and next sessions of the same country that `principal` may see."""
    series = list_meetings(session, principal, country=meeting.country_code)
    index = next((i for i, m in enumerate(series) if m.id == meeting.id), None)
    if index is None:
        return None, None
    return (series[index - 1] if index > 0 else None), (series[index + 1] if index + 1 < len(series) else None)


def session_number(session: Session, meeting: Meeting) -> int:
    """Rank of the meeting among all sessions of its country (restricted ones included)."""
    earlier = session.exec(select(Meeting.id).where(Meeting.country_code == meeting.country_code,
                                                    (col(Meeting.starts_on) < meeting.starts_on)
                                                    | ((Meeting.starts_on == meeting.starts_on)
                                                       & (col(Meeting.id) < meeting.id)))).all()
    return len(earlier) + 1


def previous_meeting(session: Session, country: str, before: date, exclude_id: int | None = None) -> Meeting | None:
    query = select(Meeting).where(Meeting.country_code == country, col(Meeting.starts_on) < before)
    if exclude_id:
        query = query.where(Meeting.id != exclude_id)
    return session.exec(query.order_by(col(Meeting.starts_on).desc(), col(Meeting.id).desc())).first()


def instruments_of(session: Session, meeting_id: int) -> list[Instrument]:
    return list(session.exec(select(Instrument).join(MeetingInstrument, MeetingInstrument.instrument_id == Instrument.id)
                             .where(MeetingInstrument.meeting_id == meeting_id, MeetingInstrument.withdrawn == False)  # noqa: E712
                             .order_by(Instrument.signed_on)).all())


def agenda_of(session: Session, meeting_id: int, include_withdrawn: bool = False) -> list[AgendaItem]:
    query = select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)
    if not include_withdrawn:
        query = query.where(AgendaItem.withdrawn == False)  # noqa: E712
    return list(session.exec(query.order_by(AgendaItem.position, AgendaItem.id)).all())


def participants_of(session: Session, meeting_id: int) -> list[tuple[Participant, Contact]]:
    rows = session.exec(select(Participant, Contact).join(Contact, Contact.id == Participant.contact_id)
                        .where(Participant.meeting_id == meeting_id, Participant.withdrawn == False)  # noqa: E712
                        .order_by(Participant.side, col(Participant.is_head).desc(), Participant.position,
                                  Participant.id)).all()
    return [(p, c) for p, c in rows]


def heads_of(session: Session, meeting_id: int) -> list[tuple[Participant, Contact]]:
    return [(p, c) for p, c in participants_of(session, meeting_id) if p.is_head]


def decisions_of(session: Session, meeting_id: int) -> list[Decision]:
    return list(session.exec(select(Decision).where(Decision.meeting_id == meeting_id, Decision.withdrawn == False)  # noqa: E712
                             .join(AgendaItem, AgendaItem.id == Decision.agenda_item_id)
                             .order_by(AgendaItem.position, Decision.position, Decision.id)).all())


def action_items_of(session: Session, meeting_id: int) -> list[ActionItem]:
    return list(session.exec(select(ActionItem).where(ActionItem.meeting_id == meeting_id,
                                                      ActionItem.withdrawn == False)  # noqa: E712
                             .join(AgendaItem, AgendaItem.id == ActionItem.agenda_item_id)
                             .order_by(AgendaItem.position, ActionItem.position, ActionItem.id)).all())


def effects_of(session: Session, decision_ids: list[int]) -> dict[int, list[DecisionEffect]]:
    found: dict[int, list[DecisionEffect]] = {}
    if not decision_ids:
        return found
    linked = (select(DecisionEffect).where(col(DecisionEffect.decision_id).in_(decision_ids),
                                           DecisionEffect.withdrawn == False)  # noqa: E712
              .order_by(DecisionEffect.id))
    for effect in session.exec(linked).all():
        found.setdefault(effect.decision_id, []).append(effect)
    return found


def approvals_of(session: Session, meeting_id: int, revision: int) -> list[MinutesApproval]:
    return list(session.exec(select(MinutesApproval).where(MinutesApproval.meeting_id == meeting_id,
                                                           MinutesApproval.revision == revision)).all())


def open_action_items(session: Session, country: str, before: date, exclude_meeting_id: int | None = None
                      ) -> list[tuple[ActionItem, Meeting]]:
    """Open action items of the sessions of `country` that started before `before`, oldest first."""
    query = (select(ActionItem, Meeting).join(Meeting, Meeting.id == ActionItem.meeting_id)
             .where(Meeting.country_code == country, col(Meeting.starts_on) < before,
                    ActionItem.status == ActionStatus.open.value, ActionItem.withdrawn == False))  # noqa: E712
    if exclude_meeting_id:
        query = query.where(Meeting.id != exclude_meeting_id)
    rows = session.exec(query.order_by(Meeting.starts_on, ActionItem.agenda_item_id, ActionItem.position,
                                       ActionItem.id)).all()
    return [(a, m) for a, m in rows]


def open_action_items_everywhere(session: Session, principal: Principal) -> list[tuple[ActionItem, Meeting]]:
    """Open action items of every meeting whose minutes `principal` may read, by country then date."""
    rows = session.exec(select(ActionItem, Meeting).join(Meeting, Meeting.id == ActionItem.meeting_id)
                        .where(ActionItem.status == ActionStatus.open.value, ActionItem.withdrawn == False,  # noqa: E712
                               minutes_visible_condition(principal))
                        .order_by(Meeting.country_code, Meeting.starts_on, ActionItem.position, ActionItem.id)).all()
    return [(a, m) for a, m in rows]


@dataclass(frozen=True)
class DecisionRow:
    decision: Decision
    meeting: Meeting
    number: int  # within its meeting's minutes
    item: AgendaItem
    effects: tuple[DecisionEffect, ...]
    open_actions: int


def numbered_decisions(session: Session, meeting_id: int) -> list[tuple[int, Decision]]:
    return list(enumerate(decisions_of(session, meeting_id), start=1))


def decision_log(session: Session, principal: Principal, country: str) -> list[DecisionRow]:
    """Every decision of the country's sessions whose minutes `principal` may read, oldest first."""
    meetings = session.exec(select(Meeting).where(Meeting.country_code == country, minutes_visible_condition(principal))
                            .order_by(Meeting.starts_on, Meeting.id)).all()
    rows = []
    for meeting in meetings:
        numbered = numbered_decisions(session, meeting.id)
        effects = effects_of(session, [d.id for _, d in numbered])
        items = {i.id: i for i in agenda_of(session, meeting.id, include_withdrawn=True)}
        actions = action_items_of(session, meeting.id)
        for number, decision in numbered:
            open_count = sum(1 for a in actions if a.agenda_item_id == decision.agenda_item_id
                             and a.status == ActionStatus.open.value)
            rows.append(DecisionRow(decision, meeting, number, items[decision.agenda_item_id],
                                    tuple(effects.get(decision.id, [])), open_count))
    return rows


@dataclass(frozen=True)
class DecisionRef:
    decision_id: int
    meeting_id: int
    country_code: str
    starts_on: date
    text_fr: str
    url: str


def decisions_affecting(session: Session, principal: Principal, target_kind: str, target_ids: list[int]
                        ) -> dict[int, list[DecisionRef]]:
    """For the forms pages: which decisions changed these targets (e.g. validated these form
    versions), among the minutes `principal` may read."""
    if not target_ids:
        return {}
    rows = session.exec(select(DecisionEffect, Decision, Meeting)
                        .join(Decision, Decision.id == DecisionEffect.decision_id)
                        .join(Meeting, Meeting.id == Decision.meeting_id)
                        .where(DecisionEffect.target_kind == target_kind, col(DecisionEffect.target_id).in_(target_ids),
                               DecisionEffect.withdrawn == False,  # noqa: E712
                               Decision.withdrawn == False, minutes_visible_condition(principal))  # noqa: E712
                        .order_by(Meeting.starts_on)).all()
    found: dict[int, list[DecisionRef]] = {}
    for effect, decision, meeting in rows:
        found.setdefault(effect.target_id, []).append(DecisionRef(
            decision.id, meeting.id, meeting.country_code, meeting.starts_on, decision.text_fr,
            f"/meetings/{meeting.id}#decision-{decision.id}"))
    return found
