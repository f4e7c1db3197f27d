"""The dates the registry holds: from 1900 to 2100, on every table.

One rule for every write path (API, pages, imports, shipped data): it runs when a row is
flushed (registry/write_rules.py), on every `date` column of every table, so a new date
column is covered without anyone remembering it. A service that computes with a date before
flushing (the day before a publication date) calls `refuse_out_of_range` first.

Why bounds at all: the oldest instrument in force with France dates from 1950 and an agreement
is signed for decades, not centuries; a date like 0001-01-01 or 2999-12-31 is a typing mistake,
and such dates broke the pages that draw timelines (issue 13)."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy import inspect

from registry.labels import mark
from registry.problems import FieldError, Refused

EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)
OUT_OF_RANGE = mark("%(value)s is outside the dates the registry holds (%(earliest)s to %(latest)s)")


def in_range(value: date) -> bool:
    return EARLIEST <= value <= LATEST


def problem(field: str, value: object) -> FieldError | None:
    if isinstance(value, date) and not in_range(value):
        return FieldError(field, OUT_OF_RANGE, {"value": value.isoformat(), "earliest": EARLIEST.isoformat(),
                                                "latest": LATEST.isoformat()})
    return None


def refuse_out_of_range(values: dict[str, object]) -> None:
    """Refused (422) naming every field of `values` whose date is out of range."""
    problems = [p for name, value in values.items() for p in [problem(name, value)] if p]
    if problems:
        raise Refused(problems)


def date_columns(record) -> list[str]:
    return [attr.key for attr in inspect(type(record)).column_attrs
            if any(isinstance(column.type, sa.Date) for column in attr.columns)]  # not DateTime


def changed_dates(record, is_new: bool) -> dict[str, object]:
    """The date columns of a row being written: all of a new row, the changed ones of another
    (a row stored with a bad date before this rule existed can still be archived or fixed)."""
    state = inspect(record)
    return {name: getattr(record, name) for name in date_columns(record)
            if is_new or state.attrs[name].history.has_changes()}


def check_row(record, is_new: bool) -> None:
    refuse_out_of_range(changed_dates(record, is_new))
