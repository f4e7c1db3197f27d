"""GET /health: is the database reachable, is the search index readable and up to date.

A stale index (a write it could not follow, search/following.py) still answers 200: the
instance serves every page, but monitoring sees `"status": "degraded"`, `"search": "stale"`.

/health must answer while the handlers are saturated (issue 13: it stopped answering at 32
connections), so it queues behind nothing they use: it is an async handler, its checks run in
one thread of their own (never a handler slot, registry/web/request_threads.py) on a connection
of their own (registry.db.health_engine), and they get HEALTH_TIMEOUT seconds before the answer
is 503 "timeout"."""

import asyncio
import copy

import anyio
from litestar import get
from litestar.datastructures import State
from litestar.response import Response
from sqlmodel import text

from registry.auth.guards import requires
from registry.auth.permissions import Permission

HEALTH_TIMEOUT = 2.0


class HealthChecks:
    """The checks and the one thread they run in (one per event loop: a test may use several)."""

    def __init__(self, engine, search) -> None:
        self.engine = engine
        self.search = search  # the app's FollowingIndex: retry() heals it (create_app sets it)
        self._limiter: tuple[asyncio.AbstractEventLoop, anyio.CapacityLimiter] | None = None

    def reachability_backend(self):
        """The search backend to ask whether the index answers, on /health's own connection: the
        PostgreSQL backend would otherwise take one from the application's pool, which is all
        lent to handlers under load (a shallow copy: same index, other engine)."""
        backend = self.search.backend
        if getattr(backend, "engine", None) is None:
            return backend
        on_own_connection = copy.copy(backend)
        on_own_connection.engine = self.engine
        return on_own_connection

    def _thread(self) -> anyio.CapacityLimiter:
        loop = asyncio.get_running_loop()
        if self._limiter is None or self._limiter[0] is not loop:
            self._limiter = (loop, anyio.CapacityLimiter(1))
        return self._limiter[1]

    async def answer(self) -> tuple[dict, int]:
        with anyio.move_on_after(HEALTH_TIMEOUT):
            return await anyio.to_thread.run_sync(self.run, limiter=self._thread(), abandon_on_cancel=True)
        return {"status": "degraded", "checks": "timeout", "timeout_seconds": HEALTH_TIMEOUT}, 503

    def close(self) -> None:
        self.engine.dispose()

    def run(self) -> tuple[dict, int]:
        checks = {"database": "ok", "search": "ok"}
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            checks["database"] = "unreachable"
        self.search.retry()  # writes the index missed, tried again (search/following.py)
        if not self.reachability_backend().is_reachable():
            checks["search"] = "unreachable"
        elif self.search.stale_since is not None:
            checks.update(search="stale", search_stale_since=self.search.stale_since.isoformat(timespec="seconds"),
                          search_pending=self.search.pending)
        down = {name for name, value in checks.items() if value == "unreachable"}
        healthy = all(checks[name] == "ok" for name in ("database", "search"))
        return {"status": "ok" if healthy else "degraded", **checks}, 503 if down else 200


@get("/health", guards=[requires(Permission.read_public)], tags=["system"], summary="Database and search index reachable")
async def health(state: State) -> Response[dict]:
    body, status = await state.health.answer()
    return Response(body, status_code=status)
