"""Instruments as search documents: titles, parties, references and the official texts.

The unit is the instrument: a change to it or to one of its official texts refreshes it.

Their context carries what a reader may type without it being in the text: the country's
names in French, English and its own languages, the words that name the instrument's kind and
the branches it covers in French and English, and its dates written out. The status is the one on the day of indexing;
the as-of filter uses the dates (in force from entry into force, or from signature when that
date is unknown, as agreements/status.py counts it; until termination)."""

from datetime import date

from sqlmodel import Session, select

from agreements.labels import KIND_LABELS
from agreements.models import Instrument, OfficialText
from agreements.queries import superseded_ids
from agreements.status import status_on
from registry.i18n import country_names, format_date, label_words
from registry.labels import RISK_LABELS
from registry.models import Country
from search import SearchDocument
from search.sources import Refresh, SearchSource

# what readers call each kind, in French and English ("accord", "arrangement"… match their kind)
KIND_WORDS = {
    "agreement": "accord convention agreement",
    "administrative_arrangement": "arrangement administratif administrative arrangement",
    "amendment": "avenant amendment",
    "protocol": "protocole protocol",
    "exchange_of_letters": "échange de lettres exchange of letters",
}


def instrument_context(instrument: Instrument, country: Country) -> str:
    dates = [format_date(day, lang) for day in (instrument.signed_on, instrument.in_force_on) if day
             for lang in ("fr", "en")]
    return " ".join([*country_names(country.code, country.languages), KIND_WORDS.get(instrument.kind, ""),
                     *label_words(RISK_LABELS, instrument.risks), *dates])


def instrument_document(instrument: Instrument, country: Country, texts: list[str], superseded: bool = False,
                        today: date | None = None) -> SearchDocument:
    body = " ".join(filter(None, [
        instrument.title_partner, country.name_fr, country.name_en, instrument.party_name_fr,
        instrument.legal_reference, instrument.replaces_text, KIND_LABELS[instrument.kind], *texts,
    ]))
    status = status_on(today or date.today(), instrument.signed_on, instrument.in_force_on, instrument.terminated_on,
                       superseded=superseded)
    return SearchDocument(
        key=f"instrument:{instrument.id}",
        kind="instrument",
        title=instrument.title_fr,
        body=body,
        url=f"/countries/{instrument.country_code}/instruments/{instrument.slug}",
        country=instrument.country_code,
        dated=instrument.signed_on,
        context=instrument_context(instrument, country),
        risks=tuple(instrument.risks),
        status=status.status.value,
        # with no date at all it counts as in force (agreements/status.py): from always
        valid_from=instrument.in_force_on or instrument.signed_on or date.min,
        valid_until=instrument.terminated_on,
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
    ids = [i.id for i in instruments]
    texts, superseded = current_texts(session, ids), superseded_ids(session, ids)
    return [instrument_document(i, countries[i.country_code], texts.get(i.id, []), superseded=i.id in superseded)
            for i in instruments]


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
