"""Request ids and logs that help (issue 13, item 9).

Every response carries `X-Request-ID`; a 5xx body (page or JSON) shows the same id, and the one
log line of that failure names it, so an operator finds the failure a user reports. Each request
that ended in an exception is logged once, by status:
  - 4xx: INFO, one line, no traceback (a 404 under /static/ not at all): the client's mistake;
  - 503 because the server is saturated (registry/web/request_threads.py): WARNING, at most one
    line per BUSY_LOG_SECONDS with the count, so an overload does not bury everything else;
  - 500: ERROR, one record with the traceback: a bug;
  - other 5xx (a converter or the search index unavailable): ERROR, one line, no traceback.
Litestar's own exception logging is off (create_app: log_exceptions="never"): in development it
wrote a full traceback for every 404, 412 and 422."""

import itertools
import logging
import os
import secrets
import threading
import time

from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import HTTPException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from registry.web.confined_handlers import CURRENT_SCOPE
from registry.web.request_threads import ServerBusy

logger = logging.getLogger("registry.web")
REQUEST_ID_HEADER = "X-Request-ID"
STATE_ID, STATE_EXCEPTION = "request_id", "registry.exception"
BUSY_LOG_SECONDS = 10.0


# a random prefix per process and a counter: unique, and made without a system call on the event
# loop (each one gives the GIL away, and winning it back from busy handler threads costs ms)
_ID_PREFIX = secrets.token_hex(4)
_ID_NUMBERS = itertools.count(1)


def _new_prefix() -> None:
    global _ID_PREFIX
    _ID_PREFIX = secrets.token_hex(4)


os.register_at_fork(after_in_child=_new_prefix)  # granian's workers are forked: one prefix each


def request_id(scope: Scope) -> str:
    """The request's id, made on first use (a 404 of an unknown path passes no middleware)."""
    state = scope.setdefault("state", {})
    if STATE_ID not in state:
        state[STATE_ID] = f"{_ID_PREFIX}-{next(_ID_NUMBERS):x}"
    return state[STATE_ID]


def request_context_middleware(app: ASGIApp) -> ASGIApp:
    """Outermost of the app's middleware: the request's id, and its scope for handler threads."""
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        request_id(scope)
        token = CURRENT_SCOPE.set(scope)
        try:
            await app(scope, receive, send)
        finally:
            CURRENT_SCOPE.reset(token)

    return middleware


async def remember_exception(exc: Exception, scope: Scope) -> None:
    """after_exception hook: the response's status decides how it is logged (before_send)."""
    scope.setdefault("state", {})[STATE_EXCEPTION] = exc


class BusyCounter:
    """503s of a saturated server, logged as one WARNING per window with their count."""

    def __init__(self, window: float = BUSY_LOG_SECONDS) -> None:
        self.window = window
        self._lock = threading.Lock()
        self._since = 0.0
        self._count = 0

    def note(self, what: str) -> None:
        with self._lock:
            self._count += 1
            now = time.monotonic()
            if now - self._since < self.window:
                return
            count, self._count, self._since = self._count, 0, now
        logger.warning("503 server busy: %d request(s) refused in the last %.0f s (last: %s)", count, self.window, what)


def log_outcome(scope: Scope, status: int, busy: BusyCounter) -> None:
    exc = scope.get("state", {}).get(STATE_EXCEPTION)
    if exc is None:
        return
    path = scope.get("path", "")
    what = f"{scope.get('method', '')} {path} (request {request_id(scope)})"
    if status < 500:
        if not (status == 404 and path.startswith("/static/")):
            logger.info("%d %s: %s", status, what, _summary(exc))
    elif status == 503 and is_busy(exc):
        busy.note(what)
    elif status == 500:
        logger.error("%d %s: %s", status, what, _summary(exc), exc_info=exc)
    else:
        logger.error("%d %s: %s", status, what, _summary(exc))


def is_busy(exc: Exception) -> bool:
    from registry.web.busy import is_database_busy

    return isinstance(exc, ServerBusy) or is_database_busy(exc)


def _summary(exc: Exception) -> str:
    detail = exc.detail if isinstance(exc, HTTPException) else str(exc)
    first_line = (str(detail).strip().splitlines() or [""])[0][:300]
    return f"{type(exc).__name__}: {first_line}" if first_line else type(exc).__name__


def request_id_hook():
    """before_send hook: X-Request-ID on every response, and the log line of a failed request."""
    busy = BusyCounter()

    async def add_request_id(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start" or scope.get("type") != "http":
            return
        MutableScopeHeaders.from_message(message)[REQUEST_ID_HEADER] = request_id(scope)
        log_outcome(scope, message["status"], busy)

    return add_request_id
