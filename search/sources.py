"""What a feature hands to search: a *source* of indexed units (an instrument, a form, a meeting).

A unit is what one change refreshes as a whole: its key (`instrument:42`) is that of its main
document, and the source turns units into documents (a meeting gives its own document and one
per agenda item's minutes) plus the keys of documents that no longer exist. The records a
source `watches` are those whose change, in any write, makes its unit stale: the outbox
(search/outbox.py) records the unit's key in the same transaction as that change.

search/ knows no domain objects: the features define their sources in their own `search.py`,
and the composition root lists them (registry/composition.py)."""

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from sqlmodel import Session

from search.api import SearchDocument

CHUNK = 200  # units turned into documents per query round


@dataclass(frozen=True)
class Refresh:
    documents: list[SearchDocument] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # keys no longer backed by a record


@dataclass(frozen=True)
class SearchSource:
    name: str  # prefix of its unit keys: "instrument" -> "instrument:42"
    # model class -> id of the unit a changed row of it belongs to (None: no unit)
    watches: Mapping[type, Callable[[Any], int | None]]
    unit_ids: Callable[[Session], list[int]]  # every unit, for a rebuild
    refresh: Callable[[Session, list[int]], Refresh]  # units -> their documents now

    def key(self, unit_id: int) -> str:
        return f"{self.name}:{unit_id}"


def unit_of(key: str) -> tuple[str, int] | None:
    """("meeting", 5) for "meeting:5"; None for a key that names no unit."""
    name, _, rest = key.partition(":")
    number = rest.partition(":")[0]
    return (name, int(number)) if name and number.isdigit() else None


def chunks(ids: Iterable[int], size: int = CHUNK) -> Iterator[list[int]]:
    iterator = iter(ids)
    while chunk := list(islice(iterator, size)):
        yield chunk


def count_units(session: Session, sources: Iterable[SearchSource]) -> list[tuple[SearchSource, list[int]]]:
    return [(source, source.unit_ids(session)) for source in sources]


def every_document(session: Session, sources: Iterable[SearchSource],
                   progress: Callable[[int, int], None] | None = None) -> Iterator[SearchDocument]:
    """Every document of every source; `progress(units done, units in all)` after each chunk."""
    units = count_units(session, sources)
    total, done = sum(len(ids) for _source, ids in units), 0
    if progress:
        progress(0, total)
    for source, ids in units:
        for chunk in chunks(ids):
            yield from source.refresh(session, chunk).documents
            done += len(chunk)
            if progress:
                progress(done, total)
