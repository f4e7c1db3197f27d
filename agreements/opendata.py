"""Countries, instruments and their links as open-data tables. Instruments and links have the
columns of the instrument export (agreements/exchange.py), keyed by country and slug, so the
dump's instruments.csv and links.csv import back into an empty registry as they are."""

from sqlmodel import Session, select

from agreements.exchange import INSTRUMENT_COLUMNS, LINK_COLUMNS, export_data
from agreements.models import InstrumentKind, LinkKind
from registry.enums import Confidence, Risk
from registry.models import Country
from registry.opendata import Column, Table

C = Column
INSTRUMENT_DESCRIPTIONS = {
    "country_code": C("country_code", "string", "ISO 3166-1 alpha-2 code of the partner country", True),
    "slug": C("slug", "string", "readable key, unique within the country: <date signed>-<kind>", True),
    "kind": C("kind", "string", "kind of instrument", True, enum=tuple(InstrumentKind)),
    "title_fr": C("title_fr", "string", "title in French", True),
    "title_partner": C("title_partner", "string", "title in the partner's language, when recorded"),
    "partner_language": C("partner_language", "string", "BCP 47 tag of the partner's language (with script, e.g. sr-Latn)"),
    "party_name_fr": C("party_name_fr", "string", "the other party in French when it is not the country itself"),
    "party_name_en": C("party_name_en", "string", "the other party in English when it is not the country itself"),
    "signed_on": C("signed_on", "date", "date of signature"),
    "in_force_on": C("in_force_on", "date", "date of entry into force"),
    "terminated_on": C("terminated_on", "date", "date it ceased to apply (denounced, terminated or superseded)"),
    "retroactive": C("retroactive", "boolean", "in force from a date before its signature", True),
    "risks": C("risks", "string", "branches of social security covered: " + ", ".join(Risk), is_list=True),
    "legal_reference": C("legal_reference", "string", "publishing decree or official journal reference"),
    "replaces_text": C("replaces_text", "string", "what the source says it replaces, as written"),
    "confidence": C("confidence", "string", "how sure the sources are of this row (low: check the official text)",
                    True, enum=tuple(Confidence)),
    "source": C("source", "string", "where the row's facts come from"),
    "archived": C("archived", "boolean", "withdrawn from the registry's lists (kept for the record)", True),
}
LINK_DESCRIPTIONS = {
    "country_code": C("country_code", "string", "country of both instruments", True),
    "from_slug": C("from_slug", "string", "the instrument that implements, amends or supersedes", True),
    "kind": C("kind", "string", "implements, amends or supersedes", True, enum=tuple(LinkKind)),
    "to_slug": C("to_slug", "string", "the instrument implemented, amended or superseded", True),
}


def agreement_tables(session: Session) -> list[Table]:
    data = export_data(session)
    countries = session.exec(select(Country).order_by(Country.code)).all()
    return [
        Table("countries", "Pays", "Countries of the registry: ISO code, names, languages.",
              [C("code", "string", "ISO 3166-1 alpha-2 (XK: Kosovo)", True), C("name_fr", "string", "name in French", True),
               C("name_en", "string", "name in English", True),
               C("languages", "string", "official languages as BCP 47 tags", is_list=True),
               C("insee_code", "string", "INSEE country code (99xxx)")],
              [c.model_dump() for c in countries], ["code"]),
        Table("instruments", "Instruments", "Agreements, administrative arrangements, amendments, protocols and "
              "exchanges of letters between France and each partner, with their dates.",
              [INSTRUMENT_DESCRIPTIONS[name] for name in INSTRUMENT_COLUMNS], data["instruments"],
              ["country_code", "slug"],
              [{"fields": ["country_code"], "reference": {"resource": "countries", "fields": ["code"]}}]),
        Table("links", "Liens entre instruments", "Which instrument implements, amends or supersedes which.",
              [LINK_DESCRIPTIONS[name] for name in LINK_COLUMNS], data["links"],
              ["country_code", "from_slug", "kind", "to_slug"],
              [{"fields": ["country_code", "from_slug"], "reference": {"resource": "instruments",
                                                                       "fields": ["country_code", "slug"]}},
               {"fields": ["country_code", "to_slug"], "reference": {"resource": "instruments",
                                                                     "fields": ["country_code", "slug"]}}]),
    ]
