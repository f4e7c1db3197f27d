"""GET /health: is the database reachable, is the search index readable and up to date.

A stale index still answers 200: the instance serves every page, but monitoring sees
`"status": "degraded"`, `"search": "stale"`. Each call first drains the search outbox
(search/following.py), so a monitor's polling heals the index without waiting for the next
write. It then reports the changes still pending and the age of the oldest: `"search": "stale"`
when a drain failed on one, or once one has waited STALE_AFTER seconds (a drain in another
thread takes milliseconds; longer means a rebuild). 503 only when the database or the index
cannot be reached.

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
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import text

from registry.auth.guards import requires
from registry.auth.permissions import Permission

HEALTH_TIMEOUT = 2.0
STALE_AFTER = 5.0  # seconds


class HealthChecks:
    """The checks and the one thread they run in (one per event loop: a test may use several)."""

    def __init__(self, engine, search) -> None:
        self.engine = engine
        self.search = search  # the app's FollowingIndex: its drain heals the index (create_app sets it)
        self._limiter: tuple[asyncio.AbstractEventLoop, anyio.CapacityLimiter] | None = None

    def follower_on_own_connection(self):
        """The app's FollowingIndex reading the outbox, and its backend answering, on /health's own
        connection: the application's pool is all lent to handlers under load (shallow copies:
        same index, same drain lock, other engine)."""
        follower = copy.copy(self.search)
        follower.engine = self.engine
        if getattr(follower.backend, "engine", None) is not None:
            follower.backend = copy.copy(follower.backend)
            follower.backend.engine = self.engine
        return follower

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
        follower = self.follower_on_own_connection()
        if not follower.backend.is_reachable():
            checks["search"] = "unreachable"
        if checks["database"] == "ok":
            try:
                checks.update(search_outbox(follower, checks["search"] == "ok"))
            except SQLAlchemyError:
                checks["database"] = "unreachable"
        down = {name for name in ("database", "search") if checks[name] == "unreachable"}
        healthy = all(checks[name] == "ok" for name in ("database", "search"))
        return {"status": "ok" if healthy else "degraded", **checks}, 503 if down else 200


def search_outbox(search, reachable: bool) -> dict:
    status = search.status()
    if reachable and status.pending:  # read again only when a drain may have changed it
        search.drain()
        status = search.status()
    age = status.oldest_age()
    found = {"search_pending": status.pending,
             "search_oldest_pending_s": None if age is None else round(age, 1)}
    if reachable and status.pending and (status.last_error or age > STALE_AFTER):
        found["search"] = "stale"  # why is in the log and the outbox's last_error, not on a public route
    return found


@get("/health", guards=[requires(Permission.read_public)], tags=["system"], summary="Database and search index reachable")
async def health(state: State) -> Response[dict]:
    body, status = await state.health.answer()
    return Response(body, status_code=status)
