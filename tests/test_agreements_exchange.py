"""Export, import into an empty registry, export again: identical. Import is idempotent."""

from sqlmodel import Session

from agreements import exchange
from agreements.reference import SeedReport, seed_countries
from registry import migrate
from registry.db import make_engine
from tests.factories import LEGAL


def empty_registry(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    migrate.upgrade(engine)
    with Session(engine) as session:
        seed_countries(session, SeedReport())
        session.commit()
    return engine


def test_json_round_trip_is_identical(session, tmp_path):
    exported = exchange.export_json(session)
    data = exchange.export_data(session)
    target = empty_registry(tmp_path)
    with Session(target) as other:
        report = exchange.import_rows(other, LEGAL, data["instruments"], data["links"], dry_run=False)
        other.commit()
        assert report.counts() == {"created": 151 + 5}, report.links
        assert exchange.export_json(other) == exported


def test_csv_round_trip_is_identical(session, tmp_path):
    instruments_csv, links_csv = exchange.export_csv(session)
    target = empty_registry(tmp_path)
    with Session(target) as other:
        exchange.import_rows(other, LEGAL, exchange.rows_from_csv(instruments_csv), exchange.rows_from_csv(links_csv),
                             dry_run=False)
        other.commit()
        assert exchange.export_csv(other) == (instruments_csv, links_csv)


def test_import_is_idempotent(session):
    data = exchange.export_data(session)
    report = exchange.import_rows(session, LEGAL, data["instruments"], data["links"], dry_run=False)
    assert report.counts() == {"unchanged": 151 + 5}


def test_dry_run_reports_row_by_row_and_writes_nothing(session):
    data = exchange.export_data(session)
    rows = data["instruments"][:2]
    rows[0] = {**rows[0], "title_fr": "Titre changé"}
    rows[1] = {**rows[1], "signed_on": "2030-01-01", "in_force_on": "2020-01-01"}
    # rows[0] is the 1970 Andorran arrangement, which ends in 1993: the new row must not inherit that end
    new = {**rows[0], "slug": "2099-01-01-accord", "signed_on": "2099-01-01", "in_force_on": None, "terminated_on": None}
    report = exchange.import_rows(session, LEGAL, [*rows, new], [], dry_run=True)
    assert [o.action for o in report.instruments] == ["changed", "refused", "created"]
    assert report.instruments[0].changes == ["title_fr"]
    assert "2030-01-01" in report.instruments[1].errors[0]
    assert exchange.export_data(session)["instruments"][0]["title_fr"] != "Titre changé"
