"""Search against bare tantivy, on this machine, in this run (issue 14, item 8).

    python bench/bench_search.py [--quick] [--sizes 10000,100000] [--backends tantivy,whoosh,postgres]
                                 [--whoosh-max 10000] [--no-http]

For each size of the synthetic French corpus (bench/search_corpus.py) and each backend: the
build time and the p50/p95 of the project's query function (search.service.search: parsing,
thesaurus, visibility, filters, facets when asked, snippets, typo retries) over 50 mixed
queries, beside bare tantivy doing the same work on the same corpus (query parser, filters,
aggregations when asked, snippets). Targets: project on tantivy <= 3x bare tantivy (p95), and
build <= 2x bare. At the largest size, `/api/search` over HTTP (granian, 127.0.0.1, one worker)
p50/p95 beside `/health`'s. Then the relevance of the judged queries over the shipped content
(tests/search_judgements.toml): MRR@10 and recall@10 per backend (target >= 0.85).

PostgreSQL runs when REGISTRY_TEST_POSTGRES_URL names a server (a database is made and dropped).
whoosh is slow to build (minutes at 100,000 documents): it runs up to --whoosh-max documents.
--quick: 2,000 documents, fewer repetitions (CI). Figures vary with the machine's load: compare
the ratios."""

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.search_corpus import BareTantivy, Corpus, queries  # noqa: E402
from search import SearchQuery, SearchUnavailable, Visibility  # noqa: E402
from search.service import search  # noqa: E402

