"""Sync route handlers run through RequestThreads: handler, page rendering and the closing of the
request's session in one thread (registry/web/request_threads.py says why).

Litestar wraps every `sync_to_thread=True` handler in an AsyncCallable at registration, which
sends it to the event loop's default executor. `confine_handlers(app)` replaces that wrapper on
each handler of the built app with `ConfinedHandler`. Handlers are copies per application
(Litestar copies them when it registers them), so replacing one touches no other app.
A handler may give itself a longer deadline than REGISTRY_REQUEST_TIMEOUT with
`opt={"request_timeout": seconds}` (batches of documents do)."""

import contextvars
import functools
from mimetypes import guess_type

from litestar import Litestar, MediaType, Response
from litestar.exceptions import ImproperlyConfiguredException
from litestar.handlers import HTTPRouteHandler
from litestar.response import Template
from litestar.routes import HTTPRoute
from litestar.types import Scope
from litestar.utils.sync import AsyncCallable
from sqlmodel import Session

# the scope of the request being served (set by registry/web/request_context.py), so that a
# handler thread can build the page's Request without the handler asking for one
CURRENT_SCOPE: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("registry_scope", default=None)
DB_SESSION = "db_session"


class ConfinedHandler:
    """The async callable Litestar awaits in place of a sync handler."""

    def __init__(self, function, request_timeout: float | None) -> None:
        self.function = function
        self.request_timeout = request_timeout
        functools.update_wrapper(self, function)  # its name and docstring make the OpenAPI operation

    async def __call__(self, **kwargs):
        scope = CURRENT_SCOPE.get()
        threads = scope["app"].state.request_threads
        return await threads.run(self.call_here, scope, kwargs, seconds=self.request_timeout)

    def call_here(self, scope: Scope, kwargs: dict):
        """In the handler thread, from the first query to the closed session."""
        sessions = [value for value in kwargs.values() if isinstance(value, Session)]
        try:
            result = self.function(**kwargs)
            return rendered(result, scope) if isinstance(result, Template) else result
        finally:
            for session in sessions:
                session.close()


def rendered(template: Template, scope: Scope) -> Response:
    """A page rendered here, in the handler thread with the session still open (templates may
    read lazy relationships), instead of on the event loop after the handler returned."""
    request = scope["app"].request_class(scope)
    engine = request.app.template_engine
    context = template.create_template_context(request)
    if template.template_str is not None:
        body = engine.render_string(template.template_str, context)
    else:
        body = engine.get_template(template.template_name).render(**context)
    media_type = template.media_type or (guess_type(template.template_name or "page.html")[0] or MediaType.HTML)
    return Response(body.encode(template.encoding) if isinstance(body, str) else body, status_code=template.status_code,
                    headers=template.headers, cookies=template.cookies, media_type=media_type,
                    background=template.background, encoding=template.encoding)


def _http_handlers(app: Litestar):
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            yield from route.route_handlers


def confine_handlers(app: Litestar) -> Litestar:
    """Every sync handler through the app's RequestThreads; an async handler may not take the
    database session (it would use it on the event loop)."""
    for handler in _http_handlers(app):
        function = handler.fn
        if isinstance(function, AsyncCallable):
            handler._fn = ConfinedHandler(function.func, handler.opt.get("request_timeout"))
        elif DB_SESSION in handler.parsed_fn_signature.parameters and not isinstance(function, ConfinedHandler):
            raise ImproperlyConfiguredException(f"{handler}: an async handler may not take {DB_SESSION}; "
                                                "make it a sync handler with sync_to_thread=True")
    return app


def handler_is_confined(handler: HTTPRouteHandler) -> bool:
    return isinstance(handler.fn, ConfinedHandler)
