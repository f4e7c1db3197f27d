"""Chooses the interface language of each request and remembers an explicit choice in a cookie.

Order: `?lang=`, then the cookie the language switch sets, then Accept-Language, then the
REGISTRY_DEFAULT_LOCALE setting. Every response varies on the last two."""

from contextvars import ContextVar

from litestar.connection import ASGIConnection
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from registry.i18n import DEFAULT_UI_LOCALE, match_ui_locale, negotiate

LANG_COOKIE = "registry_lang"
# The interface language of the request being served, for template code that has no request
# in its context (macros imported without context). Interface only: documents name their
# languages explicitly and never read this.
INTERFACE_LOCALE: ContextVar[str | None] = ContextVar("interface_locale", default=None)
ONE_YEAR = 365 * 24 * 3600


def negotiate_for(connection: ASGIConnection) -> str:
    settings = getattr(connection.app.state, "settings", None)
    return negotiate(connection.query_params.get("lang"), connection.cookies.get(LANG_COOKIE),
                     connection.headers.get("accept-language"),
                     getattr(settings, "default_locale", DEFAULT_UI_LOCALE))


def request_locale(connection: ASGIConnection) -> str:
    """The locale the middleware chose; negotiated here when it did not run (no route matched)."""
    return connection.scope.get("state", {}).get("locale") or negotiate_for(connection)


def locale_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        connection = ASGIConnection(scope)
        locale = negotiate_for(connection)
        scope.setdefault("state", {})["locale"] = locale
        chosen = match_ui_locale(connection.query_params.get("lang"))
        secure = getattr(getattr(scope["app"].state, "settings", None), "is_production", False)
        token = INTERFACE_LOCALE.set(locale)
        try:
            await app(scope, receive, _with_headers(send, chosen, secure))
        finally:
            INTERFACE_LOCALE.reset(token)

    return middleware


def _with_headers(send: Send, chosen: str | None, secure: bool) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [*message.get("headers", []), (b"vary", b"Accept-Language, Cookie")]
            if chosen:
                cookie = f"{LANG_COOKIE}={chosen}; Path=/; Max-Age={ONE_YEAR}; SameSite=Lax; HttpOnly"
                headers.append((b"set-cookie", (cookie + ("; Secure" if secure else "")).encode()))
            message["headers"] = headers
        await send(message)

    return wrapped
