"""GET /health: is the database reachable, is the search index readable and up to date.

A stale index (a write it could not follow, search/following.py) still answers 200: the
instance serves every page, but monitoring sees `"status": "degraded"`, `"search": "stale"`."""

from litestar import get
from litestar.datastructures import State
from litestar.response import Response
from sqlmodel import text

from registry.auth.guards import requires
from registry.auth.permissions import Permission


@get("/health", sync_to_thread=True, guards=[requires(Permission.read_public)], tags=["system"], summary="Database and search index reachable")
def health(state: State) -> Response[dict]:
    checks = {"database": "ok", "search": "ok"}
    try:
        with state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        checks["database"] = "unreachable"
    state.search.retry()  # writes the index missed, tried again (search/following.py)
    if not state.search.is_reachable():
        checks["search"] = "unreachable"
    elif state.search.stale_since is not None:
        checks.update(search="stale", search_stale_since=state.search.stale_since.isoformat(timespec="seconds"),
                      search_pending=state.search.pending)
    down = {name for name, value in checks.items() if value == "unreachable"}
    healthy = all(checks[name] == "ok" for name in ("database", "search"))
    return Response({"status": "ok" if healthy else "degraded", **checks}, status_code=503 if down else 200)
