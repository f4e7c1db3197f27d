"""Refusals and failures as responses, and the audit of every refusal.

401 and 403 answer JSON to the API and a page to browsers; each is written to the audit
(who, from where, which route, which permission) by `audit_refusal`, an after_exception hook
with its own database session, since the request's transaction (if any) is being abandoned.
Anonymous refusals are sampled per address so that a flood cannot grow the audit without
bound (registry/web/refusal_sampling.py).
Outside development a 500 says only that something failed: the traceback goes to the log."""

import logging

import anyio
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException
from litestar.exceptions.responses import create_debug_response
from litestar.response import Template
from litestar.types import Scope
from sqlalchemy.exc import DataError
from sqlmodel import Session

from registry import audit
from registry.auth.principal import current_principal
from registry.labels import mark
from registry.web.refusal_sampling import RefusalSampler, Verdict
from registry.web.security_middleware import BEARER_CHALLENGE

logger = logging.getLogger("registry.web")

TITLES = {
    400: mark("Invalid request"),
    401: mark("Please log in"),
    403: mark("Not allowed"),
    429: mark("Too many requests"),
    500: mark("Something went wrong"),
}
MESSAGES = {
    400: mark("The request could not be read. Check what was sent, then try again."),
    401: mark("This page or action needs an account. Log in, then try again."),
    403: mark("Your account may not do this. Ask an administrator if you need it."),
    429: mark("Too many requests: wait a moment, then try again."),
    500: mark("The server could not answer this request. It has been logged; please try again later."),
}


def wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/schema")):
        return False
    return "text/html" in request.headers.get("accept", "")


def error_response(request: Request, status_code: int, detail: str, headers: dict | None = None,
                   extra: dict | None = None) -> Response:
    if wants_html(request) and request.app.template_engine is not None:
        return Template("auth/error.html", status_code=status_code, headers=headers, context=dict(
            status_code=status_code, title=TITLES.get(status_code, TITLES[500]),
            message=MESSAGES.get(status_code, MESSAGES[500]), next=request.url.path))
    body = {"status_code": status_code, "detail": detail}
    if extra:
        body["extra"] = extra
    return Response(body, status_code=status_code, headers=headers)


def unauthorized(request: Request, exc: HTTPException) -> Response:
    headers = {**BEARER_CHALLENGE, **(exc.headers or {})} if request.url.path.startswith("/api/") else exc.headers
    return error_response(request, 401, exc.detail, headers=headers, extra=_extra(exc))


def forbidden(request: Request, exc: HTTPException) -> Response:
    return error_response(request, 403, exc.detail, headers=exc.headers, extra=_extra(exc))


def server_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, HTTPException) and exc.status_code != 500:  # e.g. 503 raised on purpose
        return error_response(request, exc.status_code, exc.detail, headers=exc.headers)
    return error_response(request, 500, "Internal Server Error")


# Litestar lets a few decoding failures of a request body escape as plain Python errors (a JSON
# nested deeper than the decoder's recursion limit, bytes that are not UTF-8): those are the
# client's mistake, answered 400. The same errors raised anywhere else stay server errors.
BODY_DECODERS = {"decode_json", "decode_msgpack", "json", "msgpack", "form", "body",
                 "parse_url_encoded_form_data", "parse_multipart_form"}


def raised_while_reading_the_body(exc: Exception) -> bool:
    frame = exc.__traceback__
    while frame is not None:
        code = frame.tb_frame.f_code
        if code.co_name in BODY_DECODERS and "litestar" in code.co_filename:
            return True
        frame = frame.tb_next
    return False


def is_clients_fault(exc: Exception) -> bool:
    """A malformed body or an out-of-range number: answered 400, not logged as a failure."""
    if isinstance(exc, (RecursionError, UnicodeDecodeError)):
        return raised_while_reading_the_body(exc)
    if isinstance(exc, (OverflowError, DataError)):
        return isinstance(exc, DataError) or raised_by_the_database_layer(exc)
    return False


def malformed_body(request: Request, exc: Exception) -> Response:
    if raised_while_reading_the_body(exc):
        return error_response(request, 400, "malformed request body")
    if request.app.debug:
        return create_debug_response(request=request, exc=exc)
    return server_error(request, exc)


def raised_by_the_database_layer(exc: Exception) -> bool:
    frame = exc.__traceback__
    while frame is not None:
        if "sqlalchemy" in frame.tb_frame.f_code.co_filename:
            return True
        frame = frame.tb_next
    return False


