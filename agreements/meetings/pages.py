"""HTML pages of meetings: the sessions of a country, one meeting (agenda, participants,
minutes, decisions, action items, documents, previous and next session), the decision log."""

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Response, Template
from sqlmodel import Session, select

from agreements.controllers import get_country_or_404
from agreements.meetings.controllers import decisions_csv, resolvers_of, visible_meeting_or_404
from agreements.meetings.labels import LABELS
from agreements.meetings.models import Meeting
from agreements.meetings.queries import instruments_of, list_meetings
from agreements.meetings.search import meeting_title
from agreements.meetings.services import NEXT_STATUS
from agreements.meetings.views import decision_rows, meeting_detail
from agreements.meetings.visibility import can_edit, is_staff_of
from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.auth.principal import current_principal
from registry.models import Country

READ = [requires(Permission.read_public)]


def titles(session: Session, meetings: list[Meeting]) -> dict[int, str]:
    countries = {c.code: c for c in session.exec(select(Country)).all()}
    return {m.id: meeting_title(m, countries.get(m.country_code)) for m in meetings}


class MeetingPages(Controller):
    include_in_schema = False

    @get("/meetings/{meeting_id:int}", sync_to_thread=True, guards=READ)
    def meeting(self, request: Request, db_session: NamedDependency[Session], meeting_id: FromPath[int]) -> Template:
        meeting = visible_meeting_or_404(request, db_session, meeting_id)
        principal = current_principal(request)
        detail = meeting_detail(db_session, meeting, principal, resolvers_of(request))
        neighbours = [db_session.get(Meeting, i) if i else None for i in (detail.previous_id, detail.next_id)]
        return Template("meetings/meeting.html", context=dict(
            meeting=meeting, detail=detail, title=titles(db_session, [meeting])[meeting.id],
            country=db_session.get(Country, meeting.country_code), instruments=instruments_of(db_session, meeting.id),
            previous=neighbours[0], next=neighbours[1], editable=can_edit(principal, meeting.country_code),
            staff=is_staff_of(principal, meeting.country_code), next_statuses=NEXT_STATUS[meeting.status],
            series=list_meetings(db_session, principal, country=meeting.country_code), **LABELS))

    @get("/countries/{code:str}/decisions", sync_to_thread=True, guards=READ)
    def decision_log(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str]) -> Template:
        country = get_country_or_404(db_session, code)
        rows = decision_rows(db_session, current_principal(request), country.code, resolvers_of(request))
        return Template("meetings/decisions.html", context=dict(country=country, rows=rows, **LABELS))

    @get("/countries/{code:str}/decisions.csv", sync_to_thread=True, guards=READ)
    def decision_log_csv(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str]) -> Response:
        country = get_country_or_404(db_session, code)
        return decisions_csv(request, db_session, country.code)


def country_sessions(session: Session, principal, code: str) -> list[tuple[Meeting, str]]:
    """For the country page: its sessions, newest first, with their titles."""
    meetings = list(reversed(list_meetings(session, principal, country=code)))
    names = titles(session, meetings)
    return [(m, names[m.id]) for m in meetings]

