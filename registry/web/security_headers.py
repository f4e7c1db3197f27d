"""Security headers on every response (pages, API, static files, errors), and body-size limits.

The Content-Security-Policy allows no inline script, no plugin, no framing, and sends forms
only to this site. The OpenAPI viewers under /schema are third-party pages that load their
scripts from a CDN and start them inline: they get a wider policy of their own, and only they."""

from litestar import Router
from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

APP_CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
SCHEMA_VIEWER_CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://unpkg.com",
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://unpkg.com https://fonts.googleapis.com",
    "font-src 'self' data: https://fonts.gstatic.com",
    "img-src 'self' data: https://cdn.redoc.ly https://cdn.jsdelivr.net",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
])
SCHEMA_DOCUMENTS = (".json", ".yaml", ".yml")
HSTS = "max-age=31536000; includeSubDomains"

# Bodies larger than this are refused with 413 before they are read (JSON, forms). Routes that
# take file uploads set their own limit: see upload_router().
DEFAULT_BODY_LIMIT = 1 * 1024 * 1024
FORM_BODY_LIMIT = 64 * 1024  # login, password, admin forms


def upload_limit(settings) -> int:
    return settings.max_upload_mb * 1024 * 1024


def upload_router(settings, route_handlers: list, path: str = "/") -> Router:
    """Routes taking file uploads, allowed REGISTRY_MAX_UPLOAD_MB instead of DEFAULT_BODY_LIMIT.
    Register the returned router in create_app."""
    return Router(path=path, route_handlers=route_handlers, request_max_body_size=upload_limit(settings))


def content_security_policy(path: str) -> str:
    if path.startswith("/schema") and not path.endswith(SCHEMA_DOCUMENTS):
        return SCHEMA_VIEWER_CSP
    return APP_CSP


def security_headers_hook(settings):
    production = settings.is_production

    async def add_security_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        headers["Content-Security-Policy"] = content_security_policy(scope.get("path", ""))
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"  # frame-ancestors for browsers that predate it
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if production:
            headers["Strict-Transport-Security"] = HSTS

    return add_security_headers
