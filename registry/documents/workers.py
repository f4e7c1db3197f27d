"""Render workers: separate processes with a memory ceiling, and a time limit per task.

A task that overruns its time, or a worker killed by its memory ceiling, costs a restart of
the pool, never the server. Processes come from `forkserver`, so no worker inherits the web
server's threads or sockets."""

import multiprocessing
import resource
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool


class RenderFailed(RuntimeError):
    """The worker died (memory ceiling) or the task raised something unexpected."""


class RenderTimeout(RenderFailed):
    """The task ran past its time limit; the pool was restarted."""


def _limit_memory(megabytes: int) -> None:
    limit = megabytes * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


class RenderPool:
    def __init__(self, workers: int = 2, timeout: float = 30.0, memory_mb: int = 1024) -> None:
        self.workers, self.timeout, self.memory_mb = workers, timeout, memory_mb
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=multiprocessing.get_context("forkserver"),
                    initializer=_limit_memory, initargs=(self.memory_mb,))
            return self._executor

    def restart(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            for process in list(getattr(executor, "_processes", {}).values()):
                process.kill()
            executor.shutdown(wait=True, cancel_futures=True)

    def submit(self, function: Callable, *args) -> Future:
        return self._pool().submit(function, *args)

    def run(self, function: Callable, *args, timeout: float | None = None):
        """function(*args) in a worker; RenderTimeout or RenderFailed instead of hanging."""
        return self.result(self.submit(function, *args), timeout)

    def result(self, future: Future, timeout: float | None = None):
        try:
            return future.result(timeout=timeout or self.timeout)
        except FutureTimeout:
            self.restart()
            raise RenderTimeout(f"rendering took longer than {timeout or self.timeout:.0f} s and was stopped") from None
        except (BrokenProcessPool, MemoryError, CancelledError) as exc:
            self.restart()
            raise RenderFailed(f"the render worker stopped ({type(exc).__name__}); it was restarted") from None

    def map(self, function: Callable, items: Iterable, timeout: float | None = None) -> list:
        futures = [self.submit(function, *item) for item in items]
        return [self.result(f, timeout) for f in futures]

    def close(self) -> None:
        self.restart()
