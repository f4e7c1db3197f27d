"""SIGKILL the registry during writes of every kind, N times. After each restart, every
acknowledged write must be in the database (0 lost) and the search index must hold exactly the
documents the database makes (0 index misses, 0 ghosts).

    python bench/crash_test.py [--kills 100] [--fault-percent 10] [--port 8650] [--seed 1] [--max-minutes 90]
    make crash-test N=20

A kill comes either from outside, at a random moment of a round (whatever the server is doing),
or from the fault point REGISTRY_FAULT_KILL_BEFORE_INDEX (registry/faults.py): after P percent
of the commits that change something search shows, the server kills itself between the commit
and the index write, the window issue 13 found unsafe. Both SIGKILL the server's whole process
group. Writes of every kind go through the HTTP API (bench/crash_writes.py). The server listens
on 127.0.0.1 only, on a temporary data folder removed at the end (--keep keeps it).

"In search" is checked exhaustively: the stored documents of the index, read from its folder,
against the documents the project's own providers make from the database now
(registry.composition.all_search_documents). The index is the default backend's (tantivy), or
whoosh's with REGISTRY_SEARCH_BACKEND=whoosh in the environment."""

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from crash_writes import ServerGone, Writer  # noqa: E402
import tantivy  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from registry.db import make_engine  # noqa: E402
from tests.documents import docx_bytes  # noqa: E402
from tests.live_server import RegistryProcess, create_account, registry_env  # noqa: E402

FIELDS = ("kind", "title", "body", "url", "country", "audience", "year")


@dataclass
class Report:
    kills_outside: int = 0
    kills_fault: int = 0
    rounds_without_answer: int = 0  # rounds whose last write got no answer
    unindexed_at_kill: int = 0  # kills that left committed changes not yet in the index
    checks_run: int = 0
    lost: set[str] = field(default_factory=set)
    misses: set[str] = field(default_factory=set)
    ghosts: set[str] = field(default_factory=set)
    pending_after_restart: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def kills(self) -> int:
        return self.kills_outside + self.kills_fault


def main() -> int:
    options = parse_arguments()
    rng = random.Random(options.seed)
    folder = Path(tempfile.mkdtemp(prefix="registry-crash-"))
    data_dir = folder / "var"
    server = RegistryProcess(data_dir, options.port, folder / "server.log",
                             {"REGISTRY_FAULT_KILL_BEFORE_INDEX": str(options.fault_percent)})
    report, started = Report(), time.monotonic()
    print(f"crash test: {options.kills} kills, fault point at {options.fault_percent}% of indexed commits, "
          f"seed {options.seed}, data in {folder}", flush=True)
    try:
        server.start()
        writer = Writer(server.url, admin_token(data_dir), rng, lambda words: docx_bytes(words))
        try:
            while report.kills < options.kills and time.monotonic() - started < options.max_minutes * 60:
                try:
                    one_round(server, writer, rng, report)
                    check(server, writer, report)
                except (AssertionError, RuntimeError) as exc:  # a 5xx, or a server that would not start
                    report.errors.append(str(exc)[:2000])
                    break
                print(f"  kill {report.kills}: {sum(writer.counts.values())} writes acknowledged, "
                      f"lost {len(report.lost)}, index misses {len(report.misses)}, ghosts {len(report.ghosts)}",
                      flush=True)
        finally:
            writer.close()
    finally:
        server.kill()
    print_report(report, writer, time.monotonic() - started, options)
    if not options.keep:
        shutil.rmtree(folder, ignore_errors=True)
    failed = report.lost or report.misses or report.ghosts or report.errors or report.kills < options.kills
    return 1 if failed else 0


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--fault-percent", type=int, default=10,
                        help="percent of indexed commits after which the server kills itself (0: outside kills only)")
    parser.add_argument("--port", type=int, default=8650)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-minutes", type=float, default=90.0, help="stop (and fail) after this long")
    parser.add_argument("--keep", action="store_true", help="keep the data folder and server log")
    return parser.parse_args()


def admin_token(data_dir: Path) -> str:
    create_account(data_dir, "crash-admin", "admin", "a long enough password")
    result = subprocess.run([sys.executable, "-m", "registry", "tokens", "create", "crash", "--user", "crash-admin",
                             "--role", "admin"], env=registry_env(data_dir), capture_output=True, text=True,
                            timeout=60, check=True)
    return result.stdout.strip().splitlines()[0]


