"""In-memory backend for tests: same analysis as whoosh, no files."""

from collections.abc import Iterable

from search.analysis import french_analyzer
from search.api import SearchDocument, SearchHit


def within(year: int | None, years: tuple[int | None, int | None]) -> bool:
    """In the period `years` (inclusive, either end open); no year is outside any period."""
    first, last = years
    if first is None and last is None:
        return True
    return year is not None and (first is None or year >= first) and (last is None or year <= last)


class MemoryBackend:
    def __init__(self) -> None:
        self.docs: dict[str, SearchDocument] = {}
        self._analyzer = french_analyzer()

    def _terms(self, text: str) -> set[str]:
        return {token.text for token in self._analyzer(text)}

    def ensure(self) -> bool:
        return False

    def is_reachable(self) -> bool:
        return True

    def index(self, docs: Iterable[SearchDocument]) -> int:
        count = 0
        for doc in docs:
            self.docs[doc.key] = doc
            count += 1
        return count

    def remove(self, keys: Iterable[str]) -> None:
        for key in keys:
            self.docs.pop(key, None)

    def rebuild_aside(self, docs: Iterable[SearchDocument]) -> int:
        """Built in a new dictionary, then swapped in: queries meanwhile read the old one."""
        built = {doc.key: doc for doc in docs}
        self.docs = built
        return len(built)

    def query(self, text, *, audiences=("public",), country="", kind="", years=(None, None), limit=20):
        """Every word first; when no document has them all, any word, more words ranked higher
        (what the other backends do)."""
        wanted = self._terms(text)
        if not wanted:
            return []
        matches = []
        for doc in self.docs.values():
            if doc.audience not in audiences or (country and doc.country != country) or (kind and doc.kind != kind):
                continue
            if not within(doc.year, years):
                continue
            found = wanted & self._terms(f"{doc.title} {doc.body}")
            if found:
                matches.append((doc, len(found)))
        every = [(doc, n) for doc, n in matches if n == len(wanted)]
        hits = [SearchHit(doc.key, doc.kind, doc.title, doc.url, doc.country, float(n), audience=doc.audience,
                          year=doc.year)
                for doc, n in (every or matches)]
        return sorted(hits, key=lambda h: (-h.score, h.title))[:limit]
