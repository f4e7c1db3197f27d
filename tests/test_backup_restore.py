"""`registry backup` and `registry restore` on the embedded SQLite database (issue 13, item 8):
a backup restored into a fresh folder holds every row of every table and answers searches as
the original did; a snapshot that does not match its manifest changes nothing."""

import json
import shutil
import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import Session

from registry import migrate
from registry.cli import main
from registry.db import make_engine
from registry.settings import Settings
from search import make_backend
from tests.factories import create_instrument, held_with_minutes
from tests.search_helpers import STAFF, keys

HEAD = max(migrate.known_revisions())  # revisions are numbered 0001, 0002…: the last is the head

QUERIES = ("retraite", "Rasprava", "teletreball", "Serbie", "formulaire validé", "pensions gabonaises",
           "Protocole sauvegardé")


def invoke(data_dir: Path, *args: str):
    env = {"REGISTRY_DATA_DIR": str(data_dir), "REGISTRY_DATABASE_URL": "", "REGISTRY_SECRET_KEY": "s" * 32}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def rows_of_every_table(path: Path) -> dict[str, list]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                          "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {name: db.execute(f'SELECT * FROM "{name}" ORDER BY 1').fetchall() for name in names}


def hits(data_dir: Path) -> dict[str, list[str]]:
    """What the data folder's index answers, staff audience included."""
    settings = Settings(data_dir=data_dir)
    engine = make_engine(settings.resolved_database_url)
    try:
        backend = make_backend(settings.search_backend, settings.index_dir, engine)
        return {q: sorted(keys(backend, q, visibility=STAFF, per_page=200)) for q in QUERIES}
    finally:
        engine.dispose()


@pytest.fixture
def registry_folder(tmp_path, seeded_sqlite_file) -> Path:
    """A data folder with the shipped data, some edits and a search index, as a running registry has."""
    folder = tmp_path / "original"
    folder.mkdir()
    shutil.copyfile(seeded_sqlite_file, folder / "registry.db")
    engine = make_engine(f"sqlite:///{folder / 'registry.db'}")
    with Session(engine, expire_on_commit=False) as db:
        create_instrument(db, slug="protocole-sauvegarde", title_fr="Protocole sauvegardé")
        held_with_minutes(db)
    engine.dispose()
    assert invoke(folder, "search", "reindex").exit_code == 0
    return folder


def backup(folder: Path) -> Path:
    result = invoke(folder, "backup")
    assert result.exit_code == 0, result.output
    (manifest,) = (folder / "backups").glob("*.json")
    return manifest


def test_backup_writes_a_manifest_of_the_copy(registry_folder):
    manifest = backup(registry_folder)
    data = json.loads(manifest.read_text())
    copy = manifest.with_suffix(".db")
    assert data["format"] == "registry-backup/1" and data["database"] == copy.name
    assert data["size"] == copy.stat().st_size and len(data["sha256"]) == 64
    assert data["schema_revision"] == HEAD and data["created_at"].endswith("+00:00")
    assert data["tables"] == {name: len(rows) for name, rows in rows_of_every_table(copy).items()}
    assert data["tables"]["instrument"] == 152 and data["tables"]["meeting"] > 8
    assert not copy.with_name(copy.name + "-wal").exists()  # one self-contained file


def test_restore_into_a_fresh_folder_gives_every_row_and_the_same_search_hits(registry_folder, tmp_path):
    manifest = backup(registry_folder)
    fresh = tmp_path / "fresh"
    result = invoke(fresh, "restore", str(manifest))
    assert result.exit_code == 0, result.output
    assert f"Restored {manifest.with_suffix('.db').name}" in result.output and "There was no database before" in result.output
    assert "Search index built" in result.output
    assert rows_of_every_table(fresh / "registry.db") == rows_of_every_table(registry_folder / "registry.db")
    before, after = hits(registry_folder), hits(fresh)
    assert after == before and all(before[q] for q in ("retraite", "Rasprava", "Protocole sauvegardé"))


