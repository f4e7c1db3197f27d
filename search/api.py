"""The search protocol and the choice of backend (made once, from settings)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


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


class SearchBackend(Protocol):
    def ensure(self) -> bool:
        """Create the index if missing; True when it was created (and so needs filling)."""

    def is_reachable(self) -> bool: ...

    def index(self, docs: Iterable[SearchDocument]) -> int: ...

    def remove(self, keys: Iterable[str]) -> None: ...

    def query(self, text: str, *, audiences: tuple[str, ...] = ("public",), country: str = "",
              kind: str = "", limit: int = 20) -> list[SearchHit]: ...

    def rebuild(self, docs: Iterable[SearchDocument]) -> int:
        """Replace the whole index with `docs`."""


def make_backend(name: str, index_dir: Path) -> SearchBackend:
    if name == "whoosh":
        from search.whoosh_backend import WhooshBackend

        return WhooshBackend(index_dir)
    if name == "memory":
        from search.memory import MemoryBackend

        return MemoryBackend()
    raise ValueError(f"REGISTRY_SEARCH_BACKEND: unknown backend {name!r}; expected whoosh or memory")
