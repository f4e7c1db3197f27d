"""Pages that gather meetings across countries: the index (upcoming and past, by country and
kind, with the planning link for those who may plan), the open action items of every country,
and the decisions of every country."""

from datetime import date

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template
from sqlmodel import Session, select

from agreements.controllers import get_country_or_404
from agreements.meetings.controllers import resolvers_of
from agreements.meetings.labels import KIND_LABELS, LABELS
from agreements.meetings.models import Meeting
from agreements.meetings.pages import titles
from agreements.meetings.queries import list_meetings, open_action_items_everywhere
from agreements.meetings.views import decision_rows
from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.auth.principal import current_principal
from registry.collation import countries_by_name
from registry.web.i18n_middleware import request_locale
from registry.web.params import parse_choice

READ = [requires(Permission.read_public)]


def series_counts(meetings: list[Meeting]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for meeting in meetings:
        counts[meeting.country_code] = counts.get(meeting.country_code, 0) + 1
    return counts


class MeetingIndexPages(Controller):
    include_in_schema = False

    @get("/meetings", sync_to_thread=True, guards=READ)
    def index(self, request: Request, db_session: NamedDependency[Session], country: FromQuery[str | None] = None,
              kind: FromQuery[str | None] = None) -> Template:
        code = get_country_or_404(db_session, country).code if country else None
        kind = parse_choice("kind", kind, KIND_LABELS)
        principal, locale, today = current_principal(request), request_locale(request), date.today()
        every = list_meetings(db_session, principal)
        meetings = [m for m in every if (not code or m.country_code == code) and (not kind or m.kind == kind)]
        counts = series_counts(every)
        return Template("meetings/list.html", context=dict(
            upcoming=[m for m in meetings if m.ends_on >= today], past=[m for m in reversed(meetings) if m.ends_on < today],
            titles=titles(db_session, meetings), country=code, kind=kind or "",
            series=[(c, name, counts[c]) for c, name in countries_by_name(counts, locale)],
            may_plan=principal.can(Permission.edit_meetings), **LABELS))

    @get("/meetings/actions", sync_to_thread=True, guards=READ)
    def open_actions(self, request: Request, db_session: NamedDependency[Session]) -> Template:
        locale = request_locale(request)
        rows = open_action_items_everywhere(db_session, current_principal(request))
        by_country: dict[str, list] = {}
        for action, meeting in rows:
            by_country.setdefault(meeting.country_code, []).append((action, meeting))
        groups = [(c, name, by_country[c]) for c, name in countries_by_name(by_country, locale)]
        return Template("meetings/actions.html", context=dict(groups=groups, total=len(rows), **LABELS))

    @get("/decisions", sync_to_thread=True, guards=READ)
    def decisions(self, request: Request, db_session: NamedDependency[Session]) -> Template:
        """Every country's decision log on one page, countries in the page's alphabetical order."""
        principal, locale = current_principal(request), request_locale(request)
        codes = {m.country_code for m in db_session.exec(select(Meeting)).all()}
        groups = []
        for code, name in countries_by_name(codes, locale):
            rows = decision_rows(db_session, principal, code, resolvers_of(request))
            if rows:
                groups.append((code, name, rows))
        return Template("meetings/all_decisions.html", context=dict(
            groups=groups, total=sum(len(rows) for _c, _n, rows in groups), **LABELS))


