"""Instruments as search documents: titles, parties, references and the official texts.

The unit is the instrument: a change to it or to one of its official texts refreshes it."""

from collections.abc import Iterator

from sqlmodel import Session, select

from agreements.labels import KIND_LABELS
from agreements.models import Instrument, OfficialText
from registry.models import Country
from search import SearchDocument
from search.sources import Refresh, SearchSource


def instrument_document(instrument: Instrument, country: Country, texts: list[str]) -> SearchDocument:
    body = " ".join(filter(None, [
        instrument.title_partner, country.name_fr, country.name_en, instrument.party_name_fr,
        instrument.legal_reference, instrument.replaces_text, KIND_LABELS[instrument.kind], *texts,
    ]))
    return SearchDocument(
        key=f"instrument:{instrument.id}",
        kind="instrument",
        title=instrument.title_fr,
        body=body,
        url=f"/countries/{instrument.country_code}/instruments/{instrument.slug}",
        country=instrument.country_code,
        year=instrument.signed_on.year if instrument.signed_on else None,
        tags=tuple(instrument.risks),
    )


def current_texts(session: Session, instrument_ids: list[int]) -> dict[int, list[str]]:
    rows = session.exec(select(OfficialText.instrument_id, OfficialText.extracted_text).where(
        OfficialText.instrument_id.in_(instrument_ids), OfficialText.is_current == True)).all()  # noqa: E712
    texts: dict[int, list[str]] = {}
    for instrument_id, text in rows:
        texts.setdefault(instrument_id, []).append(text)
    return texts


def documents_for(session: Session, instruments: list[Instrument]) -> list[SearchDocument]:
    countries = {c.code: c for c in session.exec(select(Country)).all()}
    texts = current_texts(session, [i.id for i in instruments])
    return [instrument_document(i, countries[i.country_code], texts.get(i.id, [])) for i in instruments]


def instrument_documents(session: Session) -> Iterator[SearchDocument]:
    yield from documents_for(session, list(session.exec(select(Instrument).order_by(Instrument.id)).all()))


def refresh_instruments(session: Session, ids: list[int]) -> Refresh:
    found = list(session.exec(select(Instrument).where(Instrument.id.in_(ids)).order_by(Instrument.id)).all())
    missing = set(ids) - {i.id for i in found}
    return Refresh(documents_for(session, found), [f"instrument:{i}" for i in sorted(missing)])


INSTRUMENTS = SearchSource(
    name="instrument",
    watches={Instrument: lambda instrument: instrument.id, OfficialText: lambda text: text.instrument_id},
    unit_ids=lambda session: list(session.exec(select(Instrument.id).order_by(Instrument.id)).all()),
    refresh=refresh_instruments,
)
