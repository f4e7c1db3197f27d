"""Chooses the interface language of each request and remembers an explicit choice in a cookie."""

from litestar.connection import ASGIConnection
from litestar.types import ASGIApp, Receive, Scope, Send

from registry.i18n import negotiate

LANG_COOKIE = "registry_lang"


def request_locale(connection: ASGIConnection) -> str:
    return connection.scope.get("state", {}).get("locale") or negotiate(None, None, None)


def locale_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        connection = ASGIConnection(scope)
        query_lang = connection.query_params.get("lang")
        default = scope["app"].state.settings.default_locale
        locale = negotiate(query_lang, connection.cookies.get(LANG_COOKIE),
                           connection.headers.get("accept-language"), default)
        scope.setdefault("state", {})["locale"] = locale
        if query_lang and query_lang == locale:
            send = _with_cookie(send, locale)
        await app(scope, receive, send)

    return middleware


def _with_cookie(send: Send, locale: str) -> Send:
    async def wrapped(message) -> None:
        if message["type"] == "http.response.start":
            cookie = f"{LANG_COOKIE}={locale}; Path=/; Max-Age=31536000; SameSite=Lax".encode()
            message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie)]
        await send(message)

    return wrapped