def test_restore_over_a_database_keeps_it_aside_and_the_index_follows(registry_folder):
    manifest = backup(registry_folder)
    engine = make_engine(f"sqlite:///{registry_folder / 'registry.db'}")
    with Session(engine, expire_on_commit=False) as db:
        posterior = create_instrument(db, slug="protocole-posterieur", title_fr="Protocole postérieur",
                                      signed_on=date(2025, 2, 3), in_force_on=date(2025, 6, 1))
    engine.dispose()
    assert invoke(registry_folder, "search", "reindex").exit_code == 0
    assert f"instrument:{posterior.id}" in hits_for(registry_folder, "postérieur")
    later = rows_of_every_table(registry_folder / "registry.db")
    result = invoke(registry_folder, "restore", str(manifest.with_suffix(".db")))
    assert result.exit_code == 0, result.output
    (kept,) = registry_folder.glob("registry.db.before-restore-*")
    assert f"Previous database kept as {kept}" in result.output
    assert rows_of_every_table(kept) == later  # the previous database, whole
    assert rows_of_every_table(registry_folder / "registry.db") == rows_of_every_table(manifest.with_suffix(".db"))
    # the index forgot what the database lost, and still finds what it holds
    assert f"instrument:{posterior.id}" not in hits_for(registry_folder, "postérieur")
    assert hits_for(registry_folder, "sauvegardé")


def hits_for(folder: Path, query: str) -> list[str]:
    settings = Settings(data_dir=folder)
    engine = make_engine(settings.resolved_database_url)
    try:
        return keys(make_backend(settings.search_backend, settings.index_dir, engine), query, per_page=50)
    finally:
        engine.dispose()


def tamper_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def change_manifest(manifest: Path, **changes) -> None:
    data = json.loads(manifest.read_text())
    for key, value in changes.items():
        if key == "table":
            data["tables"][value] += 1
        else:
            data[key] = value
    manifest.write_text(json.dumps(data))


@pytest.mark.parametrize("damage,reason", [
    ("byte", "does not match its manifest: sha256 or size differs"),
    ("count", "row counts differ from the manifest in meeting"),
    ("revision", f"schema revision {HEAD} where the manifest says 0007"),
    ("format", "is not a manifest of format registry-backup/1"),
    ("missing", "is missing"),
    ("unknown revision", "unknown to this version of the registry"),
])
def test_a_snapshot_that_does_not_match_its_manifest_changes_nothing(damage, reason, registry_folder):
    manifest = backup(registry_folder)
    copy = manifest.with_suffix(".db")
    if damage == "byte":
        tamper_byte(copy)
    elif damage == "count":
        change_manifest(manifest, table="meeting")
    elif damage == "revision":
        change_manifest(manifest, schema_revision="0007")
    elif damage == "format":
        change_manifest(manifest, format="something-else/9")
    elif damage == "missing":
        copy.unlink()
    else:  # a snapshot made by a later version of the registry
        with closing(sqlite3.connect(copy)) as db, db:
            db.execute("UPDATE alembic_version SET version_num = '0099'")
        change_manifest(manifest, schema_revision="0099", sha256=_sha(copy), size=copy.stat().st_size)
    database = registry_folder / "registry.db"
    before = database.read_bytes()
    result = invoke(registry_folder, "restore", str(manifest))
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith("Error: restore refused, nothing changed: ") and reason in line, line
    assert database.read_bytes() == before
    assert list(registry_folder.glob("registry.db.before-restore-*")) == []
    assert list(registry_folder.glob(".registry.db.restoring-*")) == []


def _sha(path: Path) -> str:
    from registry.backup import file_sha256

    return file_sha256(path)


def test_restore_refuses_while_the_database_is_open(registry_folder):
    manifest = backup(registry_folder)
    database = registry_folder / "registry.db"
    server = sqlite3.connect(database)  # what a running registry holds: an open connection
    server.execute("PRAGMA journal_mode=WAL")
    server.execute("SELECT count(*) FROM instrument").fetchone()
    try:
        result = invoke(registry_folder, "restore", str(manifest))
    finally:
        server.close()
    assert result.exit_code == 1 and "is in use" in result.output and "stop the server" in result.output
    assert list(registry_folder.glob("registry.db.before-restore-*")) == []
    assert list(registry_folder.glob(".registry.db.restoring-*")) == []


def test_postgresql_is_named_as_out_of_scope(tmp_path):
    env = {"REGISTRY_DATA_DIR": str(tmp_path), "REGISTRY_DATABASE_URL": "postgresql+psycopg://u@/db?host=/nowhere"}
    for command in (["backup"], ["restore", str(tmp_path / "x.json")]):
        result = CliRunner().invoke(main, command, env=env)
        assert result.exit_code == 1 and "pg_dump and pg_restore" in result.output
