"""Do the render workers' limits hold against the templates of issue 13 ("Why" 5), stored before
the upload rules refused them? On this machine, in this run, with the production limits.

    python bench/bench_render_limits.py [--quick]

For each template it renders in a RenderPool with REGISTRY_RENDER_TIMEOUT / REGISTRY_RENDER_MEMORY_MB
(defaults 20 s, 1024 MB; --quick: 5 s, 512 MB), polls the worker's resident memory, and prints how
the render ended, after how long, the worker's peak RSS, the server process's RSS before and after,
and whether a render of the catalog form SE 121-01 started meanwhile on the other worker succeeded
(and how long it took against the same render alone: the ratio)."""

import argparse
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEVEN_JOINS = "{{ x" + "|join(x)" * 7 + " }}"
NESTED_LOOPS = "{% for a in x %}{% for b in x %}{{ x }}{% endfor %}{% endfor %}"
CASES = [("seven chained join, x of 10 characters", SEVEN_JOINS, {"x": "abcdefghij"}),
         ("two loops nested over a 30,000-character x", NESTED_LOOPS, {"x": "y" * 30_000})]


def rss_mb(pid: int, key: str = "VmRSS") -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def worker_pids(pool) -> list[int]:
    pids = []
    for slot in pool._slots:  # noqa: SLF001 (a measurement looks inside)
        executor = slot._executor  # noqa: SLF001
        pids += list(getattr(executor, "_processes", {}) or {}) if executor else []
    return pids


def catalog_render(pool, job, data) -> float:
    from forms.generation.jobs import render_filled_docx

    started = time.monotonic()
    pool.run(render_filled_docx, job, data, key=job.key)
    return time.monotonic() - started


def measure(pool, name: str, source: str, context: dict, job, data, alone: float) -> None:
    from registry.documents.render import render_docx
    from registry.documents.workers import RenderFailed
    from tests.documents import docx_bytes

    outcome, peaks, done = {}, {}, threading.Event()

    def hostile() -> None:
        started = time.monotonic()
        try:
            pool.run(render_docx, docx_bytes(source), context, "fr", key="legacy template")
            outcome["end"] = "rendered"
        except RenderFailed as exc:
            outcome["end"] = f"{type(exc).__name__}: {exc}"
        outcome["seconds"] = time.monotonic() - started
        done.set()

    def poll() -> None:
        while not done.wait(0.02):
            for pid in worker_pids(pool):
                peaks[pid] = max(peaks.get(pid, 0.0), rss_mb(pid))

    server_before = rss_mb(os.getpid())
    threads = [threading.Thread(target=hostile), threading.Thread(target=poll)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    other = catalog_render(pool, job, data)
    for thread in threads:
        thread.join()
    server_after = rss_mb(os.getpid())
    print(f"{name}:\n  {outcome['end']} after {outcome['seconds']:.1f} s; peak RSS of the workers {max(peaks.values(), default=0):.0f} MB;"
          f" server RSS {server_before:.0f} -> {server_after:.0f} MB\n  SE 121-01 rendered meanwhile in {other:.2f} s"
          f" ({other / alone:.1f}x the same render alone)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    import json

    from forms.catalog_loader import catalog_root, read_manifest
    from forms.generation.jobs import RenderJob
    from registry.documents.workers import RenderPool
    from registry.settings import Settings

    settings = Settings.from_env()
    timeout, memory = (5, 512) if args.quick else (settings.render_timeout, settings.render_memory_mb)
    pool = RenderPool(2, timeout, memory, preload=("registry.documents.render", "forms.generation.jobs",
                                                   "tests.documents"))
    manifest = read_manifest(catalog_root() / "SE-121-01")
    entry = manifest.versions[0]
    job = RenderJob(entry.template.read_bytes(), "docx", entry.stored_fields(), "sr-Latn",
                    {"kind": "form", "reference": "SE 121-01", "version": entry.label, "languages": ["fr", "sr-Latn"],
                     "template_sha256": "", "as_of": "2024-01-15", "generated_at": "2024-01-15T00:00:00+00:00"},
                    "SE 121-01")
    data = json.loads(entry.sample.read_text(encoding="utf-8"))
    try:
        for _ in range(2):  # both workers started and the template compiled in each (two at once)
            warming = [threading.Thread(target=catalog_render, args=(pool, job, data)) for _ in range(2)]
            for thread in warming:
                thread.start()
            for thread in warming:
                thread.join()
        alone = min(catalog_render(pool, job, data) for _ in range(5))
        print(f"limits: {timeout} s and {memory} MB per render worker; SE 121-01 alone: {alone * 1000:.0f} ms")
        for name, source, context in CASES:
            measure(pool, name, source, context, job, data, alone)
    finally:
        pool.close()


if __name__ == "__main__":
    main()
