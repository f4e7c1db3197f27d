"""Refused writes as responses: 422 with an error per field, 409 with the reason, 412 with the
current version. Messages are translated into the request's language; `extra` stays
machine-readable."""

from litestar import Request, Response

from registry import i18n
from registry.documents.converter import PACKAGES, ConversionFailed, ConverterUnavailable
from registry.documents.workers import RenderFailed
from registry.labels import Message, mark
from registry.problems import Conflict, Refused, StaleVersion
from registry.web.errors import TranslatableHTTPException, translated_error_response
from registry.web.etag import etag_for


def _locale(request: Request) -> str:
    return request.scope.get("state", {}).get("locale", i18n.DEFAULT_UI_LOCALE)


def translate(request: Request, message: str, params: dict) -> str:
    return i18n.gettext(_locale(request), message, **params)


def machine_readable(params: dict) -> dict:
    """The parameters of a refusal for programs: terms by their code."""
    return {name: value if isinstance(value, int | float | bool | None) else str(value)
            for name, value in params.items()}


def refused_handler(request: Request, exc: Refused) -> Response:
    errors = [{"field": e.field, "message": translate(request, e.message, e.params)} for e in exc.errors]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return Response({"status_code": 422, "detail": detail, "errors": errors}, status_code=422)


def conflict_handler(request: Request, exc: Conflict) -> Response:
    return Response({"status_code": 409, "detail": translate(request, exc.message, exc.params),
                     "extra": machine_readable(exc.params)}, status_code=409)


def stale_handler(request: Request, exc: StaleVersion) -> Response:
    detail = translate(request, mark("someone saved version %(current)s after the version %(expected)s you edited; "
                       "nothing was overwritten"), {"current": exc.current, "expected": exc.expected})
    return Response({"status_code": 412, "detail": detail, "current_version": exc.current}, status_code=412,
                    headers={"ETag": etag_for(exc.current)})


def unavailable_handler(request: Request, exc: Exception) -> Response:
    """LibreOffice missing or a render worker stopped or busy: the service, not the request, is
    at fault. A page for a browser, JSON for the API, with Retry-After either way."""
    retry_after = getattr(exc, "retry_after", 30)
    if isinstance(exc, ConverterUnavailable):
        message, params = mark("PDF is not available here: LibreOffice is not installed (Debian packages "
                               "%(packages)s); DOCX still works"), {"packages": PACKAGES}
    elif isinstance(exc, RenderFailed):
        message, params = mark("the document could not be produced: %(reason)s"), {
            "reason": Message(exc.message, exc.params)}
    else:
        message, params = mark("the document could not be produced: %(reason)s"), {"reason": str(exc)}
    unavailable = TranslatableHTTPException(message, params, status_code=503,
                                            headers={"Retry-After": str(retry_after)})
    return translated_error_response(request, unavailable)


def problem_handlers() -> dict:
    return {Refused: refused_handler, Conflict: conflict_handler, StaleVersion: stale_handler,
            ConverterUnavailable: unavailable_handler, ConversionFailed: unavailable_handler,
            RenderFailed: unavailable_handler}
