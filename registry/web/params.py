"""Query-parameter parsing with errors that name the parameter and what it accepts.

The error's detail is translated into the request's language (registry/web/errors.py); its
`extra` stays machine-readable and untranslated: parameter, value, expected (in English),
accepted."""

from collections.abc import Iterable
from datetime import date

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
