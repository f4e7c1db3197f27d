"""Load the reference data shipped in agreements/data/ (public facts, each row with its source
and confidence). Loading only creates what is missing: a second load changes nothing, and an
edit made by legal staff is never overwritten by the shipped file."""

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import Any

from sqlmodel import Session, select

from agreements.models import Instrument, InstrumentKind, InstrumentLink
from agreements.services.revisions import record_revision
from registry import audit
from registry.models import Country, Institution, LiaisonBody

SEED_ACTOR = audit.Actor.system("system:seed")

# Reference-data kinds (French words) -> DOMAIN.md kinds
KIND_FROM_REFERENCE = {
    "convention": InstrumentKind.agreement,
    "accord": InstrumentKind.agreement,
    "entente": InstrumentKind.agreement,
    "arrangement_administratif": InstrumentKind.administrative_arrangement,
    "avenant": InstrumentKind.amendment,
    "protocole": InstrumentKind.protocol,
    "echange_de_lettres": InstrumentKind.exchange_of_letters,
}

# Reference-data partner languages -> BCP 47 tags with script/region, per country when it matters
LANGUAGE_FROM_REFERENCE = {"sr": "sr-Latn", "pt": "pt-BR"}
LANGUAGE_BY_COUNTRY = {("CV", "pt"): "pt-PT"}


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, table: str) -> None:
        self.created[table] = self.created.get(table, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.created.values())


def read_rows(name: str) -> list[dict[str, str]]:
    text = resources.files("agreements").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def corrected(row: dict[str, str]) -> dict[str, str]:
    """`row` of instruments.csv with the corrections of corrections.csv applied: facts that the
    reference file leaves empty but the row itself states (a title saying the text lapsed in
    1993). instruments.csv stays a faithful copy of the shared reference; each correction adds
    its reasoning and source to the row's source."""
    row = dict(row)
    for fix in read_rows("corrections.csv"):
        if (fix["country_iso2"], fix["slug"]) == (row["country_iso2"], row["slug"]):
            row[fix["column"]] = fix["value"]
            row["source"] = f"{row['source']} ; {fix['source']}"
    return row


def _date(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def _list(value: str, sep: str = ";") -> list[str]:
    return [item.strip() for item in value.split(sep) if item.strip()]


def partner_language(country: str, raw: str) -> str:
    if not raw:
        return ""
    return LANGUAGE_BY_COUNTRY.get((country, raw)) or LANGUAGE_FROM_REFERENCE.get(raw, raw)


def instrument_from_row(row: dict[str, str], country_name_fr: str) -> Instrument:
    code = row["country_iso2"]
    # Québec is filed under CA with its own name: keep that name on the instrument
    party_fr = row["country_name_fr"] if row["country_name_fr"] != country_name_fr else ""
    party_en = row["country_name_en"] if party_fr else ""
    signed_on, in_force_on = _date(row["date_signed"]), _date(row["date_in_force"])
    return Instrument(
        country_code=code,
        slug=row["slug"],
        kind=KIND_FROM_REFERENCE[row["instrument_kind"]].value,
        title_fr=row["title_fr"],
        partner_language=partner_language(code, row["partner_language"]),
        signed_on=signed_on,
        in_force_on=in_force_on,
        retroactive=bool(signed_on and in_force_on and in_force_on < signed_on),
        terminated_on=_date(row["date_terminated"]),
        risks=_list(row["risks_covered"]),
        replaces_text=row["replaces"],
        party_name_fr=party_fr,
        party_name_en=party_en,
        confidence=row["confidence"],
        source=row["source"],
    )


def _create_missing(session: Session, report: SeedReport, table: str, rows: Iterator[tuple[Any, Callable[[], Any]]]) -> None:
    for existing, build in rows:
        if existing is not None:
            continue
        obj = build()
        session.add(obj)
        session.flush()
        report.add(table)
        if isinstance(obj, Instrument):
            record_revision(session, SEED_ACTOR, obj, "seed", before={})
        audit.record(session, SEED_ACTOR, "seed.create", table, _identity(obj), after=obj.model_dump(mode="json"))


def _identity(obj) -> str:
    return str(getattr(obj, "id", None) or getattr(obj, "code", ""))


def seed_countries(session: Session, report: SeedReport) -> None:
    def rows():
        for row in read_rows("countries.csv"):
            yield session.get(Country, row["code"]), lambda row=row: Country(
                code=row["code"], name_fr=row["name_fr"], name_en=row["name_en"],
                languages=row["languages"].split(), insee_code=row["insee_code"] or None,
            )
    _create_missing(session, report, "country", rows())


def seed_bodies(session: Session, report: SeedReport) -> None:
    for row in read_rows("liaison_bodies.csv"):
        model = LiaisonBody if row["kind"] == "liaison_body" else Institution
        existing = session.exec(
            select(model).where(model.country_code == row["country_code"], model.name == row["name"])
        ).first()
        fields = dict(country_code=row["country_code"], name=row["name"], acronym=row["acronym"],
                      confidence=row["confidence"], source=row["source"])
        if model is LiaisonBody:
            fields["name_fr"] = row["name_fr"]
        else:
            fields["risks"] = _list(row["risks"])
        _create_missing(session, report, model.__tablename__, iter([(existing, lambda: model(**fields))]))


def find_instrument(session: Session, country: str, slug: str) -> Instrument | None:
    return session.exec(select(Instrument).where(Instrument.country_code == country, Instrument.slug == slug)).first()


def seed_instruments(session: Session, report: SeedReport) -> None:
    names = {c.code: c.name_fr for c in session.exec(select(Country)).all()}

    def rows():
        for row in read_rows("instruments.csv"):
            existing = find_instrument(session, row["country_iso2"], row["slug"])
            yield existing, lambda row=row: instrument_from_row(corrected(row), names[row["country_iso2"]])
    _create_missing(session, report, "instrument", rows())


def seed_links(session: Session, report: SeedReport) -> None:
    def rows():
        for row in read_rows("links.csv"):
            source = find_instrument(session, row["country_code"], row["from_slug"])
            target = find_instrument(session, row["country_code"], row["to_slug"])
            if source is None or target is None:
                raise ValueError(f"links.csv: unknown instrument in {row}")
            existing = session.exec(select(InstrumentLink).where(
                InstrumentLink.from_id == source.id, InstrumentLink.to_id == target.id,
                InstrumentLink.kind == row["kind"])).first()
            yield existing, lambda s=source, t=target, k=row["kind"]: InstrumentLink(from_id=s.id, to_id=t.id, kind=k)
    _create_missing(session, report, "instrument_link", rows())


def seed_reference_data(session: Session) -> SeedReport:
    report = SeedReport()
    for step in (seed_countries, seed_bodies, seed_instruments, seed_links):
        step(session, report)
    return report
