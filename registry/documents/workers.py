"""Render workers: separate processes with a memory ceiling, a time limit per task, and a fair
share of the workers per form.

Each worker is its own one-process pool (a slot), so a task that overruns its time, or a worker
killed by its memory ceiling, costs a restart of that worker only: the other workers' renders go
on. Processes come from `forkserver`, so no worker inherits the web server's threads or sockets.

Tasks carry a key (a form version, the template checks): when a worker frees, it goes to the key
with the fewest renders running, oldest first. A key uses several workers only while no other key
waits, so one template's renders cannot starve the others: however many requests an expensive
form receives, another form's render waits at most for one render to end. Each key may have
`queue_per_key` tasks waiting; past that, or after waiting `max_wait` seconds, a task is refused
with RenderBusy (503 with Retry-After) rather than queued without end."""

import importlib
import itertools
import multiprocessing
import resource
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import CancelledError, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool

from jinja2.sandbox import SecurityError

from registry.labels import mark

STARTUP_TIMEOUT = 120  # seconds a worker may take to start (import the render modules)
TIMED_OUT = mark("rendering took longer than %(seconds)s s and was stopped")
STOPPED = mark("the render worker stopped (%(reason)s); it was restarted")
REFUSED_AT_RENDER = mark("the template of this form breaks a rule of the document sandbox (%(reason)s); a new "
                         "version of the form must be uploaded")
BUSY = mark("too many documents of this form are waiting to be produced; try again in %(seconds)s s")


class RenderFailed(RuntimeError):
    """The worker died (memory ceiling) or the task could not run; `message` is a catalog msgid."""

    def __init__(self, message: str = STOPPED, **params) -> None:
        super().__init__(message % params if params else message)
        self.message, self.params = message, params


class RenderTimeout(RenderFailed):
    """The task ran past its time limit; its worker was restarted."""


class RenderBusy(RenderFailed):
    """Too many tasks of this key wait, or one waited too long: nothing was rendered."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(BUSY, seconds=retry_after)
        self.retry_after = retry_after


def _start_worker(megabytes: int, preload: tuple[str, ...]) -> None:
    limit = megabytes * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    for module in preload:
        importlib.import_module(module)


def _ready() -> bool:
    return True


class _Slot:
    """One worker process, started on first use (and after a restart) and restarted alone.

    Starting it (a process, then importing docxtpl, lxml, babel and the render modules: 1–3 s on a
    busy machine) is waited for before a task is handed over, outside the task's time limit:
    otherwise the first render after a restart could time out, restart the worker, and so on."""

    def __init__(self, memory_mb: int, preload: tuple[str, ...]) -> None:
        self.memory_mb, self.preload = memory_mb, preload
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None

    def submit(self, function: Callable, *args):
        with self._lock:
            if self._executor is None:
                executor = ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("forkserver"),
                    initializer=_start_worker, initargs=(self.memory_mb, self.preload))
                try:
                    executor.submit(_ready).result(timeout=STARTUP_TIMEOUT)
                except (FutureTimeout, BrokenProcessPool, MemoryError, CancelledError) as exc:
                    executor.shutdown(wait=False, cancel_futures=True)
                    raise RenderFailed(STOPPED, reason=f"start: {type(exc).__name__}") from None
                self._executor = executor
            return self._executor.submit(function, *args)

    def restart(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            for process in list(getattr(executor, "_processes", {}).values()):
                process.kill()
            executor.shutdown(wait=True, cancel_futures=True)


class FairScheduler:
    """Which waiting task gets the next free slot: the key with the fewest tasks running."""

    def __init__(self, slots: int, queue_per_key: int, max_wait: float) -> None:
        self.queue_per_key, self.max_wait = queue_per_key, max_wait
        self._free = list(range(slots))
        self._running: dict[str, int] = {}
        self._waiting: dict[str, list[int]] = {}
        self._tickets = itertools.count()
        self._changed = threading.Condition()

    def acquire(self, key: str) -> int:
        deadline = time.monotonic() + self.max_wait
        with self._changed:
            queue = self._waiting.setdefault(key, [])
            if len(queue) >= self.queue_per_key:
                raise RenderBusy(self._retry_after())
            ticket = next(self._tickets)
            queue.append(ticket)
            try:
                while not (self._free and self._next_key() == key and queue[0] == ticket):
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise RenderBusy(self._retry_after())
                    self._changed.wait(remaining)
            finally:
                queue.remove(ticket)
                if not queue:
                    del self._waiting[key]
                self._changed.notify_all()
            self._running[key] = self._running.get(key, 0) + 1
            return self._free.pop()

    def release(self, key: str, slot: int) -> None:
        with self._changed:
            self._running[key] -= 1
            if not self._running[key]:
                del self._running[key]
            self._free.append(slot)
            self._changed.notify_all()

    def _next_key(self) -> str:
        return min(self._waiting, key=lambda k: (self._running.get(k, 0), self._waiting[k][0]))

    def _retry_after(self) -> int:
        return max(1, round(self.max_wait))


class RenderPool:
    def __init__(self, workers: int = 2, timeout: float = 30.0, memory_mb: int = 1024, queue_per_key: int = 4,
                 max_wait: float | None = None, preload: tuple[str, ...] = ("registry.documents.render",)) -> None:
        """`preload`: modules each worker imports when it starts, before its first task."""
        self.workers, self.timeout, self.memory_mb = workers, timeout, memory_mb
        self._slots = [_Slot(memory_mb, preload) for _ in range(workers)]
        self.scheduler = FairScheduler(workers, queue_per_key, timeout if max_wait is None else max_wait)

    def run(self, function: Callable, *args, key: str = "", timeout: float | None = None):
        """function(*args) in a worker, when the key's turn comes; RenderTimeout, RenderFailed or
        RenderBusy instead of hanging."""
        key = key or getattr(function, "__qualname__", "task")
        slot = self.scheduler.acquire(key)
        try:
            return self._result(self._slots[slot], function, args, timeout or self.timeout)
        finally:
            self.scheduler.release(key, slot)

    def _result(self, slot: _Slot, function: Callable, args: tuple, timeout: float):
        try:
            return slot.submit(function, *args).result(timeout=timeout)
        except FutureTimeout:
            slot.restart()
            raise RenderTimeout(TIMED_OUT, seconds=f"{timeout:.0f}") from None
        except (BrokenProcessPool, MemoryError, CancelledError) as exc:
            slot.restart()
            raise RenderFailed(STOPPED, reason=type(exc).__name__) from None
        except SecurityError as exc:  # a template stored before a rule existed breaks it at render
            raise RenderFailed(REFUSED_AT_RENDER, reason=str(exc)) from None

    def run_all(self, function: Callable, arguments: Iterable[tuple], key: str = "",
                timeout: float | None = None) -> Iterator:
        """function(*args) for each args, at most one task per worker in flight, results in order;
        a RenderFailed is yielded in place of its result (the caller decides what it costs)."""
        def one(args: tuple):
            try:
                return self.run(function, *args, key=key, timeout=timeout)
            except RenderFailed as exc:
                return exc

        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="render") as threads:
            yield from threads.map(one, arguments)

    def restart(self) -> None:
        for slot in self._slots:
            slot.restart()

    def close(self) -> None:
        self.restart()