def one_round(server: RegistryProcess, writer: Writer, rng: random.Random, report: Report) -> None:
    """Write until the server dies: killed from outside at a random moment, or by its fault point."""
    killed = threading.Event()

    def kill_from_outside() -> None:
        killed.set()
        server.kill()

    timer = threading.Timer(rng.uniform(0.5, 5.0), kill_from_outside)
    timer.start()
    try:
        while True:
            try:
                writer.write_one()
            except ServerGone:
                report.rounds_without_answer += 1
                break
    finally:
        timer.cancel()
        timer.join()
    if killed.is_set():
        report.kills_outside += 1
    else:
        assert server.wait_dead(30), "a write got no answer but the server is alive"
        report.kills_fault += 1
    server.kill()


def check(server: RegistryProcess, writer: Writer, report: Report) -> None:
    engine = make_engine(f"sqlite:///{server.data_dir / 'registry.db'}")
    try:
        with engine.connect() as conn:
            if pending(conn):
                report.unindexed_at_kill += 1
        server.start()  # drains the outbox before it answers
        with engine.connect() as conn:
            report.lost |= set(writer.ledger.lost(conn))
            report.checks_run += writer.ledger.count()
            report.pending_after_restart += pending(conn)
        expected, indexed = derived_documents(engine), indexed_documents(server.data_dir / "index")
    finally:
        engine.dispose()
    report.misses |= {key for key, doc in expected.items() if indexed.get(key) != doc}
    report.ghosts |= set(indexed) - set(expected)


def pending(conn) -> int:
    return conn.execute(text("SELECT count(*) FROM search_outbox WHERE done_at IS NULL")).scalar()


def derived_documents(engine) -> dict[str, tuple]:
    from registry.composition import all_search_documents

    with Session(engine) as session:
        return {doc.key: tuple(getattr(doc, name) for name in FIELDS) for doc in all_search_documents(session)}


def indexed_documents(index_dir: Path) -> dict[str, tuple]:
    """Every stored document of the index in `index_dir`: tantivy's (the default) or whoosh's."""
    defaults = {"country": "", "year": None, "body": ""}
    if (index_dir / "tantivy").exists():
        from search.tantivy_backend import TantivyBackend

        index = TantivyBackend(index_dir / "tantivy")._ix()
        index.reload()
        searcher = index.searcher()
        found = searcher.search(tantivy.Query.all_query(), limit=max(searcher.num_docs, 1)).hits
        stored = [{name: searcher.doc(address).get_first(name) for name in ("key", *FIELDS)} for _score, address in found]
    else:
        from whoosh import index as whoosh_index

        with whoosh_index.open_dir(str(index_dir)).searcher() as searcher:
            stored = list(searcher.documents())
    return {doc["key"]: tuple(defaults.get(name) if doc.get(name) is None else doc[name] for name in FIELDS)
            for doc in stored}


def print_report(report: Report, writer: Writer, seconds: float, options) -> None:
    print(f"\ncrash test over {seconds / 60:.1f} min (seed {options.seed}):")
    print(f"  kills:                {report.kills} ({report.kills_outside} from outside at random moments, "
          f"{report.kills_fault} at the fault point between commit and index write)")
    print(f"  kills that left committed changes not yet indexed: {report.unindexed_at_kill}")
    print(f"  writes acknowledged:  {sum(writer.counts.values())} "
          f"({', '.join(f'{kind} {n}' for kind, n in sorted(writer.counts.items()))})")
    print(f"  writes refused (4xx): {sum(writer.refused.values())} "
          f"({', '.join(f'{kind} {n}' for kind, n in sorted(writer.refused.items())) or 'none'})")
    print(f"  writes checked:       {writer.ledger.count()} acknowledged writes, re-checked after every restart "
          f"({report.checks_run} checks)")
    print(f"  lost:                 {len(report.lost)}" + "".join(f"\n    {line}" for line in sorted(report.lost)))
    print(f"  index misses:         {len(report.misses)}" + "".join(f"\n    {key}" for key in sorted(report.misses)))
    print(f"  index ghosts:         {len(report.ghosts)}" + "".join(f"\n    {key}" for key in sorted(report.ghosts)))
    print(f"  outbox rows pending after restarts: {report.pending_after_restart}")
    for error in report.errors:
        print(f"  ERROR: {error}")
    if report.kills < options.kills and not report.errors:
        print(f"  STOPPED at the time limit ({options.max_minutes} min) after {report.kills} of {options.kills} kills")


if __name__ == "__main__":
    sys.exit(main())
