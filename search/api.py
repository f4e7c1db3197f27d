"""The search protocol and the choice of backend (made once, from settings)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sqlalchemy.engine import Engine

from registry.problems import SearchUnavailable  # noqa: F401 (part of this module's API)
from registry.settings import SettingsError


@dataclass(frozen=True)
class SearchDocument:
    key: str  # unique, e.g. "instrument:42"
    kind: str  # e.g. "instrument"
    title: str
    body: str
    url: str
    country: str = ""
    year: int | None = None
    # who may see it: "public", or "staff" for restricted material
    audience: str = "public"
    tags: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class SearchHit:
    key: str
    kind: str
    title: str
    url: str
    country: str
    score: float
    highlight: str = ""  # HTML-escaped fragment with <b> around matches
    audience: str = "public"
    year: int | None = None


class SearchBackend(Protocol):
    def ensure(self) -> bool:
        """Create the index if missing; True when it was created (and so needs filling)."""

    def is_reachable(self) -> bool: ...

    def index(self, docs: Iterable[SearchDocument]) -> int: ...

    def remove(self, keys: Iterable[str]) -> None: ...

    def query(self, text: str, *, audiences: tuple[str, ...] = ("public",), country: str = "",
              kind: str = "", years: tuple[int | None, int | None] = (None, None),
              limit: int = 20) -> list[SearchHit]:
        """`years`: (first, last), inclusive, either open; a document without a year is then left out."""

    def rebuild_aside(self, docs: Iterable[SearchDocument]) -> int:
        """Replace the whole index with `docs`, built beside the live one and swapped in at the
        end in one step: queries keep answering from the old index until then (and go on doing
        so if the build fails). Returns the number of documents. The caller keeps other writes
        out meanwhile (search/following.py holds the drain lock), so none is lost in the swap."""


BACKENDS = ("whoosh", "postgres", "memory")


def make_backend(name: str, index_dir: Path, engine: Engine) -> SearchBackend:
    """The backend REGISTRY_SEARCH_BACKEND names: whoosh in `index_dir`, or PostgreSQL
    full-text in the application's database `engine` (several instances), or memory (tests)."""
    if name == "whoosh":
        from search.whoosh_backend import WhooshBackend

        return WhooshBackend(index_dir)
    if name == "postgres":
        if engine.dialect.name != "postgresql":
            raise SettingsError(
                "REGISTRY_SEARCH_BACKEND=postgres keeps the index in a PostgreSQL database, but the database is "
                f"{engine.url.render_as_string(hide_password=True)} (REGISTRY_DATABASE_URL; empty means SQLite): "
                "set REGISTRY_DATABASE_URL=postgresql+psycopg://… or REGISTRY_SEARCH_BACKEND=whoosh")
        from search.postgres_backend import PostgresBackend

        return PostgresBackend(engine)
    if name == "memory":
        from search.memory import MemoryBackend

        return MemoryBackend()
    raise SettingsError(f"REGISTRY_SEARCH_BACKEND: unknown backend {name!r}; expected one of {', '.join(BACKENDS)}")
