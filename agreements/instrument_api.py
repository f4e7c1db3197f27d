"""JSON API of one instrument: read with its ETag, create, edit with If-Match, archive, links."""

from datetime import date

from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody
from sqlmodel import Session

from agreements import services
from agreements.controllers import get_country_or_404
from agreements.models import Instrument, InstrumentKind
from agreements.queries import filter_instruments, links_of, list_instruments, with_status
from agreements.schemas import InstrumentCreate, InstrumentOut, InstrumentPatch, LinkCreate, LinkOut
from agreements.status import Status
from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.enums import Risk
from registry.web.actor import actor_for
from registry.web.etag import etag_for, expected_version
from registry.web.params import parse_choice, parse_date, parse_year

READ = [requires(Permission.read_public)]
EDIT = [requires(Permission.edit_instruments)]


def instrument_or_404(session: Session, instrument_id: int) -> Instrument:
    instrument = session.get(Instrument, instrument_id)
    if instrument is None:
        raise NotFoundException(detail=f"no instrument {instrument_id}", extra={"instrument": instrument_id})
    return instrument


def instrument_response(session: Session, instrument: Instrument, on: date, status_code: int = 200) -> Response:
    (item,) = with_status(session, [instrument], on)
    return Response(InstrumentOut.build(item, on), status_code=status_code,
                    headers={"ETag": etag_for(instrument.version)})


def link_out(session: Session, link, other_id: int) -> LinkOut:
    other = session.get(Instrument, other_id)
    return LinkOut(id=link.id, kind=link.kind, from_id=link.from_id, to_id=link.to_id, other_slug=other.slug,
                   other_title_fr=other.title_fr)


class InstrumentController(Controller):
    path = "/api/instruments"
    tags = ["instruments"]

    @get("/", sync_to_thread=True, guards=[requires(Permission.read_public)], summary="Instruments with their status as of a date (default today)")
    def list_instruments(
        self,
        db_session: NamedDependency[Session],
        country: FromQuery[str | None] = None,
        on: FromQuery[str | None] = None,
        kind: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
        risk: FromQuery[str | None] = None,
        year: FromQuery[str | None] = None,
        q: FromQuery[str | None] = None,
        archived: FromQuery[str | None] = None,
    ) -> list[InstrumentOut]:
        as_of = parse_date("on", on, date.today())
        kind = parse_choice("kind", kind, [k.value for k in InstrumentKind])
        status = parse_choice("status", status, [s.value for s in Status])
        risk = parse_choice("risk", risk, [r.value for r in Risk])
        include_archived = parse_choice("archived", archived, ["true", "false"]) == "true"
        code = get_country_or_404(db_session, country).code if country else None
        instruments = list_instruments(db_session, country=code, kind=kind, include_archived=include_archived)
        items = filter_instruments(with_status(db_session, instruments, as_of), status=status, risk=risk,
                                   year=parse_year("year", year), text=q)
        return [InstrumentOut.build(item, as_of) for item in items]

    @get("/{instrument_id:int}", sync_to_thread=True, guards=READ, summary="One instrument, with its version as ETag")
    def read(self, db_session: NamedDependency[Session], instrument_id: FromPath[int],
             on: FromQuery[str | None] = None) -> Response[InstrumentOut]:
        return instrument_response(db_session, instrument_or_404(db_session, instrument_id), parse_date("on", on, date.today()))

    @post("/", sync_to_thread=True, guards=EDIT, summary="Create an instrument")
    def create(self, request: Request, db_session: NamedDependency[Session],
               data: JSONBody[InstrumentCreate]) -> Response[InstrumentOut]:
        instrument = services.create_instrument(db_session, actor_for(request), data.values())
        db_session.commit()
        return instrument_response(db_session, instrument, date.today(), status_code=201)

    @patch("/{instrument_id:int}", sync_to_thread=True, guards=EDIT,
           summary="Change the fields sent; requires If-Match with the ETag of the version edited")
    def edit(self, request: Request, db_session: NamedDependency[Session], instrument_id: FromPath[int],
             data: JSONBody[InstrumentPatch]) -> Response[InstrumentOut]:
        instrument = instrument_or_404(db_session, instrument_id)
        services.update_instrument(db_session, actor_for(request), instrument, data.changes(), expected_version(request))
        db_session.commit()
        return instrument_response(db_session, instrument, date.today())

    @post("/{instrument_id:int}/archive", sync_to_thread=True, guards=EDIT, status_code=200,
          summary="Archive an instrument (it stays readable); requires If-Match")
    def archive(self, request: Request, db_session: NamedDependency[Session],
                instrument_id: FromPath[int]) -> Response[InstrumentOut]:
        instrument = instrument_or_404(db_session, instrument_id)
        services.archive_instrument(db_session, actor_for(request), instrument, expected_version(request))
        db_session.commit()
        return instrument_response(db_session, instrument, date.today())

    @get("/{instrument_id:int}/links", sync_to_thread=True, guards=READ, summary="Parents and children of an instrument")
    def links(self, db_session: NamedDependency[Session], instrument_id: FromPath[int]) -> dict[str, list[LinkOut]]:
        instrument_or_404(db_session, instrument_id)
        parents, children = links_of(db_session, instrument_id)
        return {"parents": [link_out(db_session, link, link.to_id) for link in parents],
                "children": [link_out(db_session, link, link.from_id) for link in children]}

    @post("/{instrument_id:int}/links", sync_to_thread=True, guards=EDIT, summary="Link this instrument to another")
    def add_link(self, request: Request, db_session: NamedDependency[Session], instrument_id: FromPath[int],
                 data: JSONBody[LinkCreate]) -> LinkOut:
        source = instrument_or_404(db_session, instrument_id)
        target = instrument_or_404(db_session, data.to_id)
        link = services.add_link(db_session, actor_for(request), source, target, data.kind.value)
        db_session.commit()
        return link_out(db_session, link, link.to_id)
