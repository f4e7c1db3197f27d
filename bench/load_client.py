"""The load generator of bench/load.py: aiohttp coroutines, one TCP connection each, on 127.0.0.1.

aiohttp rather than httpx: one event loop holds 512 concurrent connections with little CPU
(httpx's async pool costs several times more per request, which on a 2-core machine shared with
the server would measure the client); and unlike wrk it reports every status, header and
latency, per route, which the targets need (503 only with Retry-After, /health separately)."""

import asyncio
import multiprocessing
import time
from collections import Counter
from dataclasses import dataclass, field

import aiohttp

REQUEST_TIMEOUT = 30.0  # a request still unanswered after this counts as an error (the stall of issue 13)
HEALTH_TIMEOUT = 5.0
HEALTH_INTERVAL = 0.1


@dataclass
class LevelResult:
    connections: int
    requests: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)  # anything but 2xx and 503 with Retry-After
    health_latencies: list[float] = field(default_factory=list)
    health_failures: int = 0
    recovery: float | None = None

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def health_worst(self) -> float:
        return max(self.health_latencies, default=0.0)

    def percentile(self, fraction: float, of: list[float] | None = None) -> float:
        values = self.latencies if of is None else of
        if not values:
            return 0.0
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def judge(result: LevelResult, path: str, status: int, headers) -> None:
    result.statuses[status] += 1
    if 200 <= status < 300 or (status == 503 and "Retry-After" in headers):
        return
    result.errors[f"{status} {path}"] += 1


async def one_connection(base: str, paths: list[str], budget: list[int], result: LevelResult) -> None:
    """One connection at a time (the server closes each after its answer: registry/cli.py says why),
    requests one after the other until the level's count is spent."""
    connector = aiohttp.TCPConnector(limit=1, force_close=False)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        while budget[0] > 0:
            budget[0] -= 1
            path = paths[budget[0] % len(paths)]
            started = time.perf_counter()
            try:
                async with session.get(base + path) as response:
                    await response.read()
                    judge(result, path, response.status, response.headers)
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                result.errors[f"{type(exc).__name__} {path}"] += 1
            result.latencies.append(time.perf_counter() - started)
            result.requests += 1


async def poll_health(base: str, stop, report) -> None:
    """/health every HEALTH_INTERVAL until `stop` (a multiprocessing Event) is set; then
    (latencies, failures) goes to `report`."""
    latencies, failures = [], 0
    timeout = aiohttp.ClientTimeout(total=HEALTH_TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                async with session.get(base + "/health") as response:
                    await response.read()
                    failures += response.status != 200
            except (aiohttp.ClientError, asyncio.TimeoutError):
                failures += 1
            latencies.append(time.perf_counter() - started)
            await asyncio.sleep(HEALTH_INTERVAL)
    report.put((latencies, failures))


def health_process_main(base: str, stop, report) -> None:
    asyncio.run(poll_health(base, stop, report))


class HealthPoller:
    """/health polled from a process of its own: the load generator's busy event loop must not
    delay the polls it measures."""

    def __init__(self, base: str) -> None:
        context = multiprocessing.get_context("spawn")
        self.stop, self.report = context.Event(), context.Queue()
        self.process = context.Process(target=health_process_main, args=(base, self.stop, self.report), daemon=True)

    def __enter__(self) -> "HealthPoller":
        self.process.start()
        return self

    def finish(self) -> tuple[list[float], int]:
        self.stop.set()
        result = self.report.get(timeout=HEALTH_TIMEOUT + 30)
        self.process.join(timeout=10)
        return result

    def __exit__(self, *exc) -> None:
        if self.process.is_alive():
            self.process.kill()


async def time_to_recover(base: str, paths: list[str], limit: float) -> float | None:
    """Seconds from now until every path answers 200 in one round (None: not within `limit`)."""
    started = time.perf_counter()
    timeout = aiohttp.ClientTimeout(total=limit)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        while time.perf_counter() - started < limit:
            try:
                statuses = []
                for path in paths:
                    async with session.get(base + path) as response:
                        await response.read()
                        statuses.append(response.status)
                if all(status == 200 for status in statuses):
                    return time.perf_counter() - started
            except (aiohttp.ClientError, asyncio.TimeoutError):
                pass
            await asyncio.sleep(0.05)
    return None


async def run_level(base: str, paths: list[str], connections: int, requests: int, recovery_limit: float) -> LevelResult:
    result = LevelResult(connections)
    with HealthPoller(base) as health:
        await asyncio.sleep(1.0)  # the poller's interpreter starts before the load does
        budget = [requests]
        started = time.perf_counter()
        await asyncio.gather(*(one_connection(base, paths, budget, result) for _ in range(connections)))
        result.seconds = time.perf_counter() - started
        result.recovery = await time_to_recover(base, paths + ["/health"], recovery_limit)
        result.health_latencies, result.health_failures = await asyncio.to_thread(health.finish)
    return result


async def load_until(base: str, paths: list[str], connections: int, stop: asyncio.Event) -> None:
    """Load that runs until `stop` (for the SIGTERM check): errors are expected and ignored."""
    result = LevelResult(connections)
    budget = [10**9]

    async def watch() -> None:
        await stop.wait()
        budget[0] = 0

    watcher = asyncio.create_task(watch())
    await asyncio.gather(*(one_connection(base, paths, budget, result) for _ in range(connections)),
                         return_exceptions=True)
    await watcher
