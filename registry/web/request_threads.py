"""Where request code runs: a fixed number of handler threads, each holding at most one database
connection, with a short wait for a free one and a deadline per request.

Why (issue 13, item 1): Litestar runs sync handlers, and the cleanup of a generator dependency
such as the old `provide_db_session`, as two hops through the event loop's default executor,
which has min(32, cores + 4) threads: 6 on 2 cores. A request's session kept its pooled
connection from the first hop until the second; at 32 concurrent requests every executor thread
was a handler waiting for a connection (30 s pool timeout) while all 15 connections belonged to
finished requests whose cleanup was queued behind them. Nothing moved, /health queued in the same
executor, and the queued work kept the process from exiting on SIGTERM.

Now every piece of request code that may touch the database goes through `RequestThreads.run`:
  - a request first waits at most `queue_timeout` for one of `threads` slots, else 503
    (`ServerBusy`, answered with Retry-After);
  - in its slot it runs in one thread from start to end: the handler, the page template (pages
    are rendered here, not on the event loop, which only /health and I/O should occupy), and the
    closing of the request's session, so its connection is back in the pool before the slot is;
  - the pool holds one connection per slot (registry.db.pool_size), so no thread waits for one;
  - past the request's deadline the client gets a 503 and the thread is left to finish, still
    holding its slot; a commit it attempts after that is refused (`Budget`), so a 503 never hides
    a write that lands later. A commit already under way when the deadline passes is waited for.
"""

import asyncio
import contextvars
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
from sqlalchemy import event
from sqlmodel import Session

logger = logging.getLogger("registry.web")
QUEUE, DEADLINE, DATABASE, SHUTDOWN = "queue", "deadline", "database", "shutdown"
# the budget of the request whose handler runs in this thread (contextvars follow into threads)
CURRENT_BUDGET: contextvars.ContextVar["Budget | None"] = contextvars.ContextVar("registry_budget", default=None)


class ServerBusy(Exception):
    """The server could not serve this request in time: answered 503 with Retry-After."""

    def __init__(self, reason: str, retry_after: int = 2) -> None:
        super().__init__(f"server busy ({reason})")
        self.reason = reason
        self.retry_after = retry_after


class Budget:
    """One request's deadline, shared by the event loop (which may give up waiting) and the
    handler thread (which asks before each commit). Once abandoned, no commit starts."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._committing = False
        self.abandoned = False

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def abandon(self) -> bool:
        """False when a commit is under way: the caller must wait for it."""
        with self._lock:
            if self._committing:
                return False
            self.abandoned = True
            return True

    def begin_commit(self) -> None:
        with self._lock:
            if self.abandoned:
                raise ServerBusy(DEADLINE)
            self._committing = True

    def end_commit(self) -> None:
        with self._lock:
            self._committing = False


@event.listens_for(Session, "before_commit")
def _refuse_late_commit(_session: Session) -> None:
    if (budget := CURRENT_BUDGET.get()) is not None:
        budget.begin_commit()


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _commit_over(_session: Session, *_previous_transaction) -> None:
    if (budget := CURRENT_BUDGET.get()) is not None:
        budget.end_commit()


@dataclass
class _LoopPrimitives:
    loop: asyncio.AbstractEventLoop
    slots: anyio.Semaphore
    threads: anyio.CapacityLimiter  # as many tokens as slots: never waited on, bounds anyio's pool
    running: set = field(default_factory=set)  # tasks of calls still in their thread
    waiting: set = field(default_factory=set)  # cancel scopes of requests waiting for a slot


class RequestThreads:
    """The handler slots of one application (one per worker process)."""

    def __init__(self, threads: int, queue_timeout: float, request_timeout: float) -> None:
        self.size = threads
        self.queue_timeout = queue_timeout
        self.request_timeout = request_timeout
        self._primitives: _LoopPrimitives | None = None
        self.draining = False

    def _for_this_loop(self) -> _LoopPrimitives:
        """asyncio primitives belong to one loop; a test may serve the same app from several."""
        loop = asyncio.get_running_loop()
        if self._primitives is None or self._primitives.loop is not loop:
            self._primitives = _LoopPrimitives(loop, anyio.Semaphore(self.size), anyio.CapacityLimiter(self.size))
        return self._primitives

    @property
    def busy(self) -> int:
        primitives = self._primitives
        return self.size - primitives.slots.value if primitives else 0

    async def run(self, function: Callable[..., Any], *args, wait: float | None = None,
                  seconds: float | None = None) -> Any:
        """`function(*args)` in a handler thread: a slot within `wait` seconds (default
        queue_timeout), a result within `seconds` (default request_timeout), else ServerBusy."""
        if self.draining:
            raise ServerBusy(SHUTDOWN)
        primitives = self._for_this_loop()
        with anyio.move_on_after(self.queue_timeout if wait is None else wait) as waiting:
            primitives.waiting.add(waiting)
            try:
                await primitives.slots.acquire()
            finally:
                primitives.waiting.discard(waiting)
        if waiting.cancelled_caught:
            raise ServerBusy(SHUTDOWN if self.draining else QUEUE)
        budget = Budget(self.request_timeout if seconds is None else seconds)
        task = asyncio.get_running_loop().create_task(self._in_thread(primitives, budget, function, args))
        primitives.running.add(task)  # a reference, so that an abandoned call is not collected
        task.add_done_callback(primitives.running.discard)
        task.add_done_callback(_finished)
        with anyio.move_on_after(budget.remaining()):
            return await asyncio.shield(task)
        if budget.abandon():
            raise ServerBusy(DEADLINE)
        return await asyncio.shield(task)  # a commit is under way: its outcome is the answer

    def drain(self) -> None:
        """The server is stopping (SIGTERM): requests still waiting for a slot, and any that
        arrive, are answered 503 at once, so the worker has only the running ones to finish.
        Called on the event loop (registry/web/asgi.py)."""
        self.draining = True
        waiting = list(self._primitives.waiting) if self._primitives is not None else []
        for scope in waiting:
            scope.cancel()
        logger.info("stopping: %d waiting request(s) answered 503, %d still running", len(waiting), self.busy)

    async def _in_thread(self, primitives: _LoopPrimitives, budget: Budget, function, args) -> Any:
        try:
            return await anyio.to_thread.run_sync(_call_with_budget, budget, function, args,
                                                  limiter=primitives.threads)
        finally:
            primitives.slots.release()


def _finished(task: asyncio.Task) -> None:
    """An abandoned call's outcome is read here, so asyncio does not report it as never retrieved."""
    if not task.cancelled():
        task.exception()


def _call_with_budget(budget: Budget, function, args):
    if budget.abandoned:  # the client was answered before a thread was free
        raise ServerBusy(DEADLINE)
    token = CURRENT_BUDGET.set(budget)
    try:
        return function(*args)
    finally:
        CURRENT_BUDGET.reset(token)
