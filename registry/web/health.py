"""GET /health: is the database reachable, is the search index readable and up to date.

Each call first drains the search outbox (search/following.py), so a monitor's polling heals
the index without waiting for the next write. It then reports the changes still pending and
the age of the oldest: `"search": "stale"` when a drain failed on one, or once one has waited
STALE_AFTER seconds (a drain in another thread takes milliseconds; longer means a rebuild).
A stale index still answers 200: the instance serves every page, but monitoring sees
`"status": "degraded"`; 503 only when the database or the index cannot be reached."""

from litestar import get
from litestar.datastructures import State
from litestar.response import Response
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import text

from registry.auth.guards import requires
from registry.auth.permissions import Permission

STALE_AFTER = 5.0  # seconds


@get("/health", sync_to_thread=True, guards=[requires(Permission.read_public)], tags=["system"], summary="Database and search index reachable")
def health(state: State) -> Response[dict]:
    checks = {"database": "ok", "search": "ok"}
    try:
        with state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        checks["database"] = "unreachable"
    if not state.search.is_reachable():
        checks["search"] = "unreachable"
    if checks["database"] == "ok":
        try:
            checks.update(search_outbox(state.search, checks["search"] == "ok"))
        except SQLAlchemyError:
            checks["database"] = "unreachable"
    down = {name for name in ("database", "search") if checks[name] == "unreachable"}
    healthy = all(checks[name] == "ok" for name in ("database", "search"))
    return Response({"status": "ok" if healthy else "degraded", **checks}, status_code=503 if down else 200)


def search_outbox(search, reachable: bool) -> dict:
    if reachable and search.status().pending:
        search.drain()
    status = search.status()
    age = status.oldest_age()
    found = {"search_pending": status.pending,
             "search_oldest_pending_s": None if age is None else round(age, 1)}
    if reachable and status.pending and (status.last_error or age > STALE_AFTER):
        found["search"] = "stale"  # why is in the log and the outbox's last_error, not on a public route
    return found
