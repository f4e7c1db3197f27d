"""The catalog's read endpoints over HTTP against bare Litestar, on this machine, in this run.

    python bench/bench_catalog.py [--quick] [--connections 32] [--port 8700]

Starts `registry run` (granian, one worker, SQLite, the shipped data) and a bare Litestar app
served by granian the same way (bench/bare_litestar.py), which answers the registry's own
response bodies, fetched once, from memory. Both are loaded with the same client at the same
number of keep-alive connections, one after the other, and the script prints requests/s and the
ratio registry / bare for:

  GET /api/forms                    (target >= 0.5 of bare Litestar, issue 16)
  GET /api/instruments?country=RS
  GET /                             (the home page, HTML)

The client is wrk (Debian package `wrk`) when installed, else a small asyncio client in this
script, which costs more CPU on the same two cores and so flatters neither side: both are
measured with it. Figures vary with the machine's load; compare the ratios."""

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENDPOINTS = [  # (registry path, bare path, target ratio or None)
    ("/api/forms", "/forms", 0.5),
    ("/api/instruments?country=RS", "/instruments", None),
    ("/", "/home", None),
]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"no answer from {url} within {timeout} s")


def start(command: list[str], env: dict, log: Path, cwd: Path = ROOT) -> subprocess.Popen:
    return subprocess.Popen(command, env=env, cwd=cwd, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def registry_server(data_dir: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "REGISTRY_DATA_DIR": str(data_dir), "REGISTRY_HOST": "127.0.0.1", "REGISTRY_PORT": str(port),
           "REGISTRY_ENVIRONMENT": "production", "REGISTRY_SECRET_KEY": "b" * 40, "REGISTRY_DATABASE_URL": "",
           "REGISTRY_WORKERS": "1", "REGISTRY_UNOSERVER": str(data_dir / "no-libreoffice"),  # no PDF: nothing warms up
           "REGISTRY_RENDER_WORKERS": "1"}
    return start([sys.executable, "-m", "registry", "run"], env, data_dir.parent / "registry.log")


def bare_server(payloads: Path, port: int) -> subprocess.Popen:
    code = ("from granian import Granian; Granian('bare_litestar:app', address='127.0.0.1', port=%d, interface='asgi', "
            "factory=True, workers=1).serve()" % port)
    env = {**os.environ, "BENCH_PAYLOADS": str(payloads)}
    return start([sys.executable, "-c", code], env, payloads.parent / "bare.log", cwd=ROOT / "bench")


def fetch(url: str) -> tuple[str, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.headers.get_content_type(), response.read().decode()


# --- load clients -----------------------------------------------------------------------------

def with_wrk(url: str, connections: int, seconds: float) -> float:
    result = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds:.0f}s", url], capture_output=True,
                            text=True, check=True)
    if "Non-2xx" in result.stdout:
        raise RuntimeError(f"{url}: answers other than 2xx under load:\n{result.stdout}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))
    timeouts = re.search(r"timeout (\d+)", result.stdout)
    if rate == 0 or timeouts:
        answered = re.search(r"(\d+) requests in", result.stdout).group(1)
        unanswered = timeouts.group(1) if timeouts else "0"
        print(f"    {url}: {answered} answers, {unanswered} requests without an answer within wrk's 2 s")
    return rate


async def _connection(host: str, port: int, request: bytes, until: float, counts: list[int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.monotonic() < until:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(head.split(b"\r\n")[0].decode())
            length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))
            await reader.readexactly(length)
            counts[0] += 1
    finally:
        writer.close()


def with_asyncio(url: str, connections: int, seconds: float) -> float:
    match = re.match(r"http://([^:/]+):(\d+)(/.*)", url)
    host, port, path = match.group(1), int(match.group(2)), match.group(3)
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    counts = [0]

    async def run() -> float:
        started = time.monotonic()
        await asyncio.gather(*(_connection(host, port, request, started + seconds, counts) for _ in range(connections)))
        return time.monotonic() - started

    elapsed = asyncio.run(run())
    return counts[0] / elapsed


def load(url: str, connections: int, seconds: float) -> float:
    client = with_wrk if shutil.which("wrk") else with_asyncio
    client(url, connections, min(2.0, seconds))  # warm-up: connections, caches, the JIT-less interpreter's dicts
    return client(url, connections, seconds)


# --- main -------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 s per measure instead of 10 s")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--port", type=int, default=8700, help="registry on PORT, bare Litestar on PORT+1")
    args = parser.parse_args()
    seconds = 3.0 if args.quick else 10.0
    client = "wrk" if shutil.which("wrk") else "asyncio client (wrk not installed)"
    print(f"catalog over HTTP: granian, 1 worker each, {args.connections} connections, {seconds:.0f} s per measure, "
          f"client {client}")
    with tempfile.TemporaryDirectory(prefix="bench-catalog-") as tmp:
        data_dir = Path(tmp) / "var"
        registry = registry_server(data_dir, args.port)
        bare = None
        try:
            base = f"http://127.0.0.1:{args.port}"
            wait_until_up(base + "/health", registry)
            payloads = {}
            for path, _, _ in ENDPOINTS:
                kind, body = fetch(base + path)
                payloads[path] = json.loads(body) if kind == "application/json" else body
            payload_file = Path(tmp) / "payloads.json"
            payload_file.write_text(json.dumps(payloads), encoding="utf-8")
            bare = bare_server(payload_file, args.port + 1)
            bare_base = f"http://127.0.0.1:{args.port + 1}"
            wait_until_up(bare_base + "/forms", bare)
            failed = report(base, bare_base, args.connections, seconds)
        finally:
            stop(registry)
            if bare is not None:
                stop(bare)
    return 1 if failed and os.environ.get("BENCH_STRICT") else 0


def report(base: str, bare_base: str, connections: int, seconds: float) -> bool:
    missed = False
    for path, bare_path, target in ENDPOINTS:
        ours = load(base + path, connections, seconds)
        theirs = load(bare_base + bare_path, connections, seconds)
        ratio = ours / theirs if theirs else 0.0
        verdict = "" if target is None else (f"  target >= {target}: " + ("met" if ratio >= target else "MISSED"))
        missed |= target is not None and ratio < target
        print(f"  GET {path:<30} {ours:8.0f} req/s   bare Litestar {theirs:8.0f} req/s   ratio {ratio:.2f}{verdict}")
    thread = load(bare_base + "/forms-thread", connections, seconds)
    print(f"  (bare Litestar, the forms list from a sync handler in a thread as the registry's are: {thread:.0f} req/s)")
    return missed


if __name__ == "__main__":
    sys.exit(main())
