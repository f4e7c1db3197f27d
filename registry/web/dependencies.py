"""Per-request dependencies built from app.state (filled by create_app)."""

from collections.abc import Iterator

from litestar.datastructures import State
from sqlmodel import Session


def provide_db_session(state: State) -> Iterator[Session]:
    """One session per request. Writes commit inside their service call (which runs in the
    handler's worker thread); whatever is left uncommitted is rolled back on close."""
    with Session(state.engine, expire_on_commit=False) as session:
        yield session
