"""One drainer at a time per database, across threads, processes and (PostgreSQL) machines.

Why a lock and not only row claims: a drainer reads a unit's state, then writes it to the index.
Two drainers of one unit (each holding a different row of it) can write in the opposite order
of their reads, leaving the older state in the index with both rows done. Holding one lock from
selecting rows to marking them done makes reads and writes follow each other; index writes
are cheap, and whoosh takes one writer anyway.

The lock dies with its holder, so a SIGKILLed drainer never blocks the next one: PostgreSQL
releases a transaction's advisory lock when the connection drops; the kernel releases an
flock(2) when the process dies. In-memory SQLite is seen by one process only: a thread lock."""

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

# pg_try_advisory_xact_lock key: "rsoutbox" in ASCII (search/postgres_backend.py's ENSURE_LOCK differs)
ADVISORY_KEY = 0x72736F7574626F78
POLL = 0.05  # seconds between attempts while waiting


class ThreadDrainLock:
    def __init__(self) -> None:
        self._lock = threading.Lock()

    @contextmanager
    def hold(self, wait: float = 0.0) -> Iterator[bool]:
        held = self._lock.acquire(timeout=wait) if wait > 0 else self._lock.acquire(blocking=False)
        try:
            yield held
        finally:
            if held:
                self._lock.release()


class FileDrainLock:
    """flock(2) on a file beside the SQLite database: each holder opens its own description,
    so threads of one process exclude each other as processes do."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @contextmanager
    def hold(self, wait: float = 0.0) -> Iterator[bool]:
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            held = _retry(lambda: _try_flock(descriptor), wait)
            yield held
        finally:
            os.close(descriptor)  # closing releases the lock


class AdvisoryDrainLock:
    """A transaction-scoped advisory lock, on a connection held for the drain."""

    def __init__(self, engine: Engine, key: int = ADVISORY_KEY) -> None:
        self.engine, self.key = engine, key

    @contextmanager
    def hold(self, wait: float = 0.0) -> Iterator[bool]:
        with self.engine.connect() as conn, conn.begin():
            held = _retry(lambda: bool(conn.execute(text("SELECT pg_try_advisory_xact_lock(:key)"),
                                                    {"key": self.key}).scalar()), wait)
            yield held  # the transaction ends with the block: the lock goes with it


def _try_flock(descriptor: int) -> bool:
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _retry(attempt, wait: float) -> bool:
    deadline = time.monotonic() + wait
    while not attempt():
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL)
    return True


def drain_lock_for(engine: Engine):
    if engine.dialect.name == "postgresql":
        return AdvisoryDrainLock(engine)
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:" and not database.startswith("file:"):
        return FileDrainLock(Path(database).with_name(Path(database).name + ".search-drain.lock"))
    return ThreadDrainLock()
