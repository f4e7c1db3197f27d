"""The shipped reference data: loaded, mapped to the domain kinds, idempotent, sourced."""

import csv
from pathlib import Path

from sqlmodel import select

from agreements.models import Instrument, InstrumentKind
from agreements.reference import read_rows
from registry.composition import seed
from registry.models import AuditEntry, Country, LiaisonBody

SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference" / "agreements.csv"


def test_every_reference_row_is_loaded_with_source_and_confidence(session):
    instruments = session.exec(select(Instrument)).all()
    assert len(instruments) == len(read_rows("instruments.csv")) == 151
    assert all(i.source and i.confidence in ("high", "medium", "low") for i in instruments)
    assert {i.kind for i in instruments} <= {k.value for k in InstrumentKind}
    assert sum(i.confidence == "low" for i in instruments) == 5


def test_shipped_file_keeps_the_facts_of_the_shared_reference():
    if not SHARED.exists():  # the shared folder sits beside the checkout in development and CI
        return
    with SHARED.open(encoding="utf-8") as fp:
        shared = list(csv.DictReader(fp))
    shipped = read_rows("instruments.csv")
    facts = ("country_iso2", "instrument_kind", "title_fr", "date_signed", "date_in_force", "date_terminated",
             "confidence", "source")
    assert [{k: r[k] for k in facts} for r in shipped] == [{k: r[k] for k in facts} for r in shared]


def test_second_seed_changes_nothing(session):
    before = session.exec(select(AuditEntry)).all()
    assert seed(session) == {}
    session.commit()
    assert len(session.exec(select(AuditEntry)).all()) == len(before)


def test_seed_does_not_overwrite_an_edit(session):
    accord = session.exec(select(Instrument).where(Instrument.slug == "2014-11-06-accord")).one()
    accord.title_partner = "Sporazum o socijalnom osiguranju"
    session.add(accord)
    session.commit()
    seed(session)
    session.refresh(accord)
    assert accord.title_partner == "Sporazum o socijalnom osiguranju"


def test_seed_is_audited(session):
    rows = session.exec(select(AuditEntry.action, AuditEntry.actor).where(AuditEntry.entity == "instrument")).all()
    assert len(rows) == 151 and set(rows) == {("seed.create", "system:seed")}


def test_countries_carry_script_tagged_languages_and_liaison_bodies(session):
    serbia = session.get(Country, "RS")
    assert serbia.languages == ["sr-Latn", "sr-Cyrl"]
    assert all("@" not in lang for c in session.exec(select(Country)).all() for lang in c.languages)
    cleiss = session.exec(select(LiaisonBody).where(LiaisonBody.country_code == "FR")).one()
    assert cleiss.acronym == "Cleiss"
    accord = session.exec(select(Instrument).where(Instrument.slug == "2014-11-06-accord")).one()
    assert accord.partner_language == "sr-Latn"


def test_quebec_keeps_its_own_name_under_canada(session):
    quebec = session.exec(select(Instrument).where(Instrument.party_name_fr == "Québec (Canada)")).all()
    assert quebec and all(i.country_code == "CA" for i in quebec)