def value_out_of_range(request: Request, exc: Exception) -> Response:
    """An id or number larger than the database's integers (SQLite's OverflowError, PostgreSQL's
    NumericValueOutOfRange): the request's fault, 400. Routes should bound their numbers; this
    keeps one they forgot from answering 500."""
    if is_clients_fault(exc):
        logger.warning("value refused by the database on %s %s: %s", request.method, request.url.path,
                       str(exc).splitlines()[0][:200])
        return error_response(request, 400, "a value in the request is out of range")
    if request.app.debug:
        return create_debug_response(request=request, exc=exc)
    return server_error(request, exc)


def _extra(exc: HTTPException) -> dict | None:
    return exc.extra if isinstance(exc.extra, dict) else None


def security_exception_handlers(settings) -> dict:
    """Merged into create_app's exception_handlers (next to the translated 4xx handlers). In
    development Litestar's own 500 page, with its traceback, is kept."""
    handlers = {401: unauthorized, 403: forbidden, RecursionError: malformed_body, UnicodeDecodeError: malformed_body,
                OverflowError: value_out_of_range, DataError: value_out_of_range}
    if settings.environment != "development":
        handlers[500] = server_error
    return handlers


REFUSALS = (NotAuthorizedException, PermissionDeniedException)


def refusal_entry(exc: HTTPException, scope: Scope) -> dict:
    principal = current_principal(_ScopeView(scope))
    client = scope.get("client")
    permission = exc.extra.get("permission", "") if isinstance(exc.extra, dict) else ""
    method, path = scope.get("method", ""), scope.get("path", "")
    return dict(
        actor=audit.Actor(name=principal.name, remote_addr=client[0] if client else ""),
        action="access.refused",
        entity="route",
        entity_id=f"{method} {path}"[:100],
        after={"status": exc.status_code, "method": method, "path": path[:500], "permission": permission,
               "role": principal.role.value if principal.role else None},
        detail=str(exc.detail)[:2000],
    )


class _ScopeView:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope


def sampled_entries(entry: dict, verdict: Verdict, sampler: RefusalSampler) -> list[dict]:
    """The rows an anonymous refusal writes under sampling (registry/web/refusal_sampling.py)."""
    actor = entry["actor"]
    note = dict(actor=actor, action="access.refused.sampled", entity="address", entity_id=actor.remote_addr[:100])
    rows = []
    if verdict.counted_before:
        rows.append({**note, "after": {"counted": verdict.counted_before, "window_seconds": sampler.window_seconds},
                     "detail": f"{verdict.counted_before} more anonymous refusals from this address were counted, "
                               "not recorded, in its previous window"})
    if verdict.record:
        rows.append(entry)
    if verdict.sampling_starts:
        rows.append({**note, "after": {"recorded": sampler.per_window, "window_seconds": sampler.window_seconds},
                     "detail": f"over {sampler.per_window} anonymous refusals from this address within "
                               f"{sampler.window_seconds:.0f} s: the rest of the window is counted, not recorded"})
    return rows


def refusal_entries(exc: HTTPException, scope: Scope) -> list[dict]:
    entry = refusal_entry(exc, scope)
    if current_principal(_ScopeView(scope)).is_authenticated:
        return [entry]
    sampler = scope["app"].state.refusal_sampler
    return sampled_entries(entry, sampler.judge(entry["actor"].remote_addr), sampler)


def _write_refusal(engine, entries: list[dict]) -> None:
    if not entries:
        return
    with Session(engine) as db:
        for entry in entries:
            audit.record(db, **entry)
        db.commit()


async def audit_refusal(exc: Exception, scope: Scope) -> None:
    """after_exception hook: every 401/403 becomes an audit row (anonymous ones sampled per
    address); an unexpected error is logged."""
    if scope.get("type") != "http":
        return
    if isinstance(exc, REFUSALS):
        try:
            await anyio.to_thread.run_sync(_write_refusal, scope["app"].state.engine, refusal_entries(exc, scope))
        except Exception:  # the refusal stands even if the audit database is unreachable
            logger.exception("could not audit a refusal of %s %s", scope.get("method"), scope.get("path"))
    elif not isinstance(exc, HTTPException) and not is_clients_fault(exc) and getattr(exc, "status_code", 500) >= 500:
        # a refusal with a handler of its own (Refused 422, Conflict 409, …) is the client's, not an error
        logger.error("unhandled error on %s %s", scope.get("method"), scope.get("path"), exc_info=exc)
