"""The open-data dump: a valid Frictionless data package (checked with `frictionless`), its
instruments reload into an empty registry identical, one consistent read, public material only."""

import csv
import io
import json
import threading
import zipfile
from datetime import date
from pathlib import Path

import frictionless
import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlmodel import Session

from agreements import exchange
from agreements.opendata import agreement_tables
from registry import migrate
from registry.audit import Actor
from registry.cli import main
from registry.db import snapshot_session
from registry.models import Country
from registry.opendata import collect_tables, export_registry
from registry.csv_files import read_csv_dicts
from tests.factories import create_instrument

TABLES = ["countries", "instruments", "links", "forms", "form_versions", "meetings", "decisions", "action_items"]


def unpack(body: bytes, folder: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        archive.extractall(folder)
    return folder


def rows(folder: Path, table: str) -> list[dict]:
    return list(read_csv_dicts((folder / "data" / f"{table}.csv").read_text(encoding="utf-8")))


@pytest.fixture
def dump(client, tmp_path) -> Path:
    response = client.get("/api/export/registry.zip")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith('attachment; filename="registre-')
    return unpack(response.content, tmp_path / "dump")


def test_the_dump_is_a_valid_data_package_describing_every_column(dump):
    report = frictionless.validate(str(dump / "datapackage.json"))
    assert report.valid, report.flatten(["taskName", "rowNumber", "fieldName", "type", "note"])
    package = json.loads((dump / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"][0]["name"] == "etalab-2.0" and "created" in package
    assert [r["name"] for r in package["resources"]] == [n + s for n in TABLES for s in ("", "_json")]
    for resource in package["resources"]:
        fields = resource["schema"]["fields"]
        assert all(f["description"] for f in fields), resource["name"]
        if resource["format"] == "csv":
            with (dump / resource["path"]).open(encoding="utf-8", newline="") as fp:
                assert next(csv.reader(fp)) == [f["name"] for f in fields]
        else:
            records = json.loads((dump / resource["path"]).read_text(encoding="utf-8"))
            assert records and all(list(r) == [f["name"] for f in fields] for r in records), resource["name"]
    assert "Licence Ouverte" in (dump / "README.md").read_text(encoding="utf-8")


def test_the_validation_can_fail(dump):
    """A wrong date and a link to an instrument that does not exist are caught."""
    instruments = (dump / "data" / "instruments.csv").read_text(encoding="utf-8")
    (dump / "data" / "instruments.csv").write_text(instruments.replace("2014-11-06,2023-12-01", "2014-11-06,le 1er décembre"),
                                                   encoding="utf-8")
    links = (dump / "data" / "links.csv").read_text(encoding="utf-8").splitlines()
    (dump / "data" / "links.csv").write_text("\r\n".join(links + ["RS,nulle-part,amends,2014-11-06-accord"]) + "\r\n",
                                             encoding="utf-8")
    report = frictionless.validate(str(dump / "datapackage.json"))
    errors = {(task.name, e.type) for task in report.tasks for e in task.errors}
    assert {("instruments", "type-error"), ("links", "foreign-key")} <= errors


def test_only_public_material_is_in_the_dump(dump, client, login_as):
    meetings = rows(dump, "meetings")
    assert {m["country_code"] for m in meetings} >= {"AD", "RS", "AR"} and "GA" not in {m["country_code"] for m in meetings}
    public = {m["id"] for m in meetings}
    assert rows(dump, "decisions") and all(d["meeting_id"] in public for d in rows(dump, "decisions"))
    assert all(a["meeting_id"] in public for a in rows(dump, "action_items"))
    versions = {(v["form_code"], v["status"]) for v in rows(dump, "form_versions")}
    assert ("SE 121-05", "draft") not in versions and {s for _c, s in versions} == {"published", "superseded"}
    assert not any("template_data" in name for name in rows(dump, "form_versions")[0])
    staff_dump = unpack(login_as("admin").get("/api/export/registry.zip").content, dump.parent / "admin")
    assert rows(staff_dump, "meetings") == meetings  # the open data is the public view, whoever asks


def test_json_and_csv_hold_the_same_rows(dump):
    instruments = json.loads((dump / "data" / "instruments.json").read_text(encoding="utf-8"))
    as_csv = exchange.rows_from_csv((dump / "data" / "instruments.csv").read_text(encoding="utf-8"))
    assert [r["slug"] for r in instruments] == [r["slug"] for r in as_csv]
    serbian = next(r for r in instruments if r["slug"] == "2014-11-06-accord")
    assert serbian["risks"] and isinstance(serbian["risks"], list) and serbian["in_force_on"] == "2023-12-01"


def agreements_part(engine) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(export_registry(engine, [agreement_tables], "http://x"))) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name.startswith("data/")}


@pytest.fixture
def empty_twin(engine, tmp_path):
    """An empty database on the same backend as `engine` (the conftest's empty_engine would share its file)."""
    from registry.db import make_engine
    from tests.conftest import _fresh_postgres_database

    urls = _fresh_postgres_database() if engine.dialect.name == "postgresql" else iter([f"sqlite:///{tmp_path}/empty.db"])
    for url in urls:
        twin = make_engine(url)
        yield twin
        twin.dispose()


def test_the_instruments_reload_into_an_empty_registry_identical(engine, empty_twin):
    empty_engine = empty_twin
    with Session(engine) as session:  # the shipped data, and a row with every kind of awkward value
        create_instrument(session, slug="2024-05-02-essai", title_fr="=SOMME(A1) « protocole », 'entre guillemets'",
                          title_partner="Protokol\nna dva reda", partner_language="sr-Latn", retroactive=True,
                          signed_on=date(2024, 5, 2), in_force_on=date(2024, 1, 1), risks=["old_age", "sickness"])
    original = agreements_part(engine)
    written = csv.DictReader(io.StringIO(original["data/instruments.csv"].decode("utf-8"), newline=""))
    (title,) = [row["title_fr"] for row in written if row["slug"] == "2024-05-02-essai"]
    assert title.startswith("'=SOMME(A1)")  # a spreadsheet shows it as text (registry/csv_files.py)
    migrate.upgrade(empty_engine)
    with Session(empty_engine) as session:
        for row in json.loads(original["data/countries.json"]):
            session.add(Country(**row))
        instruments = exchange.rows_from_csv(original["data/instruments.csv"].decode("utf-8"))
        links = exchange.rows_from_csv(original["data/links.csv"].decode("utf-8"))
        report = exchange.import_rows(session, Actor("reloader"), instruments, links, dry_run=False)
        assert report.counts() == {"created": len(instruments) + len(links)}, report.as_dict()
        session.commit()
    assert agreements_part(empty_engine) == original


def test_one_consistent_read_while_others_commit(engine):
    """A commit landing between two tables is in neither: both reads come from one snapshot."""
    def meddle(_session):
        with Session(engine) as other:
            create_instrument(other, slug=f"2024-05-02-intrus-{len(seen)}")
        seen.append(1)
        return []

    def instrument_slugs(tables):
        return [{r["slug"] for r in t.rows} for t in tables if t.name == "instruments"]

    seen: list = []
    with snapshot_session(engine) as session:
        first, second = instrument_slugs(collect_tables(session, [agreement_tables, meddle, agreement_tables]))
    assert first == second and seen
    with Session(engine) as session:  # without the snapshot, the second read sees the intruder
        first, second = instrument_slugs(collect_tables(session, [agreement_tables, meddle, agreement_tables]))
    assert second - first == {"2024-05-02-intrus-1"}


def test_the_dump_answers_while_a_writer_holds_the_database(client, engine):
    """An uncommitted write (a lock held by another connection) neither blocks the dump nor shows in it."""
    with engine.connect() as writer:
        if writer.dialect.name == "sqlite":
            writer.exec_driver_sql("BEGIN IMMEDIATE")
        writer.execute(text("UPDATE instrument SET title_fr = 'en cours' WHERE slug = '2014-11-06-accord'"))
        answer: dict = {}
        worker = threading.Thread(target=lambda: answer.update(response=client.get("/api/export/registry.zip")))
        worker.start()
        worker.join(timeout=30)
        writer.rollback()
    assert not worker.is_alive() and answer["response"].status_code == 200
    with zipfile.ZipFile(io.BytesIO(answer["response"].content)) as archive:
        assert b"en cours" not in archive.read("data/instruments.csv")


def test_registry_export_writes_the_same_dump(engine, tmp_path):
    env = {"REGISTRY_DATABASE_URL": engine.url.render_as_string(hide_password=False),
           "REGISTRY_DATA_DIR": str(tmp_path / "var")}
    out = tmp_path / "out" / "registre.zip"
    result = CliRunner().invoke(main, ["export", "--out", str(out), "--base-url", "https://registre.example"], env=env,
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    folder = unpack(out.read_bytes(), tmp_path / "cli")
    assert frictionless.validate(str(folder / "datapackage.json")).valid
    assert json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))["homepage"] == "https://registre.example"
    assert {p.name for p in (folder / "data").iterdir()} == {f"{n}.{x}" for n in TABLES for x in ("csv", "json")}
    with Session(engine) as session:
        assert len(rows(folder, "instruments")) == len(exchange.export_data(session)["instruments"])
    assert not list(out.parent.glob("*.part"))
