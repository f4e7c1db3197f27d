"""Who is asking (authentication) and whether a browser form was sent by our own page (CSRF).

Authentication always puts a Principal in scope["user"]: a machine's bearer token when an
Authorization header is sent (and then only that: cookies are ignored), else the person of a
live session cookie, else ANONYMOUS. What the principal may do is decided by the route's guard.

CSRF matters only for requests that carry a browser's ambient credentials: the session cookie.
A bearer token is sent deliberately by a program, never attached by a browser to a forged
cross-site request (a page cannot set Authorization across origins without a CORS preflight,
which this application never grants), and an anonymous request has no authority to borrow. So
the check runs for session-authenticated requests and for routes that opt in with
opt={"csrf": "always"} (the login form: it creates the credentials)."""

from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.exceptions import NotAuthorizedException
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlmodel import Session

from registry.auth.principal import ANONYMOUS
from registry.auth.sessions import resolve_session
from registry.auth.tokens import resolve_token

SESSION_COOKIE = "registry_session"
CSRF_COOKIE = "registry_csrf"
CSRF_HEADER = "x-csrftoken"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="registry"'}


def secure_cookies(settings) -> bool:
    """Secure (HTTPS-only) cookies everywhere but on a developer's machine."""
    return settings.environment != "development"


def session_cookie(value: str, settings, max_age: int) -> Cookie:
    return Cookie(key=SESSION_COOKIE, value=value, path="/", max_age=max_age, httponly=True,
                  secure=secure_cookies(settings), samesite="lax")


def expired_session_cookie(settings) -> Cookie:
    return Cookie(key=SESSION_COOKIE, value="", path="/", max_age=0, expires=0, httponly=True,
                  secure=secure_cookies(settings), samesite="lax")


def _resolve(engine, resolver, credential: str):
    """In a handler thread (RequestThreads), its session closed before the handler gets its own."""
    with Session(engine, expire_on_commit=False) as db:
        principal = resolver(db, credential)
        db.commit()  # last-seen / last-used times
        return principal


def authentication_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await app(scope, receive, send)
            return
        scope["user"] = ANONYMOUS
        scope["auth"] = None
        connection = ASGIConnection(scope)
        state = scope["app"].state
        engine, threads = state.engine, state.request_threads
        authorization = connection.headers.get("authorization")
        if authorization is not None:
            scheme, _, credential = authorization.partition(" ")
            if scheme.lower() != "bearer" or not credential.strip():
                raise NotAuthorizedException(detail="expected 'Authorization: Bearer <token>'", headers=BEARER_CHALLENGE)
            principal = await threads.run(_resolve, engine, resolve_token, credential.strip())
            if principal is None:
                raise NotAuthorizedException(detail="invalid, expired or revoked token", headers=BEARER_CHALLENGE)
            scope["user"], scope["auth"] = principal, "token"
        elif cookie := connection.cookies.get(SESSION_COOKIE):
            principal = await threads.run(_resolve, engine, resolve_session, cookie)
            if principal is None:
                send = _forget_session_cookie(send, state.settings)
            else:
                scope["user"], scope["auth"] = principal, "session"
        await app(scope, receive, send)

    return middleware


def _forget_session_cookie(send: Send, settings) -> Send:
    """A stale session cookie is removed from the browser with the response."""
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableScopeHeaders.from_message(message)
            headers.add("set-cookie", expired_session_cookie(settings).to_header(header=""))
        await send(message)

    return wrapped


def csrf_config(secret_key: str, settings) -> CSRFConfig:
    return CSRFConfig(secret=secret_key, cookie_name=CSRF_COOKIE, header_name=CSRF_HEADER,
                      cookie_secure=secure_cookies(settings), cookie_httponly=True, cookie_samesite="lax")


NO_FORMS = ("/api/", "/health", "/static/")  # answers that never carry a form: no token to hand out


def needs_csrf_check(scope: Scope) -> bool:
    if scope["method"] in SAFE_METHODS:
        # the check does nothing then but hand the page a token for its forms (a random token, a
        # system call on the event loop, that the API, /health and static files would not use)
        return not scope.get("path", "").startswith(NO_FORMS)
    if scope.get("auth") == "session":
        return True
    handler = scope.get("route_handler")
    return handler is not None and handler.opt.get("csrf") == "always"


class CookieCSRFMiddleware:
    """Litestar's CSRFMiddleware (cookie + `_csrf_token` form field or x-csrftoken header),
    applied where ambient credentials are at stake; runs after authentication_middleware."""

    def __init__(self, app: ASGIApp, config: CSRFConfig) -> None:
        self.app = app
        self.checked = CSRFMiddleware(app=app, config=config)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and needs_csrf_check(scope):
            await self.checked(scope, receive, send)
        else:
            await self.app(scope, receive, send)
