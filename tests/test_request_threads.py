"""Connection discipline under load (issue 13, item 1): one session per request, opened and
closed in the thread that uses it; a bounded wait for a handler thread, then 503 with
Retry-After; a deadline per request that no late commit can cheat; /health beside it all."""

import asyncio
import threading
import time
from dataclasses import replace

import pytest
from litestar import get
from litestar.di import NamedDependency
from litestar.exceptions import ImproperlyConfiguredException
from litestar.testing import AsyncTestClient
from sqlalchemy import event
from sqlmodel import Session, select

from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.db import engine_for, make_engine
from registry.models import Country
from registry.settings import DRAINER_CONNECTIONS, Settings
from registry.web.app import create_app
from registry.web.confined_handlers import ConfinedHandler, confine_handlers
from registry.web.request_threads import CURRENT_BUDGET, DEADLINE, QUEUE, SHUTDOWN, Budget, RequestThreads, ServerBusy

HANG_LIMIT = 60.0  # a request unanswered after this is the stall of issue 13, not slowness


def small_app(settings, engine, search_backend, **overrides):
    values = dict(threads=2, queue_timeout=0.3, request_timeout=5.0) | overrides
    return create_app(replace(settings, **values), engine=engine, search=search_backend)


def run(scenario):
    return asyncio.run(asyncio.wait_for(scenario, HANG_LIMIT))


def test_pool_size_follows_the_threads(tmp_path):
    settings = Settings(data_dir=tmp_path / "var", threads=7)
    engine = engine_for(settings)
    assert settings.pool_size == 7 + DRAINER_CONNECTIONS == engine.pool.size() and engine.pool._max_overflow == 0
    assert engine_for(replace(settings, db_pool_size=3)).pool.size() == 3


def test_a_request_waits_for_a_slot_only_so_long():
    async def scenario():
        threads = RequestThreads(1, queue_timeout=0.2, request_timeout=5)
        release = threading.Event()
        holder = asyncio.create_task(threads.run(release.wait))
        await asyncio.sleep(0.05)
        started = time.monotonic()
        with pytest.raises(ServerBusy) as refused:
            await threads.run(lambda: "never")
        waited = time.monotonic() - started
        release.set()
        assert await holder is True and await threads.run(lambda: "served") == "served"
        return refused.value.reason, waited

    reason, waited = run(scenario())
    assert reason == QUEUE and 0.15 < waited < 5


def test_past_its_deadline_a_request_is_answered_and_its_commit_refused(engine):
    """The thread goes on (Python cannot stop it) but may not commit: the 503 tells the truth."""
    finished = threading.Event()
    outcome = {}

    def slow_write():
        time.sleep(0.5)
        with Session(engine) as db:
            db.add(Country(code="ZZ", name_fr="Nulle part", name_en="Nowhere"))
            try:
                db.commit()
                outcome["committed"] = True
            except ServerBusy as exc:
                outcome["refused"] = exc.reason
        finished.set()

    async def scenario():
        threads = RequestThreads(1, queue_timeout=1, request_timeout=5)
        with pytest.raises(ServerBusy) as late:
            await threads.run(slow_write, seconds=0.1)
        assert threads.busy == 1  # the slot stays taken until the thread is done
        await asyncio.to_thread(finished.wait, 10)
        await asyncio.sleep(0.05)
        assert threads.busy == 0
        return late.value.reason

    assert run(scenario()) == DEADLINE
    assert outcome == {"refused": DEADLINE}
    with Session(engine) as db:
        assert db.exec(select(Country).where(Country.code == "ZZ")).first() is None


def test_a_commit_under_way_at_the_deadline_is_waited_for():
    def committing():
        budget = CURRENT_BUDGET.get()
        budget.begin_commit()
        time.sleep(0.4)  # the deadline passes during the commit
        budget.end_commit()
        return "saved"

    async def scenario():
        return await RequestThreads(1, queue_timeout=1, request_timeout=5).run(committing, seconds=0.1)

    assert run(scenario()) == "saved"
    budget = Budget(10)
    budget.begin_commit()
    assert budget.abandon() is False


def test_every_sync_handler_is_confined_and_an_async_one_may_not_take_the_session(app):
    from litestar.routes import HTTPRoute

    handlers = [h for r in app.routes if isinstance(r, HTTPRoute) for h in r.route_handlers]
    confined = [h for h in handlers if isinstance(h.fn, ConfinedHandler)]
    assert len(confined) > 50 and all(h.sync_to_thread for h in confined)
    assert not [h for h in handlers if h.sync_to_thread and not isinstance(h.fn, ConfinedHandler)]

    @get("/test-only/async-db", guards=[requires(Permission.read_public)])
    async def uses_the_session_on_the_loop(db_session: NamedDependency[Session]) -> str:
        return "no"

    app.register(uses_the_session_on_the_loop)
    with pytest.raises(ImproperlyConfiguredException, match="db_session"):
        confine_handlers(app)


def test_connections_are_taken_and_given_back_by_the_handler_thread(settings, seeded_database_url, search_backend):
    engine = make_engine(seeded_database_url, pool_size=3, pool_timeout=1)
    moves = []
    event.listen(engine, "checkout", lambda *a: moves.append(("out", threading.get_ident())))
    event.listen(engine, "checkin", lambda *a: moves.append(("in", threading.get_ident())))
    app = small_app(settings, engine, search_backend)

    async def scenario():
        async with AsyncTestClient(app) as client:
            loop_thread = client.blocking_portal.call(threading.get_ident)  # the app's event loop
            for path in ("/api/forms", "/countries/RS", "/", "/api/instruments?country=RS"):
                assert (await client.get(path)).status_code == 200
        return loop_thread

    try:
        loop_thread = run(scenario())
        assert moves and engine.pool.checkedout() == 0
    finally:
        engine.dispose()
    assert all(thread != loop_thread for _, thread in moves)  # no database work on the event loop
    # requests one after the other: each thread gives back what it took before another takes any
    # (the outbox drainer nests its lock's and its reads' connections inside its own)
    held, holder = 0, None
    for move, thread in moves:
        assert holder in (None, thread), "two threads held connections at once"
        held += 1 if move == "out" else -1
        assert held >= 0
        holder = thread if held else None
    assert held == 0


