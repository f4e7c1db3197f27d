"""Query-parameter parsing with errors that name the parameter and what it accepts."""

from collections.abc import Iterable
from datetime import date

from litestar.exceptions import HTTPException


class BadParameter(HTTPException):
    status_code = 400

    def __init__(self, name: str, value: object, expected: str, accepted: Iterable[str] | None = None) -> None:
        extra: dict = {"parameter": name, "value": value, "expected": expected}
        if accepted is not None:
            extra["accepted"] = list(accepted)
        super().__init__(detail=f"invalid value {value!r} for parameter '{name}': expected {expected}", extra=extra)


def parse_date(name: str, value: str | None, default: date | None = None) -> date | None:
    if value is None or value == "":
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadParameter(name, value, "a date as YYYY-MM-DD") from None


def parse_choice(name: str, value: str | None, accepted: Iterable[str]) -> str | None:
    accepted = list(accepted)
    if value is None or value == "":
        return None
    if value not in accepted:
        raise BadParameter(name, value, "one of " + ", ".join(accepted), accepted)
    return value
