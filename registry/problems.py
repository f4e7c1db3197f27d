"""Refused writes: errors per field, with a message id translated where they are shown.

Messages are English msgids with %(name)s placeholders, marked for the catalogs; the page or
API handler translates them into the request's language."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str
    params: dict = field(default_factory=dict)


class Refused(Exception):
    """A write refused because of its input (422): nothing was written."""

    status_code = 422

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message % e.params}" for e in errors))
        self.errors = errors


class Conflict(Exception):
    """A write refused because of the state of the record (409): e.g. a cycle, an immutable version."""

    status_code = 409

    def __init__(self, message: str, **params) -> None:
        super().__init__(message % params)
        self.message = message
        self.params = params


class StaleVersion(Exception):
    """If-Match named an older version (412): someone else saved first; nothing was overwritten."""

    status_code = 412

    def __init__(self, expected: int, current: int) -> None:
        super().__init__(f"version {expected} is stale; current version is {current}")
        self.expected = expected
        self.current = current


class SearchUnavailable(RuntimeError):
    """The search index cannot be created, written or read (search/): one line for the operator.
    Here, not in search/, so that the web layer can answer 503 without importing a backend."""


class QuerySyntaxError(ValueError):
    """A search query the syntax cannot read (search/syntax.py). `message` is a catalog message id
    (marked), said as "expected …" after the parameter. Here for the same reason as SearchUnavailable."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
