"""Status of an instrument as of a date, derived from its dates and links, never stored."""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Status(StrEnum):
    not_yet_signed = "not_yet_signed"
    signed = "signed"  # signed, not (yet) in force
    in_force = "in_force"
    terminated = "terminated"
    superseded = "superseded"
    # no date at all recorded (rows the sources name without dates): whether it applies is unknown
    date_unknown = "date_unknown"


@dataclass(frozen=True)
class DatedStatus:
    status: Status
    # True when the instrument counts as in force although its entry-into-force date is not
    # recorded (many historical rows of the reference data); shown to people as a caveat.
    in_force_date_unknown: bool = False

    @property
    def applies(self) -> bool:
        return self.status is Status.in_force

    @property
    def existed(self) -> bool:
        """False for an instrument signed after the date asked: views as of that date leave it out
        (it did not exist then; a jurist does not read it as "not yet signed")."""
        return self.status is not Status.not_yet_signed


def status_on(
    on: date,
    signed_on: date | None,
    in_force_on: date | None,
    terminated_on: date | None,
    superseded: bool = False,
) -> DatedStatus:
    """Status on `on`. `superseded` says a superseding instrument exists for the same country.

    An instrument with no entry-into-force date, signed on or before `on` and not terminated is
    taken as in force, flagged `in_force_date_unknown`: the reference data leaves that date empty
    for old conventions that do apply (e.g. the 1950 Yugoslav convention for Bosnia). One with no
    date at all is `date_unknown`: nothing says it was ever signed, so it is not shown in force.
    """
    if terminated_on is not None and on >= terminated_on:
        return DatedStatus(Status.superseded if superseded else Status.terminated)
    if in_force_on is not None:
        if on >= in_force_on:
            return DatedStatus(Status.in_force)
        if signed_on is not None and on < signed_on:
            return DatedStatus(Status.not_yet_signed)
        return DatedStatus(Status.signed)
    if signed_on is None:
        return DatedStatus(Status.date_unknown)
    if on < signed_on:
        return DatedStatus(Status.not_yet_signed)
    return DatedStatus(Status.in_force, in_force_date_unknown=True)
