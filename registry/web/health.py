"""GET /health: is the database reachable, is the search index readable."""

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
    if not state.search.is_reachable():
        checks["search"] = "unreachable"
    healthy = all(v == "ok" for v in checks.values())
    return Response({"status": "ok" if healthy else "degraded", **checks}, status_code=200 if healthy else 503)
