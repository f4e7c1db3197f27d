"""Document generation against the bare libraries, on this machine, in this run.

    python bench/bench_generation.py [--quick]

Prints three ratios (targets from the document-generation issue):
  1. API DOCX render / bare docxtpl render, same template and data          (target <= 1.5)
  2. API PDF / (bare docxtpl + one warm LibreOffice conversion)              (target <= 1.3)
  3. 1,000-row DOCX batch throughput / two processes of bare docxtpl         (target >= 0.8)
"bare docxtpl" is DocxTemplate(...).render(context, autoescape=True) + save, in a plain Jinja
environment holding the same date/number filters;
the API path adds validation, the sandbox, provenance, a worker process and the HTTP stack, and
saves one thing the bare library repeats: each render worker keeps the compiled Jinja template
of a part (registry/documents/sandbox.py `shared_environment`), where bare docxtpl compiles the
part's XML on every render (about a third of its time)."""

import argparse
import copy
import io
import json
import logging
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

from docxtpl import DocxTemplate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CODE = "SE-121-01"
CATALOG = ROOT / "forms" / "catalog" / CODE


def bare_environment():
    """A plain (unsandboxed) Jinja environment with the template's filters, for the bare baseline."""
    from jinja2 import Environment

    from registry.documents.sandbox import make_environment

    env = Environment(autoescape=True)
    env.filters.update(make_environment("sr-Latn").filters)
    return env


def bare_render(template: bytes, context: dict) -> bytes:
    document = DocxTemplate(io.BytesIO(template))
    document.render(context, jinja_env=bare_environment(), autoescape=True)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _bare_batch_worker(args) -> int:
    template, contexts = args
    return sum(len(bare_render(template, c)) > 0 for c in contexts)


def median_seconds(function, repeat: int) -> float:
    function()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def make_app(data_dir: Path):
    from sqlmodel import Session

    from registry import migrate
    from registry.composition import seed
    from registry.db import make_engine
    from registry.settings import Settings
    from registry.web.app import create_app
    from search.memory import MemoryBackend

    engine = make_engine(f"sqlite:///{data_dir / 'bench.db'}")
    migrate.upgrade(engine)
    with Session(engine) as session:
        seed(session)
        session.commit()
    settings = Settings(data_dir=data_dir, environment="test", search_backend="memory")
    return create_app(settings, engine=engine, search=MemoryBackend())


def token_client(app):
    from litestar.testing import TestClient
    from sqlmodel import Session

    from registry import accounts
    from registry.audit import Actor
    from registry.auth.tokens import create_token

    with Session(app.state.engine, expire_on_commit=False) as db:
        user = accounts.create_user(db, "bench", "bench-password-123", "caisse", actor=Actor.system("bench"))
        secret, _ = create_token(db, Actor.system("bench"), user, "bench", "caisse", ())
        db.commit()
    client = TestClient(app, base_url="https://testserver.local")
    client.headers["Authorization"] = f"Bearer {secret}"
    return client


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and a 200-row batch (for CI)")
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request would bury the figures
    repeat, rows = (8, 200) if args.quick else (30, 1000)

    template = (CATALOG / "template.docx").read_bytes()
    sample = json.loads((CATALOG / "sample.json").read_text(encoding="utf-8"))
    from forms.fields import parse_fields
    from forms.rendering import context_from

    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(Path(tmp))
        with token_client(app) as client:
            specs = parse_fields(_fields_of(app))
            context = context_from(specs, sample)
            url = f"/api/forms/{CODE}/documents?on=2024-01-15"

            def api(fmt):
                response = client.post(f"{url}&format={fmt}", json=sample)
                assert response.status_code == 200, response.text
                return response

            bare = median_seconds(lambda: bare_render(template, context), repeat)
            api_docx = median_seconds(lambda: api("docx"), repeat)
            print(f"DOCX  bare docxtpl {bare * 1000:7.1f} ms | API {api_docx * 1000:7.1f} ms | "
                  f"ratio {api_docx / bare:.2f} (target <= 1.5)")

            converter = app.state.converter
            if converter.available():
                docx = bare_render(template, context)
                bare_pdf = median_seconds(lambda: converter.convert(docx), repeat) + bare
                api_pdf = median_seconds(lambda: api("pdf"), repeat)
                print(f"PDF   bare docxtpl + warm conversion {bare_pdf * 1000:7.1f} ms | API {api_pdf * 1000:7.1f} ms | "
                      f"ratio {api_pdf / bare_pdf:.2f} (target <= 1.3)")
            else:
                print("PDF   skipped: LibreOffice / unoserver not installed (make uno)")

            lines = []
            for n in range(rows):
                row = copy.deepcopy(sample)
                row["worker"]["last_name"] = f"Lefèvre-{n}"
                lines.append(json.dumps(row, ensure_ascii=False))
            payload = "\n".join(lines).encode()
            contexts = [context_from(specs, json.loads(line)) for line in lines]
            started = time.perf_counter()
            with multiprocessing.get_context("forkserver").Pool(2) as pool:
                half = len(contexts) // 2
                assert sum(pool.map(_bare_batch_worker, [(template, contexts[:half]), (template, contexts[half:])])) == rows
            bare_batch = time.perf_counter() - started
            started = time.perf_counter()
            response = client.post(f"/api/forms/{CODE}/batches?on=2024-01-15&format=docx",
                                   files={"file": ("rows.jsonl", payload, "application/x-ndjson")})
            api_batch = time.perf_counter() - started
            assert response.status_code == 200 and response.headers["x-documents"] == str(rows)
            print(f"BATCH {rows} rows DOCX: 2 bare processes {rows / bare_batch:6.1f} docs/s | API {rows / api_batch:6.1f} "
                  f"docs/s | ratio {bare_batch / api_batch:.2f} (target >= 0.8)")


def _fields_of(app) -> list[dict]:
    from datetime import date

    from sqlmodel import Session

    from forms.queries import find_form, form_on_date

    with Session(app.state.engine) as db:
        return list(form_on_date(db, find_form(db, CODE), date(2024, 1, 15)).applicable.fields)


if __name__ == "__main__":
    main()
