"""What a backend is asked to run: the query tree once parsed, cleaned and expanded, with the
visibility rule, filters, sort and page. Every backend reads the same Plan (search/service.py
makes it), so they differ only in how they match and rank."""

from dataclasses import dataclass
from datetime import date

from search.api import FacetCount, Filters, Visibility
from search.syntax import AllOf, AnyOf, Node, Phrase, Word

KIND_TIER = 1000.0  # added to the score of a document of a kind the query names: a tier above the rest
BUDGET_SECONDS = 2.0  # a query stops (SearchUnavailable) rather than hang past this
NEVER = 99991231  # day number of valid_until for what has no end, of valid_from for what never applied


def day_number(day: date | None, missing: int = 0) -> int:
    """A date as the number YYYYMMDD (index fields sort and compare it); `missing` for None."""
    return day.year * 10000 + day.month * 100 + day.day if day else missing


def from_day_number(number: int | None) -> date | None:
    return date(number // 10000, number // 100 % 100, number % 100) if number and number != NEVER else None


@dataclass(frozen=True)
class Plan:
    required: tuple[Node, ...]  # all of them must match (match="all") or at least one ("any")
    excluded: tuple[Node, ...] = ()
    match: str = "all"
    # kinds of document the query names ("formulaires"): by relevance, theirs come first
    kinds: tuple[str, ...] = ()
    visibility: Visibility = Visibility()
    filters: Filters = Filters()
    sort: str = "relevance"  # or "date": newest first, then relevance
    offset: int = 0
    limit: int = 20
    facets: bool = True
    budget: float = BUDGET_SECONDS


def nodes_with_weights(node: Node, weight: float = 1.0):
    """(leaf, weight) for every Word and Phrase of a node, weights multiplied down the tree."""
    if isinstance(node, (Word, Phrase)):
        yield node, weight
    elif isinstance(node, AnyOf):
        for option, option_weight in node.options:
            yield from nodes_with_weights(option, weight * option_weight)
    elif isinstance(node, AllOf):
        for part in node.parts:
            yield from nodes_with_weights(part, weight)


def facet_counts(counts: dict, newest_first: bool = False) -> list[FacetCount]:
    """Counts as FacetCounts, most documents first then by value (years and decades: the latest
    first); empty values and zero counts left out."""
    items = [(value, int(count)) for value, count in counts.items() if value not in ("", None) and count]
    order = (lambda item: -int(item[0])) if newest_first else (lambda item: (-item[1], str(item[0])))
    return [FacetCount(str(value), count) for value, count in sorted(items, key=order)]


def facets_from(kind: dict, country: dict, risk: dict, status: dict, year: dict) -> dict[str, list[FacetCount]]:
    """Every facet of FACETS from per-field counts; decades are summed from the years."""
    decades: dict[int, int] = {}
    for value, count in year.items():
        if value not in ("", None):
            decades[int(value) // 10 * 10] = decades.get(int(value) // 10 * 10, 0) + int(count)
    return {"kind": facet_counts(kind), "country": facet_counts(country), "risk": facet_counts(risk),
            "status": facet_counts(status), "decade": facet_counts(decades, newest_first=True),
            "year": facet_counts({int(value): count for value, count in year.items() if value not in ("", None)},
                                 newest_first=True)}