def test_32_concurrent_requests_on_4_connections_all_get_an_answer(settings, engine, search_backend):
    """Issue 13: 32 connections stopped the server for a minute. Here every request is answered:
    200, or 503 with Retry-After; and /health answers throughout."""
    app = small_app(settings, engine, search_backend, threads=4, queue_timeout=2.0)

    async def scenario():
        async with AsyncTestClient(app) as client:
            paths = ["/api/forms", "/countries/RS", "/api/instruments?country=RS", "/"] * 8
            responses = await asyncio.gather(*(client.get(p) for p in paths), client.get("/health"))
            return responses

    responses = run(scenario())
    assert {r.status_code for r in responses} <= {200, 503}
    assert all("retry-after" in r.headers for r in responses if r.status_code == 503)
    assert responses[-1].status_code == 200
    assert sum(r.status_code == 200 for r in responses) >= 4


@pytest.fixture
def busy_app(settings, engine, search_backend):
    return small_app(settings, engine, search_backend, threads=1, queue_timeout=0.2)


async def _with_every_slot_taken(app, requests):
    """The requests sent while the app's only handler slot is held (in the app's own loop: the
    test client serves it from a portal thread)."""
    release = threading.Event()
    threads = app.state.request_threads
    async with AsyncTestClient(app) as client:
        holder = client.blocking_portal.start_task_soon(threads.run, release.wait)
        while client.blocking_portal.call(lambda: threads.busy) < 1:
            await asyncio.sleep(0.01)
        try:
            return [await client.get(path, headers=headers) for path, headers in requests]
        finally:
            release.set()
            await asyncio.wrap_future(holder)


def test_when_no_thread_is_free_the_api_answers_503_with_retry_after_and_health_still_answers(busy_app):
    api, health = run(_with_every_slot_taken(busy_app, [("/api/forms?lang=en", {}), ("/health", {})]))
    assert api.status_code == 503 and int(api.headers["retry-after"]) > 0
    assert api.json()["extra"] == {"reason": "queue"} and "busy" in api.json()["detail"]
    assert health.status_code == 200 and health.json()["status"] == "ok"


def test_a_browser_gets_a_translated_busy_page(busy_app):
    fr, en = run(_with_every_slot_taken(busy_app, [("/countries/RS", {"Accept": "text/html"}),
                                                   ("/countries/RS?lang=en", {"Accept": "text/html"})]))
    for page in (fr, en):
        assert page.status_code == 503 and "text/html" in page.headers["content-type"]
        assert "retry-after" in page.headers and page.headers["x-request-id"] in page.text
    assert "Le serveur est occupé\u00a0: réessayez" in fr.text and "The server is busy" in en.text


def test_a_request_past_its_deadline_gets_503(settings, engine, search_backend, monkeypatch):
    import forms.controllers

    original = forms.controllers.listing_cache  # called by GET /api/forms inside the handler's thread
    monkeypatch.setattr(forms.controllers, "listing_cache", lambda *a, **k: time.sleep(1.0) or original(*a, **k))
    app = small_app(settings, engine, search_backend, request_timeout=0.3)

    async def scenario():
        async with AsyncTestClient(app) as client:
            late = await client.get("/api/forms")
            # the abandoned thread ends (1 s asleep, then the listing) and gives back its slot
            deadline = time.monotonic() + 15
            while (after := await client.get("/api/countries")).status_code == 503 and time.monotonic() < deadline:
                await asyncio.sleep(0.5)
            return late, after

    late, after = run(scenario())
    assert late.status_code == 503 and late.json()["extra"] == {"reason": "deadline"} and "retry-after" in late.headers
    assert after.status_code == 200


def test_on_stop_the_waiting_requests_are_answered_at_once():
    """SIGTERM (registry/web/asgi.py) drains: nothing waits for a slot any more, so the worker
    has only its running requests to finish and stops by itself, LibreOffice included."""
    async def scenario():
        threads = RequestThreads(1, queue_timeout=30, request_timeout=60)
        release = threading.Event()
        holder = asyncio.create_task(threads.run(release.wait))
        await asyncio.sleep(0.05)
        waiting = asyncio.create_task(threads.run(lambda: "never"))
        await asyncio.sleep(0.05)
        started = time.monotonic()
        threads.drain()
        with pytest.raises(ServerBusy) as drained:
            await waiting
        with pytest.raises(ServerBusy) as late:
            await threads.run(lambda: "never")
        answered_in = time.monotonic() - started
        release.set()
        assert await holder is True  # the running request finishes normally
        return drained.value.reason, late.value.reason, answered_in

    drained, late, answered_in = run(scenario())
    assert drained == late == SHUTDOWN and answered_in < 5


def test_sigterm_drains_the_app_and_keeps_granians_own_handling(app):
    import os
    import signal

    from registry.web.asgi import STOP_SIGNALS, drain_on_stop_signal

    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    called = []
    signal.signal(signal.SIGTERM, lambda *a: called.append("granian's"))  # what was there before

    async def scenario():
        drain_on_stop_signal(app)
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(100):
            if app.state.request_threads.draining:
                break
            await asyncio.sleep(0.01)
        return app.state.request_threads.draining

    try:
        assert run(scenario()) is True and called == ["granian's"]
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
