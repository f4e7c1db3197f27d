"""Read-side questions about instruments: what exists for a country, and what applied on a date."""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from agreements.models import Instrument, InstrumentLink, LinkKind
from agreements.status import DatedStatus, status_on
from registry.enums import Risk


@dataclass(frozen=True)
class InstrumentOnDate:
    instrument: Instrument
    status: DatedStatus
    superseded_by: tuple[int, ...]


def superseded_ids(session: Session, instrument_ids: list[int]) -> dict[int, list[int]]:
    """to_id -> [from_id] for every `supersedes` link pointing at one of `instrument_ids`."""
    if not instrument_ids:
        return {}
    links = session.exec(
        select(InstrumentLink).where(InstrumentLink.kind == LinkKind.supersedes, InstrumentLink.to_id.in_(instrument_ids))
    ).all()
    result: dict[int, list[int]] = {}
    for link in links:
        result.setdefault(link.to_id, []).append(link.from_id)
    return result


def list_instruments(session: Session, *, country: str | None = None, kind: str | None = None,
                     include_archived: bool = False) -> list[Instrument]:
    query = select(Instrument)
    if country:
        query = query.where(Instrument.country_code == country)
    if kind:
        query = query.where(Instrument.kind == kind)
    if not include_archived:
        query = query.where(Instrument.archived == False)  # noqa: E712 (SQL expression)
    query = query.order_by(Instrument.country_code, Instrument.signed_on.is_(None), Instrument.signed_on, Instrument.id)
    return list(session.exec(query).all())


def with_status(session: Session, instruments: list[Instrument], on: date) -> list[InstrumentOnDate]:
    supersedes = superseded_ids(session, [i.id for i in instruments])
    return [
        InstrumentOnDate(
            instrument=i,
            status=status_on(on, i.signed_on, i.in_force_on, i.terminated_on, superseded=i.id in supersedes),
            superseded_by=tuple(supersedes.get(i.id, ())),
        )
        for i in instruments
    ]


def find_by_slug(session: Session, country: str, slug: str) -> Instrument | None:
    return session.exec(select(Instrument).where(Instrument.country_code == country, Instrument.slug == slug)).first()


def links_of(session: Session, instrument_id: int) -> tuple[list[InstrumentLink], list[InstrumentLink]]:
    """(links from this instrument to its parents, links from its children to it)."""
    outgoing = session.exec(select(InstrumentLink).where(InstrumentLink.from_id == instrument_id)).all()
    incoming = session.exec(select(InstrumentLink).where(InstrumentLink.to_id == instrument_id)).all()
    return list(outgoing), list(incoming)


def risk_coverage(items: list[InstrumentOnDate]) -> dict[str, list[Instrument]]:
    """risk -> the instruments in force that cover it (every Risk is a key, covered or not)."""
    coverage: dict[str, list[Instrument]] = {risk.value: [] for risk in Risk}
    for item in items:
        if item.status.applies:
            for risk in item.instrument.risks:
                coverage.setdefault(risk, []).append(item.instrument)
    return coverage


def filter_instruments(items: list[InstrumentOnDate], *, status: str | None = None, risk: str | None = None,
                       year: int | None = None, text: str | None = None) -> list[InstrumentOnDate]:
    """Filters that need the derived status or several columns; applied after the SQL query."""
    needle = text.casefold() if text else None
    return [
        item for item in items
        if (status is None or item.status.status == status)
        and (risk is None or risk in item.instrument.risks)
        and (year is None or (item.instrument.signed_on and item.instrument.signed_on.year == year))
        and (needle is None or needle in f"{item.instrument.title_fr} {item.instrument.title_partner}".casefold())
    ]
