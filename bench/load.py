"""Load harness (issue 13, item 1): `registry run` under 8 to 512 concurrent connections.

    python bench/load.py [--quick] [--database sqlite|postgres] [--levels 8,32,128,512]
                         [--requests N] [--port 8100]

Starts `registry run` (granian, production settings, the shipped data) on 127.0.0.1 in a
throw-away data folder, then for each level sends a fixed number of GET requests spread over
the five routes below from that many concurrent connections, while a client in a process of
its own polls /health every 100 ms. Last, it loads the server at the highest level and sends SIGTERM.
Per level it prints requests, throughput, p50/p99, status counts, errors (anything but 2xx
and 503 with Retry-After), /health's worst latency and the time until every route answers
200 again. Exit status 1 when a target is missed:
  - 0 errors other than 503 with Retry-After,
  - /health answers 200 within 1 s throughout,
  - full recovery within 2 s after the load,
  - `registry run` exits within 10 s of SIGTERM under load, leaving no process behind (its
    LibreOffice included; any left is reported, then killed).
`--database postgres` makes a fresh database on the server named by REGISTRY_TEST_POSTGRES_URL
and drops it at the end."""

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_client import LevelResult, load_until, run_level  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PATHS = ["/", "/api/forms", "/api/instruments?country=RS", "/countries/RS", "/api/search?q=retraite"]
HEALTH_LIMIT, RECOVERY_LIMIT, SIGTERM_LIMIT = 1.0, 2.0, 10.0
START_TIMEOUT = 180.0


def server_environment(data_dir: Path, port: int, database_url: str) -> dict[str, str]:
    return {**os.environ, "REGISTRY_DATA_DIR": str(data_dir), "REGISTRY_HOST": "127.0.0.1",
            "REGISTRY_PORT": str(port), "REGISTRY_ENVIRONMENT": "production",
            "REGISTRY_SECRET_KEY": "load-harness-" + "k" * 40, "REGISTRY_DATABASE_URL": database_url,
            "REGISTRY_SEARCH_BACKEND": "postgres" if database_url else "whoosh"}


def start_server(data_dir: Path, port: int, database_url: str, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "ab")
    process = subprocess.Popen([sys.executable, "-m", "registry", "run"], cwd=ROOT, stdout=log,
                               stderr=subprocess.STDOUT, env=server_environment(data_dir, port, database_url),
                               start_new_session=True)
    log.close()
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"registry run exited ({process.returncode}): {log_path.read_text()[-2000:]}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                if response.status == 200:
                    return process
        time.sleep(0.3)
    stop_server(process)
    raise SystemExit(f"registry run did not answer /health within {START_TIMEOUT:.0f} s")


