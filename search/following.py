"""The index as the app uses it: it follows the outbox, and its failures never undo a write.

Every write records the keys of the units it changed in the outbox, in its own transaction
(search/outbox.py). Draining reads pending rows, turns their units into documents as the
database holds them *now*, writes those to the index, and marks the rows done. It runs after
each commit that wrote rows (in the committing thread, so the writer's next search sees its
change), at every start and at every GET /health, in whichever process; one drainer at a time
per database (search/drain_lock.py). A drainer that finds the lock taken leaves: the holder
looks again after releasing it, so rows committed meanwhile are not left waiting.

If the index fails (whoosh locked by another process, PostgreSQL gone), the rows stay pending
with the error, the write has still succeeded, and the next drain retries; /health reports the
pending rows and the age of the oldest. A crash between commit and index write loses nothing:
the rows are in the database, drained at the next start.

A rebuild (`registry search reindex`) holds the drain lock throughout: it notes the rows
pending before it reads, builds the new index aside, swaps it in, marks those rows done, then
drains the rows committed while it ran, on the new index. Searches answer from the old index
until the swap; writes meanwhile are applied after it.

A query that fails raises SearchUnavailable: the pages and API answer 503, not a traceback."""

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from search import outbox, service
from search.api import Filters, SearchDocument, SearchQuery, SearchResults, SearchUnavailable, Visibility
from search.drain_lock import drain_lock_for
from search.sources import Refresh, SearchSource, every_document, unit_of
from search.syntax import QuerySyntaxError

log = logging.getLogger("registry.search")
BATCH = 500  # outbox rows per round
ROUNDS = 3  # times a drainer looks again for rows committed while it held the lock
REBUILD_WAIT = 30.0  # seconds a rebuild waits for a running drain or rebuild
PRUNE_EVERY = 600.0  # seconds between two prunings of done rows by one process
# seconds one drainer keeps the lock while rows keep coming (a writer's answer waits on its
# drain); what is left is found by its check after releasing, or by the next writer
HOLD_BUDGET = 2.0


class SearchBusy(RuntimeError):
    """Another process holds the drain lock for longer than a rebuild waits (another rebuild)."""


@dataclass
class Resolved:
    refresh: Refresh = field(default_factory=Refresh)
    failed: dict[str, str] = field(default_factory=dict)  # unit key -> error


