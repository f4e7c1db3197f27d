"""Output models of the agreements API (never table models)."""

from datetime import date

from pydantic import BaseModel

from agreements.queries import InstrumentOnDate


class InstrumentOut(BaseModel):
    id: int
    country: str
    slug: str
    url: str
    kind: str
    title_fr: str
    title_partner: str
    partner_language: str
    party_name_fr: str
    signed_on: date | None
    in_force_on: date | None
    terminated_on: date | None
    status: str
    as_of: date
    in_force_date_unknown: bool
    superseded_by: list[int]
    risks: list[str]
    replaces_text: str
    confidence: str
    source: str
    archived: bool

    @classmethod
    def build(cls, item: InstrumentOnDate, on: date) -> "InstrumentOut":
        i = item.instrument
        return cls(
            id=i.id, country=i.country_code, slug=i.slug, url=f"/countries/{i.country_code}/instruments/{i.slug}",
            kind=i.kind, title_fr=i.title_fr, title_partner=i.title_partner, partner_language=i.partner_language,
            party_name_fr=i.party_name_fr, signed_on=i.signed_on, in_force_on=i.in_force_on,
            terminated_on=i.terminated_on, status=item.status.status.value, as_of=on,
            in_force_date_unknown=item.status.in_force_date_unknown, superseded_by=list(item.superseded_by),
            risks=list(i.risks), replaces_text=i.replaces_text, confidence=i.confidence, source=i.source,
            archived=i.archived,
        )


class BodyOut(BaseModel):
    name: str
    acronym: str
    confidence: str
    source: str


class CountrySummary(BaseModel):
    code: str
    name_fr: str
    name_en: str
    languages: list[str]
    instrument_count: int


class CountryDetail(CountrySummary):
    insee_code: str | None
    liaison_bodies: list[BodyOut]
    institutions: list[BodyOut]
    instruments: list[InstrumentOut]
