"""HTML pages of the agreements: home, country (timeline, coverage), instrument (chain of texts), history."""

from datetime import date
from typing import Annotated

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Response, Template
from sqlmodel import Session, select

from agreements.citation import instrument_citation, instrument_jsonld
from agreements.controllers import get_country_or_404
from agreements.history_api import compare
from agreements.labels import DATED_KIND_LABELS, INVERSE_LINK_LABELS, KIND_LABELS, LINK_LABELS, STATUS_LABELS
from agreements.meetings.labels import KIND_LABELS as MEETING_KINDS
from agreements.meetings.labels import STATUS_LABELS as MEETING_STATUSES
from agreements.meetings.pages import country_sessions
from agreements.meetings.timeline import meeting_lanes
from agreements.models import Instrument, OfficialText
from agreements.queries import find_by_slug, links_of, list_instruments, risk_coverage, with_status
from agreements.services.revisions import revisions_of
from agreements.timeline import country_lanes
from registry import i18n
from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.auth.principal import current_principal
from registry.labels import CONFIDENCE_LABELS, RISK_LABELS, mark
from registry.models import Institution, LiaisonBody
from registry.web.i18n_middleware import request_locale
from registry.web.params import parse_date
from registry.web.timeline import render_timeline

LABELS = dict(kinds=KIND_LABELS, statuses=STATUS_LABELS, risks=RISK_LABELS, confidences=CONFIDENCE_LABELS,
              links=LINK_LABELS, inverse_links=INVERSE_LINK_LABELS)


class AgreementPages(Controller):
    include_in_schema = False

    @get("/countries/{code:str}", sync_to_thread=True, guards=[requires(Permission.read_public)])
    def country(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str],
                on: FromQuery[str | None] = None) -> Template:
        country = get_country_or_404(db_session, code)
        as_of = parse_date("on", on, date.today())
        items = with_status(db_session, list_instruments(db_session, country=country.code), as_of)
        bodies = db_session.exec(select(LiaisonBody).where(LiaisonBody.country_code == country.code)).all()
        institutions = db_session.exec(select(Institution).where(Institution.country_code == country.code)).all()
        locale = request_locale(request)
        lanes = country_lanes(items, date.today(), i18n.translations(locale).gettext,
                              lambda d: i18n.format_date(d, locale, "medium"))
        sessions = country_sessions(db_session, current_principal(request), country.code)
        lanes += meeting_lanes([m for m, _title in reversed(sessions)], i18n.translations(locale).gettext,
                               lambda d: i18n.format_date(d, locale, "medium"))
        title = i18n.gettext(locale, mark("Timeline of the instruments with %(country)s"),
                             country=i18n.country_name(country.code, locale))
        return Template("agreements/country.html", context=dict(
            country=country, items=items, shown=[i for i in items if i.status.existed],
            later=sum(not i.status.existed for i in items), as_of=as_of, bodies=bodies, institutions=institutions,
            coverage=risk_coverage(items), timeline=render_timeline(lanes, date.today(), title, as_of),
            may_edit=current_principal(request).can(Permission.edit_instruments),
            sessions=sessions, meeting_kinds=MEETING_KINDS, meeting_statuses=MEETING_STATUSES, **LABELS))

    @get("/countries/{code:str}/instruments/{slug:str}", sync_to_thread=True, guards=[requires(Permission.read_public)])
    def instrument(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str],
                   slug: FromPath[str], on: FromQuery[str | None] = None) -> Template | Response:
        """The page, or its schema.org JSON-LD when asked with Accept: application/ld+json."""
        instrument = instrument_by_slug_or_404(db_session, code, slug)
        as_of = parse_date("on", on, date.today())
        (item,) = with_status(db_session, [instrument], as_of)
        texts = db_session.exec(select(OfficialText).where(OfficialText.instrument_id == instrument.id)
                                .order_by(OfficialText.language, OfficialText.id.desc())).all()
        parents = [(link, db_session.get(Instrument, link.to_id)) for link in links_of(db_session, instrument.id)[0]]
        jsonld = instrument_jsonld(item, list(texts), parents, str(request.base_url), as_of)
        if "application/ld+json" in request.headers.get("accept", ""):
            return Response(jsonld, media_type="application/ld+json")
        locale = request_locale(request)
        return Template("agreements/instrument.html", context=dict(
            item=item, instrument=instrument, as_of=as_of, tree=link_tree(db_session, instrument), texts=texts,
            short_name=short_name(instrument, locale),
            may_edit=current_principal(request).can(Permission.edit_instruments),
            revisions=revisions_of(db_session, instrument.id), jsonld=jsonld,
            citation=instrument_citation(instrument, str(request.base_url), locale, as_of if on else None), **LABELS))

    @get("/countries/{code:str}/instruments/{slug:str}/history", sync_to_thread=True,
         guards=[requires(Permission.read_public)])
    def history(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str], slug: FromPath[str],
                from_version: Annotated[int | None, FromQuery] = None,
                to_version: Annotated[int | None, FromQuery] = None) -> Template:
        instrument = instrument_by_slug_or_404(db_session, code, slug)
        revisions = revisions_of(db_session, instrument.id)
        compared = compare(revisions, from_version or max(1, instrument.version - 1), to_version or instrument.version)
        return Template("agreements/history.html", context=dict(
            instrument=instrument, revisions=revisions, compared=compared,
            short_name=short_name(instrument, request_locale(request)), **LABELS))


def short_name(instrument: Instrument, locale: str) -> str:
    """How a breadcrumb names an instrument: its kind and date ("Accord du 6 novembre 2014")."""
    if instrument.signed_on is None:
        return i18n.gettext(locale, KIND_LABELS[instrument.kind])
    return i18n.gettext(locale, DATED_KIND_LABELS[instrument.kind], date=i18n.format_date(instrument.signed_on, locale))


def instrument_by_slug_or_404(session: Session, code: str, slug: str):
    instrument = find_by_slug(session, code.upper(), slug)
    if instrument is None:
        raise NotFoundException(detail=f"no instrument {slug!r} for country {code!r}")
    return instrument


def link_tree(session: Session, instrument) -> dict:
    """Parents (what this instrument implements, amends, supersedes) and children, two levels deep."""
    def node(link_instrument_id: int, kind: str, depth: int, upward: bool) -> dict:
        other = session.get(Instrument, link_instrument_id)
        parents, children = links_of(session, other.id)
        nested = parents if upward else children
        return {"instrument": other, "kind": kind, "nodes": [] if depth == 0 else [
            node(link.to_id if upward else link.from_id, link.kind, depth - 1, upward) for link in nested]}

    parents, children = links_of(session, instrument.id)
    return {"parents": [node(link.to_id, link.kind, 1, True) for link in parents],
            "children": [node(link.from_id, link.kind, 1, False) for link in children]}
