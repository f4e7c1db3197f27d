"""JSON API for countries and instruments (thin: parse, ask, shape)."""

from datetime import date

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from sqlmodel import Session, select

from agreements.models import Instrument
from agreements.queries import list_instruments, risk_coverage, with_status
from agreements.schemas import BodyOut, CountryDetail, CountrySummary, CoverageOut, InstrumentOut
from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.labels import mark
from registry.models import Country, Institution, LiaisonBody
from registry.web.errors import NotFound
from registry.web.params import parse_date


def get_country_or_404(session: Session, code: str) -> Country:
    country = session.get(Country, code.upper())
    if country is None:
        raise NotFound(mark("unknown country code %(value)s"), {"value": repr(code)}, extra={"country": code})
    return country


def instrument_counts(session: Session) -> dict[str, int]:
    counts: dict[str, int] = {}
    for code in session.exec(select(Instrument.country_code).where(Instrument.archived == False)).all():  # noqa: E712
        counts[code] = counts.get(code, 0) + 1
    return counts


def _summary(country: Country, count: int) -> dict:
    return dict(code=country.code, name_fr=country.name_fr, name_en=country.name_en,
                languages=list(country.languages), instrument_count=count)


class CountryController(Controller):
    path = "/api/countries"
    tags = ["countries"]

    @get("/", sync_to_thread=True, guards=[requires(Permission.read_public)], summary="Countries with at least one instrument, and France")
    def list_countries(self, db_session: NamedDependency[Session]) -> list[CountrySummary]:
        counts = instrument_counts(db_session)
        countries = db_session.exec(select(Country).order_by(Country.name_fr)).all()
        return [CountrySummary(**_summary(c, counts.get(c.code, 0))) for c in countries]

    @get("/{code:str}", sync_to_thread=True, guards=[requires(Permission.read_public)], summary="One country with its bodies and instruments")
    def get_country(self, db_session: NamedDependency[Session], code: FromPath[str], on: FromQuery[str | None] = None) -> CountryDetail:
        country = get_country_or_404(db_session, code)
        as_of = parse_date("on", on, date.today())
        items = with_status(db_session, list_instruments(db_session, country=country.code), as_of)
        bodies = db_session.exec(select(LiaisonBody).where(LiaisonBody.country_code == country.code)).all()
        institutions = db_session.exec(select(Institution).where(Institution.country_code == country.code)).all()
        return CountryDetail(
            **_summary(country, len(items)),
            insee_code=country.insee_code,
            liaison_bodies=[BodyOut.model_validate(b, from_attributes=True) for b in bodies],
            institutions=[BodyOut.model_validate(i, from_attributes=True) for i in institutions],
            instruments=[InstrumentOut.build(item, as_of) for item in items],
        )


    @get("/{code:str}/coverage", sync_to_thread=True, guards=[requires(Permission.read_public)],
         summary="Which risks were covered on a date, and by which instruments")
    def coverage(self, db_session: NamedDependency[Session], code: FromPath[str],
                 on: FromQuery[str | None] = None) -> list[CoverageOut]:
        country = get_country_or_404(db_session, code)
        as_of = parse_date("on", on, date.today())
        coverage = risk_coverage(with_status(db_session, list_instruments(db_session, country=country.code), as_of))
        return [CoverageOut(risk=risk, covered=bool(found), instruments=[i.slug for i in found])
                for risk, found in coverage.items()]
