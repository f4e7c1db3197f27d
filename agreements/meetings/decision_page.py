"""The page of one decision, its stable address (/decisions/<id>): the session that took it, its
agenda item, its text in both languages, its follow-up, what it changed, how to cite it. Seen by
whoever may read the minutes it belongs to (visibility.shows_minutes); a 404 for anyone else."""

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template
from sqlmodel import Session

from agreements.meetings.controllers import resolvers_of
from agreements.meetings.feed import meeting_title_in
from agreements.meetings.labels import LABELS
from agreements.meetings.models import AgendaItem, Decision, Meeting
from agreements.meetings.queries import effects_of, numbered_decisions
from agreements.meetings.views import effect_out
from agreements.meetings.visibility import shows_minutes
from registry import i18n
from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.auth.principal import current_principal
from registry.citation import Citation, cite
from registry.labels import mark
from registry.web.i18n_middleware import request_locale

DECISION_TITLE = mark("Decision %(number)s of the session of %(dates)s: %(title)s")


def decision_citation(meeting: Meeting, number: int, base_url: str, path: str, locale: str) -> Citation:
    dates = i18n.format_date_range(meeting.starts_on, meeting.ends_on, locale)
    title = i18n.gettext(locale, DECISION_TITLE, number=number, dates=dates, title=meeting_title_in(meeting, locale))
    dated = i18n.gettext(locale, mark("taken on %(date)s"), date=i18n.format_date(meeting.ends_on, locale))
    return cite(title, dated, base_url, path, locale)


class DecisionPage(Controller):
    include_in_schema = False

    @get("/decisions/{decision_id:int}", sync_to_thread=True, guards=[requires(Permission.read_public)])
    def decision(self, request: Request, db_session: NamedDependency[Session], decision_id: FromPath[int]) -> Template:
        decision = db_session.get(Decision, decision_id)
        meeting = decision and db_session.get(Meeting, decision.meeting_id)
        if decision is None or decision.withdrawn or not shows_minutes(current_principal(request), meeting):
            raise NotFoundException(detail=f"no decision {decision_id}", extra={"decision": decision_id})
        number = next(n for n, d in numbered_decisions(db_session, meeting.id) if d.id == decision.id)
        effects = [effect_out(db_session, resolvers_of(request), e) for e in effects_of(db_session, [decision.id]).get(decision.id, [])]
        locale = request_locale(request)
        return Template("meetings/decision.html", context=dict(
            decision=decision, meeting=meeting, number=number, item=db_session.get(AgendaItem, decision.agenda_item_id),
            effects=effects, title=meeting_title_in(meeting, locale),
            status_meeting=db_session.get(Meeting, decision.status_meeting_id) if decision.status_meeting_id else None,
            citation=decision_citation(meeting, number, str(request.base_url), f"/decisions/{decision.id}", locale),
            **LABELS))
