"""The search protocol: what features hand to the index (SearchDocument), what a reader asks
(SearchQuery), what comes back (SearchResults), and the choice of backend (made once, from settings).

A backend implements the write side (`ensure`, `index`, `remove`, `rebuild_aside`) and two reads:
`execute(plan)` runs a parsed, expanded query (search/plan.py) with its filters, visibility,
facets, sort and page; `near_words(word, distance, visibility)` lists the index's own words
close to a typo. Parsing, the thesaurus, typo retries and suggestions are the same for every
backend (search/service.py), so the backends differ only in how they match and rank."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

from sqlalchemy.engine import Engine

from registry.problems import SearchUnavailable  # noqa: F401 (part of this module's API)
from registry.settings import SettingsError

PUBLIC = "public"


@dataclass(frozen=True)
class SearchDocument:
    key: str  # unique, e.g. "instrument:42"
    kind: str  # e.g. "instrument"
    title: str
    body: str
    url: str
    country: str = ""
    year: int | None = None  # defaults to the year of `dated`
    # who may see it: "public", or "staff" for restricted material
    audience: str = PUBLIC
    # words that describe the document without being its text (its country's names in several
    # languages, words naming its kind, its meeting's title and date): found, never shown
    context: str = ""
    risks: tuple[str, ...] = field(default_factory=tuple)
    status: str = ""  # the document's status when it was indexed, in its feature's words
    dated: date | None = None  # the date it is known by (signature, publication, meeting): sort by date
    # applies from that day until the day before `valid_until`: the as-of filter (`on=`)
    valid_from: date | None = None
    valid_until: date | None = None

    def __post_init__(self) -> None:
        if self.year is None and self.dated is not None:
            object.__setattr__(self, "year", self.dated.year)

    def applies_on(self, day: date) -> bool:
        return (self.valid_from is not None and self.valid_from <= day
                and (self.valid_until is None or day < self.valid_until))


@dataclass(frozen=True)
class Visibility:
    """Who is asking: the audiences they may see, and for a principal limited to some countries
    (a delegation member), the countries whose non-public documents they may see."""

    audiences: tuple[str, ...] = (PUBLIC,)
    countries: tuple[str, ...] = ()  # empty: every country

    def allows(self, audience: str, country: str) -> bool:
        if audience == PUBLIC:
            return PUBLIC in self.audiences
        return audience in self.audiences and (not self.countries or country in self.countries)

    @property
    def restricted(self) -> tuple[str, ...]:
        """The non-public audiences visible (under the country limit)."""
        return tuple(a for a in self.audiences if a != PUBLIC)


@dataclass(frozen=True)
class Filters:
    country: str = ""
    kind: str = ""
    risk: str = ""
    status: str = ""
    years: tuple[int | None, int | None] = (None, None)  # (first, last), inclusive, either open
    on: date | None = None  # only what applies that day (SearchDocument.applies_on)

    def keep(self, doc: SearchDocument) -> bool:
        """The reference meaning of every filter (the memory backend applies it as is)."""
        first, last = self.years
        return ((not self.country or doc.country == self.country) and (not self.kind or doc.kind == self.kind)
                and (not self.risk or self.risk in doc.risks) and (not self.status or doc.status == self.status)
                and (self.years == (None, None) or (doc.year is not None and (first is None or doc.year >= first)
                                                    and (last is None or doc.year <= last)))
                and (self.on is None or doc.applies_on(self.on)))


SORTS = ("relevance", "date")
FACETS = ("kind", "country", "risk", "status", "decade", "year")


@dataclass(frozen=True)
class SearchQuery:
    text: str
    visibility: Visibility = Visibility()
    filters: Filters = Filters()
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    facets: bool = True


@dataclass(frozen=True)
class SearchHit:
    key: str
    kind: str
    title: str
    url: str
    country: str
    score: float
    highlight: str = ""  # HTML-escaped fragment with <b> around matches
    audience: str = PUBLIC
    year: int | None = None
    dated: date | None = None
    status: str = ""
    risks: tuple[str, ...] = ()


@dataclass(frozen=True)
class FacetCount:
    value: str
    count: int


@dataclass(frozen=True)
class SearchResults:
    total: int
    hits: list[SearchHit]
    # facet name -> values with their counts, most documents first (FACETS; decade as "1990")
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)
    page: int = 1
    per_page: int = 20
    suggestion: str = ""  # the query with its typos corrected from the index's words, if that finds more
    # why there is nothing to show: "" when there are hits; else empty_query, only_stop_words,
    # only_exclusions, no_match, page_past_end
    reason: str = ""
    widened: str = ""  # "any_word" or "typos" when the words as typed found nothing and a wider query did


class SearchBackend(Protocol):
    name: str
    # what it can do beyond the contract every backend meets (tests and the README table read it)
    capabilities: frozenset[str]

    def ensure(self) -> bool:
        """Create the index if missing; True when it was created (and so needs filling)."""

    def is_reachable(self) -> bool: ...

    def index(self, docs: Iterable[SearchDocument]) -> int: ...

    def remove(self, keys: Iterable[str]) -> None: ...

    def rebuild_aside(self, docs: Iterable[SearchDocument]) -> int:
        """Replace the whole index with `docs`, built beside the live one and swapped in at the
        end in one step: queries keep answering from the old index until then (and go on doing
        so if the build fails). Returns the number of documents. The caller keeps other writes
        out meanwhile (search/following.py holds the drain lock), so none is lost in the swap."""

    def execute(self, plan) -> SearchResults:
        """Run a search/plan.py Plan: matching, visibility, filters, facets, sort, page."""

    def near_words(self, word: str, distance: int, visibility: Visibility) -> list[tuple[str, int]]:
        """Words of the index (accents folded, not stemmed) starting with `word`'s first letter and
        within `distance` edits of it, with the number of documents `visibility` sees them in."""


BACKENDS = ("tantivy", "whoosh", "postgres", "memory")


def make_backend(name: str, index_dir: Path, engine: Engine) -> SearchBackend:
    """The backend REGISTRY_SEARCH_BACKEND names: tantivy or whoosh in `index_dir`, PostgreSQL
    full-text in the application's database `engine` (several instances), or memory (tests)."""
    if name == "tantivy":
        from search.tantivy_backend import TantivyBackend

        return TantivyBackend(index_dir / "tantivy")
    if name == "whoosh":
        from search.whoosh_backend import WhooshBackend

        return WhooshBackend(index_dir)
    if name == "postgres":
        if engine.dialect.name != "postgresql":
            raise SettingsError(
                "REGISTRY_SEARCH_BACKEND=postgres keeps the index in a PostgreSQL database, but the database is "
                f"{engine.url.render_as_string(hide_password=True)} (REGISTRY_DATABASE_URL; empty means SQLite): "
                "set REGISTRY_DATABASE_URL=postgresql+psycopg://… or REGISTRY_SEARCH_BACKEND=tantivy")
        from search.postgres_backend import PostgresBackend

        return PostgresBackend(engine)
    if name == "memory":
        from search.memory import MemoryBackend

        return MemoryBackend()
    raise SettingsError(f"REGISTRY_SEARCH_BACKEND: unknown backend {name!r}; expected one of {', '.join(BACKENDS)}")
