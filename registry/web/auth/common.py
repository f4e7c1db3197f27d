"""What the account pages share: the client's address, safe redirects, form errors."""

from litestar import Request
from litestar.response import Template

from registry.accounts import AccountError
from registry.i18n import translations
from registry.web.i18n_middleware import request_locale


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


def safe_next(target: str | None) -> str:
    """Only a path on this site: never //evil.example or https://evil.example (open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ord(char) < 32 for char in target):
        return "/"
    return target


def error_text(request: Request, exc: AccountError) -> str:
    return translations(request_locale(request)).gettext(exc.message) % exc.params


def page_with_error(request: Request, template: str, context: dict, exc: AccountError,
                    status_code: int = 422) -> Template:
    errors = {exc.field: error_text(request, exc)}
    return Template(template, context={**context, "errors": errors}, status_code=status_code)


def split_codes(text: str) -> list[str]:
    return [part for part in text.replace(";", ",").replace(" ", ",").split(",") if part]
