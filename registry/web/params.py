"""Query-parameter parsing with errors that name the parameter and what it accepts.

The error's detail is translated into the request's language (registry/web/errors.py); its
`extra` stays machine-readable and untranslated: parameter, value, expected (in English),
accepted."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from registry import i18n
from registry.labels import mark
from registry.web.errors import TranslatableHTTPException

INVALID_VALUE = mark("invalid value %(value)s for parameter '%(parameter)s': expected %(expected)s")
A_DATE = mark("a date as YYYY-MM-DD")
ONE_OF = mark("one of %(accepted)s")


class BadParameter(TranslatableHTTPException):
    """`expected` is a catalog message (babel keyword `BadParameter:3`, so a literal is extracted);
    it may use %(accepted)s, the accepted values joined by commas."""

    status_code = 400

    def __init__(self, name: str, value: object, expected: str, accepted: Iterable[str] | None = None) -> None:
        self.name, self.expected = name, expected
        self.accepted = None if accepted is None else list(accepted)
        extra: dict = {"parameter": name, "value": value, "expected": self.expected_in("en")}
        if self.accepted is not None:
            extra["accepted"] = self.accepted
        super().__init__(INVALID_VALUE, {"value": repr(value), "parameter": name}, extra=extra)

    def expected_in(self, locale: str) -> str:
        expected = i18n.translations(locale).gettext(self.expected)
        if "%(accepted)s" in expected:
            expected = expected % {"accepted": ", ".join(self.accepted or [])}
        return expected

    def detail_in(self, locale: str) -> str:
        return i18n.gettext(locale, self.message, **self.params, expected=self.expected_in(locale))


def parse_date(name: str, value: str | None, default: date | None = None) -> date | None:
    if value is None or value == "":
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadParameter(name, value, A_DATE) from None


def parse_choice(name: str, value: str | None, accepted: Iterable[str]) -> str | None:
    accepted = list(accepted)
    if value is None or value == "":
        return None
    if value not in accepted:
        raise BadParameter(name, value, ONE_OF, accepted)
    return value


A_YEAR = mark("a year such as 2014")


def parse_year(name: str, value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not (value.isdigit() and 1800 <= int(value) <= 2200):
        raise BadParameter(name, value, A_YEAR)
    return int(value)


A_PAGE = mark("a whole number from 1")
A_PAGE_SIZE = mark("a whole number from 1 to %(accepted)s")


@dataclass(frozen=True)
class Paging:
    """`page` (from 1) and `per_page` of a list endpoint; the answer keeps its shape (a JSON list)
    and says the rest in headers: X-Total-Count, and Link rel=next/prev/first/last (RFC 8288)."""

    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def headers(self, request, total: int) -> dict[str, str]:
        last = max(1, -(-total // self.per_page))
        pages = {"first": 1, "last": last}
        if self.page > 1:
            pages["prev"] = min(self.page - 1, last)
        if self.page < last:
            pages["next"] = self.page + 1
        query = [(k, v) for k, v in request.query_params.multi_items() if k not in ("page", "per_page")]
        links = [f'<{request.url.path}?{urlencode([*query, ("page", n), ("per_page", self.per_page)])}>; rel="{rel}"'
                 for rel, n in pages.items()]
        return {"X-Total-Count": str(total), "Link": ", ".join(links)}


def _whole(name: str, value: str, expected: str, accepted: list[str] | None = None) -> int:
    try:
        number = int(value)
    except ValueError:
        raise BadParameter(name, value, expected, accepted) from None
    return number


def parse_paging(page: str | None, per_page: str | None, default_per_page: int = 100, max_per_page: int = 500) -> Paging:
    number = 1 if page in (None, "") else _whole("page", page, A_PAGE)
    if number < 1:
        raise BadParameter("page", page, A_PAGE)
    size = default_per_page if per_page in (None, "") else _whole("per_page", per_page, A_PAGE_SIZE, [str(max_per_page)])
    if not 1 <= size <= max_per_page:
        raise BadParameter("per_page", per_page, A_PAGE_SIZE, [str(max_per_page)])
    return Paging(number, size)
