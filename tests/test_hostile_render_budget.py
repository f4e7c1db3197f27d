"""The render budget at run time (issue 13, "Why" 5): render workers hold their time and memory
limits against templates stored before the upload rules existed, a timeout restarts only its own
worker, one form's renders cannot starve another's, too many waiting renders are a 503 with
Retry-After, and /blank serves the file stored at publication without ever rendering."""

import threading
import time
from datetime import date

import pytest
from litestar.testing import TestClient
from sqlmodel import Session, select

from forms.generation.blanks import build_missing_blanks, stored_blank
from forms.models import Form, FormBlank, FormVersion
from forms.queries import find_form, form_on_date
from registry.documents.render import render_docx
from registry.documents.workers import RenderBusy, RenderFailed, RenderPool, RenderTimeout
from registry.web.app import create_app
from tests.conftest import AuthenticatedClient
from tests.documents import docx_bytes
from tests.test_golden_documents import serbian_posting
from tests.worker_tasks import sleeper

SEVEN_JOINS = "{{ 'abcdefghij'" + "|join('abcdefghij')" * 7 + " }}"  # 10^8 characters, even blank
NESTED_LOOPS = "{% for a in x %}{% for b in x %}{{ x }}{% endfor %}{% endfor %}"  # 30,000³ characters


