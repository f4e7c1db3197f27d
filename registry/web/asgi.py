"""ASGI entry for servers: `granian --interface asgi --factory registry.web.asgi:app_from_env`."""

import asyncio
import signal
import sys

from litestar import Litestar

from registry.settings import Settings
from registry.web.app import create_app

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
# The event loop gives the GIL away at every system call and must win it back from handler threads
# rendering pages; Python makes a waiting thread wait this long before the holder is asked to
# yield (default 5 ms). At 1 ms, /health's worst latency under 32 and 512 connections fell from
# 0.6-2.2 s to 0.6-0.9 s on the 2-core test machine, throughput unchanged (bench/load.py).
GIL_SWITCH_INTERVAL = 0.001


def app_from_env() -> Litestar:
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)
    app = create_app(Settings.from_env(), warm_up_pdf=True)
    app.on_startup.append(drain_on_stop_signal)
    return app


def drain_on_stop_signal(app: Litestar) -> None:
    """On SIGTERM, stop queueing requests (RequestThreads.drain), so that the worker finishes its
    running requests and stops itself instead of being killed with its LibreOffice.

    Granian's worker takes these signals through `loop.add_signal_handler`, which asyncio
    receives through the wakeup fd whatever Python-level handler is installed: replacing that
    handler (asyncio's is a no-op) adds ours without taking granian's away."""
    loop = asyncio.get_running_loop()
    threads = app.state.request_threads
    for stop_signal in STOP_SIGNALS:
        previous = signal.getsignal(stop_signal)

        def on_stop(signum, frame, previous=previous) -> None:
            loop.call_soon_threadsafe(threads.drain)
            if callable(previous):
                previous(signum, frame)

        signal.signal(stop_signal, on_stop)