def leftover_processes(folder: Path) -> list[int]:
    """Processes still naming the harness's data folder (a LibreOffice its killed worker could not
    stop): a leak the harness reports, then ends."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(os.getpid()):
            with contextlib.suppress(OSError):
                if str(folder).encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
    return found


def stop_server(process: subprocess.Popen) -> float:
    """SIGTERM, then seconds until the server exited (SIGKILL to its group past the limit)."""
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=SIGTERM_LIMIT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return float("inf")
    finally:
        with contextlib.suppress(ProcessLookupError):  # unoserver and its LibreOffice, if left behind
            os.killpg(process.pid, signal.SIGKILL)
    return time.monotonic() - started


async def sigterm_under_load(process: subprocess.Popen, base: str, connections: int) -> float:
    stop = asyncio.Event()
    load = asyncio.create_task(load_until(base, PATHS, connections, stop))
    await asyncio.sleep(2.0)
    seconds = await asyncio.to_thread(stop_server, process)
    stop.set()
    await load
    return seconds


def report(result: LevelResult) -> str:
    statuses = " ".join(f"{status}:{count}" for status, count in sorted(result.statuses.items()))
    errors = ", ".join(f"{what} x{count}" for what, count in result.errors.most_common(4)) or "0"
    recovery = f"{result.recovery:.2f} s" if result.recovery is not None else f"> {RECOVERY_LIMIT:.0f} s"
    return (f"{result.connections:>4} conn  {result.requests:>6} req  {result.throughput:7.1f} req/s  "
            f"p50 {result.percentile(0.5) * 1000:7.1f} ms  p99 {result.percentile(0.99) * 1000:7.1f} ms  "
            f"[{statuses}]  errors {errors}  /health p50 {result.percentile(0.5, result.health_latencies) * 1000:.0f} ms, "
            f"worst {result.health_worst * 1000:.0f} ms of {len(result.health_latencies)}"
            f"{f' ({result.health_failures} failed)' if result.health_failures else ''}  recovery {recovery}")


def missed_targets(result: LevelResult) -> list[str]:
    missed = []
    if result.errors:
        missed.append(f"{sum(result.errors.values())} errors at {result.connections} connections")
    if result.health_worst > HEALTH_LIMIT or result.health_failures:
        missed.append(f"/health {result.health_worst:.2f} s worst, {result.health_failures} failed, "
                      f"at {result.connections} connections")
    if result.recovery is None or result.recovery > RECOVERY_LIMIT:
        missed.append(f"no recovery within {RECOVERY_LIMIT:.0f} s after {result.connections} connections")
    return missed


async def measure(process: subprocess.Popen, base: str, levels: list[int], requests: int) -> list[str]:
    missed = []
    for connections in levels:
        result = await run_level(base, PATHS, connections, requests, RECOVERY_LIMIT)
        print(report(result), flush=True)
        missed += missed_targets(result)
    seconds = await sigterm_under_load(process, base, max(levels))
    print(f"SIGTERM under {max(levels)} connections: exited in {seconds:.2f} s", flush=True)
    if seconds > SIGTERM_LIMIT:
        missed.append(f"registry run did not exit within {SIGTERM_LIMIT:.0f} s of SIGTERM")
    return missed


@contextlib.contextmanager
def database(kind: str):
    """'' for SQLite in the data folder, or the URL of a fresh PostgreSQL database, dropped after."""
    if kind == "sqlite":
        yield ""
        return
    import psycopg
    from sqlalchemy.engine import make_url

    server = os.environ.get("REGISTRY_TEST_POSTGRES_URL")
    if not server:
        raise SystemExit("--database postgres needs REGISTRY_TEST_POSTGRES_URL (a PostgreSQL server)")
    url = make_url(server)
    name = f"registry_load_{os.getpid()}"
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="32 and 512 connections, 600 requests each (CI)")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--levels", help="comma-separated connection counts (default 8,32,128,512)")
    parser.add_argument("--requests", type=int, help="requests per level (default 3000; 600 with --quick)")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--server-log", type=Path, help="keep a copy of the server's log there")
    args = parser.parse_args()
    levels = [int(n) for n in (args.levels or ("32,512" if args.quick else "8,32,128,512")).split(",")]
    requests = args.requests or (600 if args.quick else 3000)
    print(f"load: {args.database}, levels {levels}, {requests} requests each over {len(PATHS)} routes; "
          f"load average {os.getloadavg()[0]:.2f} (2-core shared machine: figures are noisy)", flush=True)
    with tempfile.TemporaryDirectory(prefix="registry-load-") as folder, database(args.database) as url:
        log_path = Path(folder) / "server.log"
        process = start_server(Path(folder) / "var", args.port, url, log_path)
        missed: list[str] = []
        try:
            missed = asyncio.run(measure(process, f"http://127.0.0.1:{args.port}", levels, requests))
        finally:
            if process.poll() is None:
                stop_server(process)
        leftovers = leftover_processes(Path(folder))
        for pid in leftovers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if leftovers:
            missed.append(f"registry run left {len(leftovers)} process(es) running after it stopped (killed)")
        print(f"load average after: {os.getloadavg()[0]:.2f}; server log: {log_lines(log_path)} lines")
        if args.server_log and log_path.exists():
            args.server_log.write_bytes(log_path.read_bytes())
    for line in missed:
        print("MISSED:", line)
    return 1 if missed else 0


def log_lines(path: Path) -> int:
    return len(path.read_text(errors="replace").splitlines()) if path.exists() else 0


if __name__ == "__main__":
    sys.exit(main())
