"""How many anonymous refusals reach the audit: a bounded number per address and window.

The audit cannot be pruned (triggers refuse UPDATE and DELETE), so a script hammering the API
without credentials would otherwise grow it by one row per request for ever. Refusals of an
authenticated principal are always recorded (a person or a token, few and worth reading).
For anonymous ones, each client address gets `per_window` rows per window; the first refusal
beyond that writes one `access.refused.sampled` row saying the rest of the window is only
counted, and the first refusal of a later window writes how many were counted. Counts live in
this process: with several instances each samples on its own, which keeps the bound per
instance."""

import threading
import time
from dataclasses import dataclass

PER_WINDOW = 30
WINDOW_SECONDS = 600.0
MAX_TRACKED_ADDRESSES = 10_000  # beyond that the oldest windows are forgotten


@dataclass
class _Window:
    started: float
    recorded: int = 0
    counted: int = 0


@dataclass(frozen=True)
class Verdict:
    record: bool  # write the refusal itself
    sampling_starts: bool = False  # also write that the rest of this window is only counted
    counted_before: int = 0  # refusals counted, not recorded, in this address's previous window


class RefusalSampler:
    def __init__(self, per_window: int = PER_WINDOW, window_seconds: float = WINDOW_SECONDS,
                 clock=time.monotonic) -> None:
        self.per_window, self.window_seconds, self.clock = per_window, window_seconds, clock
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()

    def judge(self, address: str) -> Verdict:
        now = self.clock()
        with self._lock:
            window = self._windows.get(address)
            counted_before = 0
            if window is None or now - window.started >= self.window_seconds:
                counted_before = window.counted if window else 0
                self._windows.pop(address, None)  # re-inserted last: the dict stays in window order
                window = self._windows[address] = _Window(started=now)
                self._forget_oldest()
            if window.recorded < self.per_window:
                window.recorded += 1
                return Verdict(record=True, counted_before=counted_before)
            window.counted += 1
            return Verdict(record=False, sampling_starts=window.counted == 1)

    def _forget_oldest(self) -> None:
        while len(self._windows) > MAX_TRACKED_ADDRESSES:
            self._windows.pop(next(iter(self._windows)))
