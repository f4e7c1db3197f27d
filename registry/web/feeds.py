"""Atom feed routes: everything, per country, per meeting series (a country's sessions, `?kind=`
for one kind); the per-form feed is in forms/feed.py. Entries come from the providers the
composition root put in app.state (registry/composition.py), for the requesting reader, in the
request's language (`?lang=`), since `?since=` (a date)."""

from urllib.parse import urlencode

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from sqlmodel import Session

from registry import i18n
from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.auth.principal import current_principal
from registry.feeds import FeedHead, FeedQuery, atom, collect, etag_of
from registry.labels import mark
from registry.models import Country
from registry.web.errors import NotFound
from registry.web.i18n_middleware import request_locale
from registry.web.params import parse_choice, parse_date

READ = [requires(Permission.read_public)]
ATOM = "application/atom+xml; charset=utf-8"
AUTHOR = mark("Registry of social-security agreements")
RIGHTS = mark("Licence Ouverte 2.0 (Etalab)")
MEETING_KINDS = ("joint_commission", "technical_meeting", "bilateral_meeting", "videoconference")


def country_or_404(session: Session, code: str) -> Country:
    country = session.get(Country, code.upper())
    if country is None:
        raise NotFound(mark("unknown country code %(value)s"), {"value": repr(code)}, extra={"country": code})
    return country


def feed_query(request: Request, since: str | None, **scope) -> FeedQuery:
    return FeedQuery(principal=current_principal(request), locale=request_locale(request),
                     since=parse_date("since", since), **scope)


def feed_response(request: Request, session: Session, query: FeedQuery, title: str, subtitle: str,
                  page_path: str, **self_params) -> Response[bytes]:
    """The feed of `query` as Atom, with an ETag (304 when unchanged) and no shared caching of a
    feed that depends on who asks."""
    self_path = f"{request.url.path}?{urlencode({'lang': query.locale, **self_params})}"
    head = FeedHead(title=title, subtitle=subtitle, self_path=self_path, page_path=page_path,
                    author=i18n.gettext(query.locale, AUTHOR), rights=i18n.gettext(query.locale, RIGHTS))
    body = atom(head, collect(session, request.app.state.feed_providers, query), str(request.base_url), query.locale)
    etag = etag_of(body)
    headers = {"ETag": etag, "Vary": "Cookie, Authorization, Accept-Language",
               "Cache-Control": "private, no-cache" if query.principal.is_authenticated else "no-cache"}
    if request.headers.get("if-none-match") == etag:
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type=ATOM, headers=headers)


class FeedController(Controller):
    tags = ["feeds and calendars"]

    @get("/feed.atom", sync_to_thread=True, guards=READ, summary="Atom feed of every change the reader may see")
    def everything(self, request: Request, db_session: NamedDependency[Session],
                   since: FromQuery[str | None] = None) -> Response[bytes]:
        query = feed_query(request, since)
        _ = i18n.translations(query.locale).gettext
        return feed_response(request, db_session, query, _(AUTHOR),
                             _(mark("New instruments, form versions and sessions, as they are recorded")), "/")

    @get("/countries/{code:str}/feed.atom", sync_to_thread=True, guards=READ,
         summary="Atom feed of a country: its instruments, form versions and sessions")
    def country(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str],
                since: FromQuery[str | None] = None) -> Response[bytes]:
        country = country_or_404(db_session, code)
        query = feed_query(request, since, country=country.code)
        name = i18n.country_name(country.code, query.locale)
        return feed_response(request, db_session, query, i18n.gettext(query.locale, mark("Registry: %(country)s"),
                                                                     country=name),
                             i18n.gettext(query.locale, mark("Instruments, liaison forms and sessions with %(country)s"),
                                          country=name), f"/countries/{country.code}")

    @get("/countries/{code:str}/meetings/feed.atom", sync_to_thread=True, guards=READ,
         summary="Atom feed of a country's sessions (one kind with ?kind=)")
    def series(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str],
               kind: FromQuery[str | None] = None, since: FromQuery[str | None] = None) -> Response[bytes]:
        country = country_or_404(db_session, code)
        kind = parse_choice("kind", kind, MEETING_KINDS)
        query = feed_query(request, since, country=country.code, topic="meeting", meeting_kind=kind)
        name = i18n.country_name(country.code, query.locale)
        return feed_response(request, db_session, query, i18n.gettext(query.locale, mark("Sessions with %(country)s"),
                                                                     country=name),
                             i18n.gettext(query.locale, mark("Sessions planned, held and their minutes published")),
                             f"/meetings?country={country.code}", **({"kind": kind} if kind else {}))
