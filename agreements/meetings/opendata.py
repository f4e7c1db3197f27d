"""Public sessions, their decisions and action items as open-data tables, as an anonymous reader
sees them (visibility.py): restricted sessions are absent, and decisions and action items come
only from sessions whose minutes are published."""

from sqlmodel import Session, col, select

from agreements.meetings.models import ActionItem, AgendaItem, DecisionStatus, Meeting, MeetingKind, MeetingStatus
from agreements.meetings.queries import decision_log
from agreements.meetings.references import Resolvers, resolve
from agreements.meetings.visibility import minutes_visible_condition, visible_condition
from registry.auth.principal import ANONYMOUS
from registry.models import Country
from registry.opendata import Column, Table

C = Column
MEETING_COLUMNS = [
    C("id", "integer", "the session's number in the registry (its page is /meetings/<id>)", True),
    C("country_code", "string", "partner country (ISO 3166-1 alpha-2)", True),
    C("kind", "string", "kind of session", True, enum=tuple(MeetingKind)),
    C("title_fr", "string", "title in French (empty: named by its kind and country)"),
    C("title_partner", "string", "title in the partner's language"),
    C("partner_language", "string", "BCP 47 tag of the partner's language"),
    C("starts_on", "date", "first day", True), C("ends_on", "date", "last day", True),
    C("place", "string", "where it was held"), C("video", "boolean", "held by videoconference", True),
    C("status", "string", "how far it went", True, enum=tuple(MeetingStatus)),
    C("illustrative", "boolean", "participants and wording invented by the project as an example", True),
    C("source", "string", "where the facts come from"), C("url", "string", "its page on the registry", True),
]
MEETING_KEY = {"reference": {"resource": "meetings", "fields": ["id"]}}
DECISION_COLUMNS = [
    C("id", "integer", "the decision's number in the registry (its page is /decisions/<id>)", True),
    C("meeting_id", "integer", "the session that took it (a key of meetings)", True),
    C("number", "integer", "its number within the session's minutes", True),
    C("agenda_item", "string", "the agenda item, in French", True),
    C("text_fr", "string", "the decision, in French", True), C("text_partner", "string", "in the partner's language"),
    C("status", "string", "follow-up", True, enum=tuple(DecisionStatus)),
    C("status_meeting_id", "integer", "the public session that recorded the follow-up, if any"),
    C("effects", "string", "addresses of what it changed (instruments, forms)", is_list=True),
    C("url", "string", "its page on the registry", True),
]
ACTION_COLUMNS = [
    C("id", "integer", "the action item's number in the registry", True),
    C("meeting_id", "integer", "the session that decided it (a key of meetings)", True),
    C("agenda_item", "string", "the agenda item, in French", True),
    C("text_fr", "string", "what is to be done, in French", True), C("text_partner", "string", "in the partner's language"),
    C("owner", "string", "who does it"), C("due_on", "date", "by when"),
    C("status", "string", "open, done or dropped", True, enum=("open", "done", "dropped")),
    C("closed_in_meeting_id", "integer", "the public session that closed it, if any"),
]


def meeting_tables(session: Session, resolvers: Resolvers) -> list[Table]:
    meetings = session.exec(select(Meeting).where(visible_condition(ANONYMOUS))
                            .order_by(Meeting.starts_on, Meeting.id)).all()
    public_ids = {m.id for m in meetings}
    return [
        Table("meetings", "Sessions", "Public joint commissions, technical and bilateral meetings, videoconferences.",
              MEETING_COLUMNS, [{**m.model_dump(), "url": f"/meetings/{m.id}"} for m in meetings], ["id"]),
        Table("decisions", "Décisions", "Decisions recorded in the published minutes of public sessions.",
              DECISION_COLUMNS, _decision_rows(session, resolvers, public_ids), ["id"],
              [{"fields": ["meeting_id"], **MEETING_KEY}]),
        Table("action_items", "Actions", "Action items decided in the published minutes of public sessions.",
              ACTION_COLUMNS, _action_rows(session, public_ids), ["id"], [{"fields": ["meeting_id"], **MEETING_KEY}]),
    ]


def _decision_rows(session: Session, resolvers: Resolvers, public_ids: set[int]) -> list[dict]:
    rows = []
    for code in session.exec(select(Country.code).order_by(Country.code)).all():
        for row in decision_log(session, ANONYMOUS, code):
            targets = [resolve(session, resolvers, e.target_kind, e.target_id) for e in row.effects]
            decision = row.decision
            rows.append({"id": decision.id, "meeting_id": row.meeting.id, "number": row.number,
                         "agenda_item": row.item.title_fr, "text_fr": decision.text_fr,
                         "text_partner": decision.text_partner, "status": decision.status,
                         "status_meeting_id": decision.status_meeting_id if decision.status_meeting_id in public_ids
                         else None, "effects": [t.url for t in targets if t and t.url],
                         "url": f"/decisions/{decision.id}"})
    return rows


def _action_rows(session: Session, public_ids: set[int]) -> list[dict]:
    found = session.exec(select(ActionItem, AgendaItem).join(AgendaItem, AgendaItem.id == ActionItem.agenda_item_id)
                         .join(Meeting, Meeting.id == ActionItem.meeting_id)
                         .where(minutes_visible_condition(ANONYMOUS), ActionItem.withdrawn == False)  # noqa: E712
                         .order_by(col(ActionItem.meeting_id), AgendaItem.position, ActionItem.position,
                                   ActionItem.id)).all()
    return [{**{c.name: getattr(action, c.name, None) for c in ACTION_COLUMNS}, "agenda_item": item.title_fr,
             "closed_in_meeting_id": action.closed_in_meeting_id if action.closed_in_meeting_id in public_ids else None}
            for action, item in found]
