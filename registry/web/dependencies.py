"""Per-request dependencies built from app.state (filled by create_app)."""

from litestar import Request
from litestar.datastructures import State
from sqlmodel import Session

from registry import country_limits
from registry.auth.principal import current_principal


def provide_db_session(state: State, request: Request) -> Session:
    """One session per request. Creating it takes no connection: the first query does, in the
    handler's thread, and that thread closes it when the handler and its page are done
    (registry/web/confined_handlers.py), so the connection is back in the pool before the
    thread takes another request. Writes commit inside their service call; whatever is left
    uncommitted is rolled back on close. The session carries the principal's country limits:
    every row it writes must be of those countries."""
    session = Session(state.engine, expire_on_commit=False)
    country_limits.limit(session, current_principal(request).countries)
    return session
