"""Per-request dependencies built from app.state (filled by create_app)."""

from litestar.datastructures import State
from sqlmodel import Session


def provide_db_session(state: State) -> Session:
    """One session per request. Creating it takes no connection: the first query does, in the
    handler's thread, and that thread closes it when the handler and its page are done
    (registry/web/confined_handlers.py), so the connection is back in the pool before the
    thread takes another request. Writes commit inside their service call; whatever is left
    uncommitted is rolled back on close."""
    return Session(state.engine, expire_on_commit=False)
