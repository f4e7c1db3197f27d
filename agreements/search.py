"""Instruments as search documents."""

from collections.abc import Iterator

from sqlmodel import Session, select

from agreements.labels import KIND_LABELS
from agreements.models import Instrument
from registry.models import Country
from search import SearchDocument


def instrument_document(instrument: Instrument, country: Country) -> SearchDocument:
    body = " ".join(filter(None, [
        instrument.title_partner, country.name_fr, country.name_en, instrument.party_name_fr,
        instrument.legal_reference, instrument.replaces_text, KIND_LABELS[instrument.kind],
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


def instrument_documents(session: Session) -> Iterator[SearchDocument]:
    countries = {c.code: c for c in session.exec(select(Country)).all()}
    for instrument in session.exec(select(Instrument).order_by(Instrument.id)).all():
        yield instrument_document(instrument, countries[instrument.country_code])