def warm(pool: RenderPool) -> None:
    """Both workers started (a worker's first task also pays for starting it)."""
    threads = [threading.Thread(target=pool.run, args=(sleeper, 0.5, "warm"), kwargs={"key": f"warm {n}"})
               for n in range(pool.workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.fixture(scope="module")
def small_pool():
    """Two workers, 3 s and 600 MB per render: the production limits, scaled down for a test."""
    pool = RenderPool(workers=2, timeout=3, memory_mb=600, queue_per_key=2,
                      preload=("registry.documents.render", "forms.generation.jobs", "tests.worker_tasks"))
    warm(pool)
    yield pool
    pool.close()


@pytest.mark.parametrize("source,context", [(SEVEN_JOINS, {}), (NESTED_LOOPS, {"x": "y" * 30_000})],
                         ids=["seven joins", "two loops over 30,000 characters"])
def test_a_template_stored_before_the_rules_is_stopped_by_the_limits(small_pool, source, context):
    started = time.monotonic()
    with pytest.raises(RenderFailed):  # the memory ceiling (MemoryError) or the time limit, whichever comes first
        small_pool.run(render_docx, docx_bytes(source), context, "fr", key="legacy")
    assert time.monotonic() - started < 3 + 5
    assert small_pool.run(len, "still serving", key="other") == 13
    warm(small_pool)


def test_a_timeout_restarts_only_its_own_worker(small_pool):
    results = {}

    def other_form():
        results["other"] = small_pool.run(sleeper, 2.0, "rendered", key="other form")

    warm(small_pool)  # after the test before, which may have restarted a worker
    neighbour = threading.Thread(target=other_form)
    neighbour.start()
    time.sleep(0.3)  # the neighbour holds its worker first
    with pytest.raises(RenderTimeout):
        small_pool.run(sleeper, 30, "never", key="slow form")
    neighbour.join()
    assert results["other"] == "rendered"


def test_one_form_cannot_starve_another_and_its_excess_is_refused(small_pool):
    """Six renders of one form at once: two wait, the rest are refused (RenderBusy); a render of
    another form arriving last gets the next free worker, not the end of the queue."""
    outcomes, finished = [], {}

    def flood():
        try:
            outcomes.append(small_pool.run(sleeper, 1.5, "flood", key="expensive form"))
        except RenderBusy as exc:
            outcomes.append(("busy", exc.retry_after))

    warm(small_pool)
    threads = [threading.Thread(target=flood) for _ in range(6)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    assert small_pool.run(sleeper, 0.1, "caisse", key="another form") == "caisse"
    finished["caisse"] = time.monotonic() - started
    for thread in threads:
        thread.join()
    assert finished["caisse"] < 1.5 + 1.0  # one flood render had to end, not four
    assert outcomes.count("flood") == 4 and outcomes.count(("busy", 3)) == 2


# --- blanks ---------------------------------------------------------------------------------------

class RecordingPool:
    """The real pool, with a record of every task's key."""

    def __init__(self, pool: RenderPool) -> None:
        self.pool, self.keys = pool, []

    def run(self, function, *args, key: str = "", timeout=None):
        self.keys.append(key)
        return self.pool.run(function, *args, key=key, timeout=timeout)

    def __getattr__(self, name):
        return getattr(self.pool, name)


def legacy_version(engine, source: str) -> str:
    """A form published before the upload rules, with a template they would refuse and no blank."""
    with Session(engine) as db:
        serbian = find_form(db, "SE 121-01")
        form = Form(code="SE 121-90", slug="SE-121-90", country_code="RS", instrument_id=serbian.instrument_id,
                    title_fr="Ancien modèle", title_partner="Stari obrazac", partner_language="sr-Latn",
                    risk="old_age", direction="both")
        db.add(form)
        db.flush()
        db.add(FormVersion(form_id=form.id, number=1, label="2020", status="published", valid_from=date(2020, 1, 1),
                           template_kind="docx", template_data=docx_bytes(source), template_sha256="0" * 64,
                           fields=[{"name": "x", "type": "text", "label_fr": "x", "label_partner": "x"}]))
        db.commit()
    return "SE-121-90"


@pytest.fixture
def budget_app(settings, engine, search_backend, small_pool, converter):
    recording = RecordingPool(small_pool)
    app = create_app(settings, engine=engine, search=search_backend, converter=converter, render_pool=recording)
    app.state.recording = recording
    return app


def test_published_blanks_are_served_as_stored_and_never_rendered(budget_app, engine):
    with TestClient(budget_app) as client:
        for _ in range(20):
            response = client.get("/api/forms/SE-121-01/blank?format=docx&on=2024-01-15")
            assert response.status_code == 200
        with Session(engine) as db:
            version = db.exec(select(FormVersion).join(Form).where(Form.code == "SE 121-01")).first()
            assert response.content == stored_blank(db, version, "docx").data
        assert client.get("/api/forms/SE-416-01/blank?format=docx").status_code == 409  # a partner's PDF form
    assert budget_app.state.recording.keys == []


def test_three_anonymous_floods_of_an_expensive_blank_do_not_fail_a_caisse(budget_app, engine, make_token):
    code = legacy_version(engine, SEVEN_JOINS)
    with TestClient(budget_app) as client:
        caisse = AuthenticatedClient(client, {"Authorization": f"Bearer {make_token('caisse')}"})
        flood_answers = []

        def flood():
            visitor = AuthenticatedClient(client, {})
            for _ in range(15):
                response = visitor.get(f"/api/forms/{code}/blank?format=docx&lang=en")
                flood_answers.append((response.status_code, response.headers.get("retry-after")))

        floods = [threading.Thread(target=flood) for _ in range(3)]
        for thread in floods:
            thread.start()
        renders = [caisse.post("/api/forms/SE-121-01/documents?on=2024-01-15", json=serbian_posting())
                   for _ in range(3)]
        for thread in floods:
            thread.join()
    assert [r.status_code for r in renders] == [200, 200, 200]
    assert set(flood_answers) == {(503, "60")}
    assert all(key.startswith("form SE 121-01 ") for key in budget_app.state.recording.keys)


def test_the_builder_gives_up_on_an_expensive_blank_without_failing_a_caisse(budget_app, engine, make_token):
    code = legacy_version(engine, SEVEN_JOINS)
    builder = threading.Thread(target=build_missing_blanks, args=(engine, budget_app.state.render_pool, None, ("docx",)))
    with TestClient(budget_app) as client:
        caisse = AuthenticatedClient(client, {"Authorization": f"Bearer {make_token('caisse')}"})
        builder.start()
        time.sleep(0.5)  # the expensive blank holds one worker
        renders = [caisse.post("/api/forms/SE-121-01/documents?on=2024-01-15", json=serbian_posting())
                   for _ in range(3)]
        builder.join()
        assert [r.status_code for r in renders] == [200, 200, 200], [r.text[:200] for r in renders]
        assert client.get(f"/api/forms/{code}/blank?format=docx").status_code == 503
    with Session(engine) as db:
        legacy = db.exec(select(FormVersion).join(Form).where(Form.code == "SE 121-90")).one()
        assert db.exec(select(FormBlank).where(FormBlank.form_version_id == legacy.id)).all() == []


def test_a_filled_render_of_a_template_stored_before_the_rules_is_a_503_not_a_500(budget_app, engine, make_token):
    code = legacy_version(engine, SEVEN_JOINS)
    with TestClient(budget_app) as client:
        caisse = AuthenticatedClient(client, {"Authorization": f"Bearer {make_token('caisse')}"})
        response = caisse.post(f"/api/forms/{code}/documents?lang=fr", json={"x": "abc"})
        assert response.status_code == 503 and response.headers["retry-after"]
        assert "enfreint une règle du bac à sable" in response.json()["detail"]
        assert caisse.post("/api/forms/SE-121-01/documents?on=2024-01-15", json=serbian_posting()).status_code == 200


def test_a_pdf_blank_not_built_yet_is_a_503_until_the_builder_stores_it(budget_app, engine, converter):
    from forms.generation.blanks import build_blanks
    from tests.conftest import missing_dependency

    if not converter.available():
        missing_dependency("LibreOffice and unoserver (apt-get install libreoffice-writer-nogui python3-uno; make uno)")
    with TestClient(budget_app) as client:
        waiting = client.get("/api/forms/SE-121-01/blank?format=pdf&on=2024-01-15&lang=fr")
        assert waiting.status_code == 503 and waiting.headers["retry-after"] == "60"
        assert "n'est pas encore prêt" in waiting.json()["detail"]
        with Session(engine, expire_on_commit=False) as db:
            form = find_form(db, "SE 121-01")
            version = form_on_date(db, form, date(2024, 1, 15)).applicable
            assert build_blanks(db, form, version, budget_app.state.render_pool, converter) == []
            stored = stored_blank(db, version, "pdf").data
        served = client.get("/api/forms/SE-121-01/blank?format=pdf&on=2024-01-15")
        assert served.status_code == 200 and served.content == stored and stored.startswith(b"%PDF-")
    assert budget_app.state.recording.keys == []  # the PDF came from the stored DOCX blank: no render
