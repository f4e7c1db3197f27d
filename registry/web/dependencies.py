"""Per-request dependencies built from app.state (filled by create_app)."""

from collections.abc import Iterator

from litestar import Request
from litestar.datastructures import State
from sqlmodel import Session

from registry import country_limits
from registry.auth.principal import current_principal


def provide_db_session(state: State, request: Request) -> Iterator[Session]:
    """One session per request. Writes commit inside their service call (which runs in the
    handler's worker thread); whatever is left uncommitted is rolled back on close. The session
    carries the principal's country limits: every row it writes must be of those countries."""
    with Session(state.engine, expire_on_commit=False) as session:
        country_limits.limit(session, current_principal(request).countries)
        yield session
