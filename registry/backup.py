"""Backup and restore of the embedded SQLite database, with a manifest that proves the copy.

`take_backup` copies the database with SQLite's online backup API (consistent while the
server runs) into a self-contained file (rollback journal, no -wal beside it) and writes a
manifest beside it: sha256 and size of the file, the schema revision, the row count of every
table, the time. `check_snapshot` proves a snapshot against its manifest without writing
anything; `swap_in` puts a proven snapshot in place of the database: it refuses while any
connection has the database open, keeps the previous database aside under a dated name (never
deleted), and replaces the file in one rename, so the database is at every instant either the
old one or the new one.

PostgreSQL is out of scope here: pg_dump and pg_restore are the tools (README, "Backup and
restore"); a restore there also has to stop every instance, which one command cannot do."""

import hashlib
import json
import os
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

FORMAT = "registry-backup/1"
DATABASE_NAME = "registry.db"
CHUNK = 2**20


class SnapshotRefused(Exception):
    """The snapshot does not match its manifest, or the database cannot be swapped: one line."""


@dataclass(frozen=True)
class Manifest:
    path: Path
    database: Path
    sha256: str
    size: int
    schema_revision: str
    tables: dict[str, int]
    created_at: str

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def read_only(path: Path) -> sqlite3.Connection:
    """A connection that writes nothing, not even a -wal or -shm beside the file (close it:
    sqlite3's `with` commits, it does not close)."""
    return sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)


def table_counts(connection: sqlite3.Connection) -> dict[str, int]:
    names = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def schema_revision(connection: sqlite3.Connection) -> str:
    try:
        rows = [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")]
    except sqlite3.DatabaseError:
        return ""
    return ",".join(sorted(rows))


def take_backup(source: Path, out: Path, progress=None) -> Manifest:
    """Copy `source` into `out` and write `out` with .json beside it; returns the manifest."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(out)) as dst:
        src.backup(dst, pages=256, progress=progress)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file: what the checksum covers
    with closing(read_only(out)) as copy:
        tables, revision = table_counts(copy), schema_revision(copy)
    manifest = Manifest(path=out.with_suffix(".json"), database=out, sha256=file_sha256(out), size=out.stat().st_size,
                        schema_revision=revision, tables=tables,
                        created_at=datetime.now(UTC).isoformat(timespec="seconds"))
    manifest.path.write_text(json.dumps({
        "format": FORMAT, "created_at": manifest.created_at, "database": out.name, "sha256": manifest.sha256,
        "size": manifest.size, "schema_revision": revision, "tables": tables}, indent=1, sort_keys=True) + "\n")
    return manifest


def read_manifest(snapshot: Path) -> Manifest:
    """`snapshot`: the manifest (.json) or the database file beside it."""
    path = snapshot if snapshot.suffix == ".json" else snapshot.with_suffix(".json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SnapshotRefused(f"no manifest {path}: a snapshot is the .db file and the .json `registry backup` "
                              "writes beside it") from None
    except (ValueError, UnicodeDecodeError):
        raise SnapshotRefused(f"{path} is not a backup manifest (not JSON)") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SnapshotRefused(f"{path} is not a manifest of format {FORMAT}")
    try:
        return Manifest(path=path, database=path.parent / Path(str(data["database"])).name, sha256=str(data["sha256"]),
                        size=int(data["size"]), schema_revision=str(data["schema_revision"]),
                        tables={str(k): int(v) for k, v in dict(data["tables"]).items()},
                        created_at=str(data["created_at"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise SnapshotRefused(f"{path}: the manifest lacks or mistypes {exc}") from None


def check_snapshot(manifest: Manifest, known_revisions: set[str]) -> None:
    """Every check, reading only: the file's size and sha256, SQLite's integrity check, the row
    count of every table and the schema revision. The first difference refuses, named."""
    database = manifest.database
    if not database.is_file():
        raise SnapshotRefused(f"{database} is missing (named by {manifest.path.name})")
    if database.stat().st_size != manifest.size or file_sha256(database) != manifest.sha256:
        raise SnapshotRefused(f"{database.name} does not match its manifest: sha256 or size differs (a damaged or "
                              "altered copy)")
    try:
        with closing(read_only(database)) as copy:
            integrity = copy.execute("PRAGMA integrity_check").fetchone()[0]
            tables, revision = table_counts(copy), schema_revision(copy)
    except sqlite3.DatabaseError as exc:
        raise SnapshotRefused(f"{database.name} is not a readable SQLite database: {exc}") from None
    if integrity != "ok":
        raise SnapshotRefused(f"{database.name} fails SQLite's integrity check: {integrity}")
    if tables != manifest.tables:
        differing = sorted(name for name in tables.keys() | manifest.tables.keys()
                           if tables.get(name) != manifest.tables.get(name))
        raise SnapshotRefused(f"{database.name}: row counts differ from the manifest in {', '.join(differing)}")
    if revision != manifest.schema_revision:
        raise SnapshotRefused(f"{database.name}: schema revision {revision or 'none'} where the manifest says "
                              f"{manifest.schema_revision}")
    unknown = set(revision.split(",")) - known_revisions
    if unknown:
        raise SnapshotRefused(f"{database.name} has schema revision {revision}, unknown to this version of the "
                              "registry (restore it with the version that made it)")


def release_database(target: Path) -> None:
    """Fold the database's -wal into it and leave it one file, or refuse if anyone has it open
    (a running server keeps its connections open: stop it first)."""
    connection = sqlite3.connect(target, timeout=0.5, isolation_level=None)
    try:
        connection.execute("PRAGMA locking_mode=EXCLUSIVE")
        connection.execute("BEGIN EXCLUSIVE")
        connection.execute("COMMIT")
        connection.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.OperationalError as exc:
        raise SnapshotRefused(f"{target} is in use ({exc}): stop the server (registry run) before restoring") from None
    finally:
        connection.close()


def swap_in(manifest: Manifest, data_dir: Path) -> Path | None:
    """Put the proven snapshot in place of `data_dir`/registry.db; returns where the previous
    database was kept (None when there was none)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    target = data_dir / DATABASE_NAME
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    incoming = data_dir / f".{DATABASE_NAME}.restoring-{stamp}"
    shutil.copyfile(manifest.database, incoming)
    with incoming.open("rb") as handle:
        os.fsync(handle.fileno())
    if file_sha256(incoming) != manifest.sha256:
        incoming.unlink()  # our own partial copy, never a database of record
        raise SnapshotRefused(f"{manifest.database.name} changed while it was being copied: nothing restored")
    kept = None
    if target.exists():
        try:
            release_database(target)
        except SnapshotRefused:
            incoming.unlink()
            raise
        kept = data_dir / f"{DATABASE_NAME}.before-restore-{stamp}"
        os.link(target, kept)  # the previous database stays, under its new name
    os.replace(incoming, target)  # atomic: the database is the old one or the new one
    directory = os.open(data_dir, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return kept
