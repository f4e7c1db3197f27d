"""Client errors whose `detail` is translated into the request's language.

An error carries a catalog message (an English msgid with %(name)s placeholders, marked for
extraction) and its variables; the handler translates it when the response is made, so the
code that raises knows nothing of languages. `extra` stays machine-readable and untranslated.
API routes answer JSON (Litestar's shape: status_code, detail, extra); pages answer HTML."""

from http import HTTPStatus

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotFoundException
from litestar.response import Template

from registry import i18n
from registry.labels import mark
from registry.web.i18n_middleware import request_locale
from registry.web.request_log import request_id

STATUS_TITLES = {
    400: mark("Invalid request"),
    404: mark("Not found"),
    503: mark("Service unavailable"),
}
BACK_HOME = mark("Back to the home page")
REQUEST_ID_LABEL = mark("Request id (give it to the administrator):")

# a file, not a template string: Jinja compiles it once (a string is compiled on every error,
# about 3-13 ms on the event loop, which a flood of 404s or 503s would spend there)
ERROR_PAGE = "registry/error.html"


class TranslatableHTTPException(HTTPException):
    """`detail` is `message % params` in English (for logs); responses translate `message`."""

    def __init__(self, message: str, params: dict | None = None, *, extra: dict | None = None,
                 headers: dict[str, str] | None = None, status_code: int | None = None) -> None:
        self.message = message
        self.params = dict(params or {})
        super().__init__(detail=self.detail_in("en"), extra=extra, headers=headers, status_code=status_code)

    def detail_in(self, locale: str) -> str:
        return i18n.gettext(locale, self.message, **self.params)


class NotFound(TranslatableHTTPException, NotFoundException):
    status_code = 404


def translated_detail(exc: HTTPException, locale: str) -> str:
    if isinstance(exc, TranslatableHTTPException):
        return exc.detail_in(locale)
    if exc.status_code in STATUS_TITLES and exc.detail == HTTPStatus(exc.status_code).phrase:
        return i18n.gettext(locale, STATUS_TITLES[exc.status_code])
    return exc.detail


def wants_html(request: Request) -> bool:
    """JSON for the API; a page when a browser asks for one (page handlers return a Template,
    which leaves their media type unset)."""
    media_type = getattr(request.scope.get("route_handler"), "media_type", "")
    if media_type:
        return media_type == MediaType.HTML
    if request.url.path.startswith(("/api/", "/schema")):
        return False
    return "text/html" in request.headers.get("accept", "")


def translated_error_response(request: Request, exc: HTTPException) -> Response:
    locale = request_locale(request)
    detail = translated_detail(exc, locale)
    failure_id = request_id(request.scope) if exc.status_code >= 500 else None
    if wants_html(request):
        title = i18n.gettext(locale, STATUS_TITLES.get(exc.status_code, mark("Error")))
        context = dict(title=title, detail=detail, back=i18n.gettext(locale, BACK_HOME),
                       site=i18n.gettext(locale, mark("Registry of social-security agreements")),
                       request_id=failure_id, request_id_label=i18n.gettext(locale, REQUEST_ID_LABEL))
        return Template(ERROR_PAGE, context=context, status_code=exc.status_code,
                        headers=exc.headers, media_type=MediaType.HTML)
    content = {"status_code": exc.status_code, "detail": detail}
    if exc.extra is not None:
        content["extra"] = exc.extra
    if failure_id:
        content["request_id"] = failure_id
    return Response(content, status_code=exc.status_code, headers=exc.headers, media_type=MediaType.JSON)


def exception_handlers() -> dict:
    """Registered by create_app. Plain NotFoundException too, for the 404 of unknown paths."""
    return {TranslatableHTTPException: translated_error_response, NotFoundException: translated_error_response}