PORTS = range(8400, 8500)
STAFF = Visibility(("public", "staff"))


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def timed(function, asked, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        for item in asked:
            started = time.perf_counter()
            function(item)
            times.append(time.perf_counter() - started)
    return times


def timed_pair(first, second, asked, repeat: int, clock) -> tuple[list[float], list[float]]:
    """Both functions on each query in turn, so that the machine's load weighs on both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for item in asked:
            for function, into in ((first, times[0]), (second, times[1])):
                started = clock()
                function(item)
                into.append(clock() - started)
    return times


def clock_for(name: str):
    """CPU time of this process for the embedded engines (the machine's other load then weighs
    little); wall time for PostgreSQL, whose work is in the server."""
    return time.perf_counter if name == "postgres" else time.process_time


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


# --- backends ------------------------------------------------------------------------------------------

class PostgresDatabase:
    """A database of its own on the server REGISTRY_TEST_POSTGRES_URL names, dropped at the end."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine, make_url, text

        self.admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        self.name = f"bench_search_{uuid.uuid4().hex[:8]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.engine = create_engine(make_url(url).set(database=self.name))

    def close(self) -> None:
        from sqlalchemy import text

        self.engine.dispose()
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


def make_backend(name: str, folder: Path, resources: list):
    if name == "tantivy":
        from search.tantivy_backend import TantivyBackend

        return TantivyBackend(folder / "tantivy")
    if name == "whoosh":
        from search.whoosh_backend import WhooshBackend

        return WhooshBackend(folder / "whoosh")
    from search.postgres_backend import PostgresBackend

    database = PostgresDatabase(os.environ["REGISTRY_TEST_POSTGRES_URL"])
    resources.append(database)
    return PostgresBackend(database.engine)


def best_build(make, documents: list, rounds: int) -> tuple[dict, object]:
    """({clock: the shortest build time over `rounds` fresh indexes}, the last index), in CPU
    and wall time: the machine's load only ever adds time."""
    best, built = {time.process_time: float("inf"), time.perf_counter: float("inf")}, None
    for number in range(rounds):
        built = make(number)
        if hasattr(built, "ensure"):
            built.ensure()
        started = {clock: clock() for clock in best}
        (built.rebuild_aside if hasattr(built, "rebuild_aside") else built.build)(documents)
        best = {clock: min(value, clock() - started[clock]) for clock, value in best.items()}
    return best, built


def project_query(backend, stopped: list):
    """The project's query function; a query stopped by its time budget (503 in the app) is
    counted in `stopped` and timed as it ran."""
    def run(asked) -> None:
        try:
            search(backend, SearchQuery(asked.text, STAFF, asked.filters, facets=asked.facets))
        except SearchUnavailable:
            stopped.append(asked.text)
    return run


# --- one size --------------------------------------------------------------------------------------------

def bench_size(size: int, backends: list[str], args, folder: Path) -> dict:
    documents = list(Corpus(size).documents())  # made once: generating them is not timed
    asked = queries(Corpus(size))
    repeat = 2 if args.quick else 5
    print(f"\n== {size:,} documents, {len(asked)} queries x {repeat} (bare and project in turn on each query)")
    rounds = 1 if args.quick else 2
    bare_builds, bare = best_build(lambda n: BareTantivy(folder / f"bare-{size}-{n}"), documents, rounds)
    print(f"  {'bare tantivy':<16} build {bare_builds[time.process_time]:7.1f} s CPU, "
          f"{bare_builds[time.perf_counter]:.1f} s wall (best of {rounds})")
    figures = {}
    resources: list = []
    try:
        for name in backends:
            if name == "whoosh" and size > args.whoosh_max:
                print(f"  {'whoosh':<16} not run at this size (--whoosh-max {args.whoosh_max}: its build takes minutes)")
                continue
            builds, backend = best_build(lambda n: make_backend(name, folder / f"{name}-{size}-{n}", resources),
                                         documents, rounds if name == "tantivy" else 1)
            clock = clock_for(name)
            build, bare_build = builds[clock], bare_builds[clock]
            stopped: list = []
            bare_times, times = timed_pair(bare.query, project_query(backend, stopped), asked, repeat, clock)
            (bare_p50, bare_p95), (p50, p95) = percentiles(bare_times), percentiles(times)
            figures[name] = (build / bare_build, p95 / bare_p95)
            kind = "wall" if clock is time.perf_counter else "CPU"
            print(f"  {name:<16} ({kind}) build {build:7.1f} s   p50 {ms(p50)}   p95 {ms(p95)}   bare tantivy beside it: "
                  f"build {bare_build:.1f} s   p50 {ms(bare_p50)}   p95 {ms(bare_p95)}")
            print(f"  {'':<16} ratios to bare tantivy: build {build / bare_build:5.2f}x, p50 {p50 / bare_p50:6.2f}x, "
                  f"p95 {p95 / bare_p95:6.2f}x")
            if stopped:
                print(f"  {'':<16} {len(stopped)} of {len(times)} queries stopped by the 2 s budget (503), "
                      f"e.g. {stopped[0]!r}")
    finally:
        for resource in resources:
            resource.close()
    if "tantivy" in figures:
        build, p95 = figures["tantivy"]
        print(f"  targets on tantivy: p95 {p95:.2f}x (<= 3: {'met' if p95 <= 3 else 'NOT met'}),"
              f" build {build:.2f}x (<= 2: {'met' if build <= 2 else 'NOT met'})")
    return figures


# --- over HTTP -------------------------------------------------------------------------------------------

def free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 8400-8499")


def prepared_data_dir(size: int, folder: Path) -> Path:
    """A data folder with the shipped database and a tantivy index of the synthetic corpus."""
    from sqlmodel import Session

    from registry import migrate
    from registry.composition import seed
    from registry.db import make_engine
    from search.tantivy_backend import TantivyBackend

    data_dir = folder / "http-var"
    data_dir.mkdir()
    engine = make_engine(f"sqlite:///{data_dir / 'registry.db'}")
    migrate.upgrade(engine)
    with Session(engine) as session:
        seed(session)
        session.commit()
    engine.dispose()
    backend = TantivyBackend(data_dir / "index" / "tantivy")
    backend.ensure()
    backend.rebuild_aside(Corpus(size).documents())
    return data_dir


def bench_http(size: int, args, folder: Path) -> None:
    import httpx

    data_dir = prepared_data_dir(size, folder)
    port = free_port()
    env = {**os.environ, "REGISTRY_DATA_DIR": str(data_dir), "REGISTRY_PORT": str(port),
           "REGISTRY_SEARCH_BACKEND": "tantivy", "REGISTRY_SECRET_KEY": "b" * 32, "REGISTRY_ENVIRONMENT": "production"}
    server = subprocess.Popen([sys.executable, "-m", "registry", "run", "--no-prepare"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=30) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not start")
                time.sleep(0.3)
            asked = queries(Corpus(size))
            repeat = 2 if args.quick else 4

            def api(item) -> None:
                params = {"q": item.text, "country": item.filters.country, "kind": item.filters.kind}
                if item.filters.years != (None, None):
                    params.update(since=item.filters.years[0], until=item.filters.years[1])
                response = client.get("/api/search", params={k: v for k, v in params.items() if v})
                assert response.status_code == 200, (response.status_code, response.text[:200])

            timed(api, asked[:5], 1)  # warm-up
            api_p50, api_p95 = percentiles(timed(api, asked, repeat))
            health_p50, health_p95 = percentiles(timed(lambda _: client.get("/health"), asked, repeat))
        print(f"\n== HTTP at {size:,} documents (granian, one worker, 127.0.0.1:{port}, sequential)")
        print(f"  /api/search   p50 {ms(api_p50)}   p95 {ms(api_p95)}   (facets always on)")
        print(f"  /health       p50 {ms(health_p50)}   p95 {ms(health_p95)}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# --- relevance -------------------------------------------------------------------------------------------

def bench_relevance(backends: list[str], folder: Path) -> None:
    from sqlmodel import Session

    from registry import migrate
    from registry.composition import reindex, seed
    from registry.db import make_engine
    from tests.relevance import evaluate, judgements

    print(f"\n== relevance: {len(judgements())} judged queries over the shipped content (target MRR@10 >= 0.85)")
    for name in backends:
        resources: list = []
        try:
            backend = make_backend(name, folder / f"relevance-{name}", resources)
            engine = resources[0].engine if resources else make_engine(f"sqlite:///{folder / f'rel-{name}.db'}")
            migrate.upgrade(engine)
            with Session(engine) as session:
                seed(session)
                session.commit()
                backend.ensure()
                reindex(session, backend)
            mrr, recall, _ = evaluate(backend)
            print(f"  {name:<10} MRR@10 {mrr:.3f}   recall@10 {recall:.3f}")
            if not resources:
                engine.dispose()
        finally:
            for resource in resources:
                resource.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 documents, fewer repetitions (CI)")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--backends", default="tantivy,whoosh,postgres")
    parser.add_argument("--whoosh-max", type=int, default=10_000)
    parser.add_argument("--no-http", action="store_true")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stopped: still drop the database and folders
    sizes = [2000] if args.quick else [int(s) for s in args.sizes.split(",")]
    backends = [b for b in args.backends.split(",") if b != "postgres" or os.environ.get("REGISTRY_TEST_POSTGRES_URL")]
    if "postgres" in args.backends and "postgres" not in backends:
        print("postgres: not run (REGISTRY_TEST_POSTGRES_URL is not set)")
    folder = Path(tempfile.mkdtemp(prefix="bench-search-"))
    try:
        for size in sizes:
            bench_size(size, backends, args, folder)
        if not args.no_http:
            bench_http(max(sizes), args, folder)
        bench_relevance(backends, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
