"""Per-request dependencies built from app.state (filled by create_app)."""

from collections.abc import Iterator

from litestar.datastructures import State
from sqlmodel import Session


def provide_db_session(state: State) -> Iterator[Session]:
    """One session per request; committed when the handler returns, rolled back on error."""
    with Session(state.engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
