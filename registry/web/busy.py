"""503 with Retry-After when the server is saturated: no free handler thread or database
connection within REGISTRY_QUEUE_TIMEOUT, a request past REGISTRY_REQUEST_TIMEOUT, or SQLite
still locked by another writer after its busy timeout. JSON for the API, a translated page for
browsers (registry/web/errors.py)."""

from litestar import Request, Response
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from registry.labels import mark
from registry.web.errors import TranslatableHTTPException, translated_error_response
from registry.web.request_threads import DATABASE, DEADLINE, ServerBusy

BUSY = mark("The server is busy: try again in a few seconds.")
TIMED_OUT = mark("The server could not finish this request in time; nothing was saved. Try again in a few seconds.")
RETRY_AFTER_SECONDS = 2


def is_database_busy(exc: Exception) -> bool:
    """The pool had no connection in time, or SQLite stayed locked by another writer."""
    if isinstance(exc, PoolTimeout):
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


def busy_response(request: Request, exc: Exception) -> Response:
    reason = exc.reason if isinstance(exc, ServerBusy) else DATABASE
    retry_after = exc.retry_after if isinstance(exc, ServerBusy) else RETRY_AFTER_SECONDS
    refusal = TranslatableHTTPException(TIMED_OUT if reason == DEADLINE else BUSY, status_code=503,
                                        headers={"Retry-After": str(retry_after)}, extra={"reason": reason})
    return translated_error_response(request, refusal)


def database_error(request: Request, exc: OperationalError) -> Response:
    """A locked SQLite is a busy server; any other operational error stays a server error."""
    if is_database_busy(exc):
        return busy_response(request, exc)
    from registry.web.security_errors import internal_error

    return internal_error(request, exc)


def busy_handlers() -> dict:
    return {ServerBusy: busy_response, PoolTimeout: busy_response, OperationalError: database_error}
