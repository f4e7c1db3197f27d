"""What changed lately, for the home page: each feature package says what it has (new form
versions, instruments signed, meetings) through a provider the composition root lists; this
module only holds the shape they share, so registry core imports none of them."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class RecentChange:
    on: date
    kind: str  # a msgid naming what it is ("New form version"), translated by the page
    title: str  # in French: data titles are French first
    url: str
    count: int = 0  # for a kind that counts ("New versions of %(count)s forms")


def latest(changes, limit: int) -> list[RecentChange]:
    """The `limit` most recent, newest first (ties by title, so the order is stable)."""
    return sorted(changes, key=lambda c: (c.on, c.title), reverse=True)[:limit]
