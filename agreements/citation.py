"""An instrument as a citation and as schema.org JSON-LD (`Legislation`), for its page.

Links follow ELI, which schema.org's legislation terms come from: `amends` and `supersedes`
are `legislationChanges` (ELI's `repeals` is a kind of `changes`), `implements` is
`legislationApplies`. Each current official text is a `LegislationObject` in its language."""

from datetime import date

from agreements.labels import KIND_LABELS
from agreements.models import Instrument, InstrumentLink, LinkKind, OfficialText
from agreements.queries import InstrumentOnDate
from agreements.status import Status
from registry import i18n
from registry.citation import Citation, cite
from registry.labels import mark

DATA_LANGUAGE = "fr"  # the registry's data (titles, kinds) is French
IN_FORCE = "https://schema.org/InForce"
NOT_IN_FORCE = "https://schema.org/NotInForce"
LINK_TERMS = {LinkKind.amends: "legislationChanges", LinkKind.supersedes: "legislationChanges",
              LinkKind.implements: "legislationApplies"}


def instrument_path(instrument: Instrument) -> str:
    return f"/countries/{instrument.country_code}/instruments/{instrument.slug}"


def instrument_citation(instrument: Instrument, base_url: str, locale: str, as_of: date | None) -> Citation:
    dated = (i18n.gettext(locale, mark("signed on %(date)s"), date=i18n.format_date(instrument.signed_on, locale))
             if instrument.signed_on else i18n.gettext(locale, mark("date of signature not recorded")))
    return cite(instrument.title_fr, dated, base_url, instrument_path(instrument), locale, as_of)


def _country(code: str) -> dict:
    return {"@type": "Country", "identifier": code, "name": i18n.country_name(code, DATA_LANGUAGE)}


def instrument_jsonld(item: InstrumentOnDate, texts: list[OfficialText], parents: list[tuple[InstrumentLink, Instrument]],
                      base_url: str, as_of: date) -> dict:
    instrument = item.instrument
    base = base_url.rstrip("/")
    url = base + instrument_path(instrument)
    data = {
        "@context": "https://schema.org", "@type": "Legislation", "@id": url, "url": url,
        "name": instrument.title_fr, "legislationIdentifier": f"{instrument.country_code}/{instrument.slug}",
        "legislationType": i18n.gettext(DATA_LANGUAGE, KIND_LABELS.get(instrument.kind, instrument.kind)),
        "inLanguage": ["fr", *([instrument.partner_language] if instrument.partner_language
                               and instrument.partner_language != "fr" else [])],
        "legislationJurisdiction": [_country("FR"), _country(instrument.country_code)],
        "legislationLegalForce": IN_FORCE if item.status.status is Status.in_force else NOT_IN_FORCE,
        "legislationDateVersion": as_of.isoformat(),
    }
    if instrument.title_partner:
        data["alternateName"] = {"@value": instrument.title_partner, "@language": instrument.partner_language or "und"}
    if instrument.signed_on:
        data["legislationDate"] = instrument.signed_on.isoformat()
    if instrument.in_force_on:
        data["legislationDateOfApplicability"] = instrument.in_force_on.isoformat()
    for link, target in parents:
        data.setdefault(LINK_TERMS[LinkKind(link.kind)], []).append(
            {"@type": "Legislation", "@id": base + instrument_path(target), "name": target.title_fr})
    current = [t for t in texts if t.is_current]
    if current:
        data["workExample"] = [{"@type": "LegislationObject", "inLanguage": t.language, "name": t.filename,
                                "encodingFormat": t.media_type,
                                "contentUrl": f"{base}/api/instruments/{instrument.id}/texts/{t.id}"} for t in current]
    return data
