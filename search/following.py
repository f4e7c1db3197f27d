"""The index as the web app uses it: it follows committed writes, and its failures never undo them.

Writes reach the index after the database commit (the index never runs ahead). If the index
then fails (whoosh's lock held by `registry search reindex` in another process, PostgreSQL
briefly gone), answering 500 would tell the user their saved change failed, and they would
save it twice. So a failed index write is logged, kept, and retried before the next write and
at every /health call; meanwhile the index is stale and /health says so. Beyond MAX_PENDING documents nothing more is
kept, and only `registry search reindex` (or `rebuild`) makes the index whole again; /health
then says stale until this process restarts, since the reindex ran in another one.

A query that fails raises SearchUnavailable: the pages and API answer 503, not a traceback."""

import logging
import threading
from collections.abc import Iterable
from datetime import UTC, datetime

from search import service
from search.api import Filters, SearchDocument, SearchQuery, SearchResults, SearchUnavailable, Visibility
from search.syntax import QuerySyntaxError

log = logging.getLogger("registry.search")
MAX_PENDING = 5_000


class FollowingIndex:
    def __init__(self, backend, max_pending: int = MAX_PENDING) -> None:
        self.backend = backend
        self.max_pending = max_pending
        self._lock = threading.Lock()
        self._pending: dict[str, SearchDocument | None] = {}  # key -> document, or None to remove
        self._overflowed = False
        self.stale_since: datetime | None = None

    # --- writes --------------------------------------------------------------------------------

    def index(self, docs: Iterable[SearchDocument]) -> int:
        docs = list(docs)
        if docs:
            self._follow({doc.key: doc for doc in docs})
        return len(docs)

    def remove(self, keys: Iterable[str]) -> None:
        if changes := dict.fromkeys(keys):
            self._follow(changes)

    def retry(self) -> None:
        """Apply the kept changes now (GET /health calls it, so a monitor's polling heals the
        index without waiting for the next write)."""
        if self._pending:
            self._follow({})

    def _follow(self, changes: dict[str, SearchDocument | None]) -> None:
        with self._lock:
            self._pending.update(changes)  # newer changes of a key replace the failed ones
            pending, self._pending = self._pending, {}
            try:
                self._apply(pending)
            except Exception:
                self._keep(pending)
                log.exception("search index did not follow %d change(s) (e.g. %s); retried at the next write, "
                              "or run `registry search reindex`", len(pending), next(iter(pending)))
                return
            if not self._overflowed:
                self.stale_since = None

    def _apply(self, pending: dict[str, SearchDocument | None]) -> None:
        removed = [key for key, doc in pending.items() if doc is None]
        if removed:
            self.backend.remove(removed)
        documents = [doc for doc in pending.values() if doc is not None]
        if documents:
            self.backend.index(documents)

    def _keep(self, pending: dict[str, SearchDocument | None]) -> None:
        self.stale_since = self.stale_since or datetime.now(UTC)
        if len(pending) > self.max_pending:
            self._overflowed = True  # too many to hold: only a rebuild makes the index whole
            return
        self._pending = pending

    def rebuild(self, docs: Iterable[SearchDocument]) -> int:
        with self._lock:
            count = self.backend.rebuild(docs)
            self._pending, self._overflowed, self.stale_since = {}, False, None
            return count

    # --- reads ---------------------------------------------------------------------------------

    @property
    def pending(self) -> int:
        return len(self._pending)

    def ensure(self) -> bool:
        return self.backend.ensure()

    def is_reachable(self) -> bool:
        return self.backend.is_reachable()

    def ask(self, text: str, *, audiences: tuple[str, ...], countries: tuple[str, ...] = (), sort: str = "relevance",
            page: int = 1, per_page: int = 20, facets: bool = True, **filters) -> SearchResults:
        """`search` from plain values (the web layer imports no search module: ARCHITECTURE);
        `filters`: the fields of search.api.Filters."""
        return self.search(SearchQuery(text, Visibility(audiences, countries), Filters(**filters), sort, page,
                                       per_page, facets))

    def search(self, query: SearchQuery) -> SearchResults:
        """search.service.search on the backend; QuerySyntaxError (the reader's mistake) passes,
        any other failure is SearchUnavailable (503)."""
        try:
            return service.search(self.backend, query)
        except QuerySyntaxError:
            raise
        except Exception as exc:
            log.exception("search query failed")
            raise SearchUnavailable(f"search failed ({type(exc).__name__})") from exc