class FollowingIndex:
    def __init__(self, backend, engine: Engine, sources: Iterable[SearchSource], *, lock=None,
                 before_drain: Callable[[], None] | None = None) -> None:
        self.backend, self.engine = backend, engine
        self.sources = {source.name: source for source in sources}
        self.lock = lock or drain_lock_for(engine)
        self.before_drain = before_drain  # crash tests' fault point (registry/faults.py); None in production
        self._pruned_at = float("-inf")
        self._failing = False

    # --- following the outbox --------------------------------------------------------------------

    def committed(self) -> None:
        """A commit wrote outbox rows (search/outbox.py calls this once the session is closed,
        inside the writer's `commit()`: nothing may escape, the write has succeeded)."""
        if self.before_drain:
            self.before_drain()
        try:
            self.drain()
        except Exception:  # e.g. the lock file cannot be opened: the rows wait for the next drain
            log.exception("search outbox not drained after a commit; retried at the next write or /health")

    def drain(self, wait: float = 0.0) -> int:
        """Apply the pending rows; returns how many were applied. Never raises: a failure stays
        in the outbox (and is logged) for the next drain."""
        applied = 0
        try:
            for _round in range(ROUNDS):
                with self.lock.hold(wait) as held:
                    if not held:
                        return applied  # the holder looks again once it releases
                    done, complete = self._drain_held()
                    applied += done
                if not complete or not self._has_pending():
                    return applied
        except SQLAlchemyError:
            log.exception("search outbox unreadable: the index follows at the next drain")
        return applied

    def _drain_held(self) -> tuple[int, bool]:
        """Rounds of BATCH rows until none is left or HOLD_BUDGET is spent; (applied, True) or, at
        a failure, (applied, False)."""
        applied, deadline = 0, time.monotonic() + HOLD_BUDGET
        with self.engine.connect() as conn:
            while time.monotonic() < deadline and (rows := outbox.pending_rows(conn, BATCH)):
                conn.commit()  # the rows are read before their units are (in _apply_rows)
                done, failed = self._apply_rows(rows)
                outbox.mark_done(conn, done)
                for error, ids in failed.items():
                    outbox.mark_failed(conn, ids, error)
                conn.commit()
                applied += len(done)
                if failed:
                    return applied, False
            self._prune(conn)
            conn.commit()
        return applied, True

    def _prune(self, conn) -> None:
        if time.monotonic() - self._pruned_at > PRUNE_EVERY:
            outbox.prune(conn)
            self._pruned_at = time.monotonic()

    def _apply_rows(self, rows: list[tuple[int, str]]) -> tuple[list[int], dict[str, list[int]]]:
        """(ids done, {error: ids failed}) after writing the rows' units to the index."""
        resolved = self._resolve({key for _id, key in rows})
        failed: dict[str, list[int]] = {}
        for row_id, key in rows:
            if key in resolved.failed:
                failed.setdefault(resolved.failed[key], []).append(row_id)
        try:
            if resolved.refresh.removed:
                self.backend.remove(resolved.refresh.removed)
            if resolved.refresh.documents:
                self.backend.index(resolved.refresh.documents)
        except Exception as exc:
            # the traceback once, when the index starts failing; then one line per drain
            (log.warning if self._failing else log.exception)(
                "search index did not follow %d change(s) (e.g. %s): %s; kept in the outbox, retried at the next "
                "write or /health", len(rows), rows[0][1], exc)
            self._failing = True
            return [], {f"{type(exc).__name__}: {exc}": [row_id for row_id, _key in rows]}
        self._failing = False
        done = [row_id for row_id, key in rows if key not in resolved.failed]
        return done, failed

    def _resolve(self, keys: set[str]) -> Resolved:
        """The units' documents as the database holds them now (read after the rows were)."""
        by_source: dict[str, dict[int, str]] = {}
        resolved = Resolved(Refresh([], []))
        for key in keys:
            unit = unit_of(key)
            if unit is None or unit[0] not in self.sources:
                log.warning("search outbox: %r names no indexed unit; dropped", key)
                continue
            by_source.setdefault(unit[0], {})[unit[1]] = key
        with Session(self.engine) as session:
            for name, ids in by_source.items():
                try:
                    refresh = self.sources[name].refresh(session, sorted(ids))
                except Exception as exc:  # one source's bug must not stop the others
                    session.rollback()
                    log.exception("search: documents of %s could not be made", name)
                    resolved.failed.update(dict.fromkeys(ids.values(), f"{type(exc).__name__}: {exc}"))
                    continue
                resolved.refresh.documents.extend(refresh.documents)
                resolved.refresh.removed.extend(refresh.removed)
        return resolved

    def _has_pending(self) -> bool:
        with self.engine.connect() as conn:
            return bool(outbox.pending_rows(conn, 1))

    def status(self) -> outbox.OutboxStatus:
        with self.engine.connect() as conn:
            return outbox.status(conn)

    # --- rebuilding ------------------------------------------------------------------------------

    def rebuild(self, progress: Callable[[int, int], None] | None = None, wait: float = REBUILD_WAIT) -> int:
        """Every document built aside and swapped in; writes committed meanwhile replayed after."""
        with self.lock.hold(wait) as held:
            if not held:
                raise SearchBusy(f"the search index is being drained or rebuilt by another process for over "
                                 f"{wait:.0f} s; try again when it has finished")
            with self.engine.connect() as conn:
                covered = outbox.pending_ids(conn)  # read before the documents: they include these changes
            with Session(self.engine) as session:
                count = self.backend.rebuild_aside(every_document(session, self.sources.values(), progress))
            with self.engine.begin() as conn:
                outbox.mark_done(conn, covered)
            self._drain_held()
        self.drain()  # rows of writers who found the lock taken while it was held
        return count

    # --- reads -----------------------------------------------------------------------------------

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


__all__ = ["FollowingIndex", "SearchBusy", "SearchDocument"]
