"""The drain lock (search/drain_lock.py): one holder per database, across threads and processes,
and released by the death of its holder (a SIGKILLed drainer must not block the next start)."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from registry.db import make_engine
from search.drain_lock import AdvisoryDrainLock, FileDrainLock, ThreadDrainLock, drain_lock_for

ROOT = Path(__file__).resolve().parents[1]
HOLDER = textwrap.dedent("""
    import sys, time
    from registry.db import make_engine
    from search.drain_lock import drain_lock_for
    with drain_lock_for(make_engine(sys.argv[1])).hold() as held:
        print("held" if held else "refused", flush=True)
        time.sleep(60)
""")


@pytest.fixture
def new_lock(database_url):
    """new_lock() -> a drain lock on the test database, as another process or thread makes it."""
    engines = []

    def make():
        engines.append(make_engine(database_url))
        return drain_lock_for(engines[-1])

    yield make
    for engine in engines:
        engine.dispose()


def held_elsewhere(lock, wait: float = 0.0) -> bool:
    """Whether `lock` can be taken from another thread."""
    result = []

    def attempt():
        with lock.hold(wait) as held:
            result.append(held)

    thread = threading.Thread(target=attempt)
    thread.start()
    thread.join()
    return result[0]


def test_each_database_gets_the_lock_it_needs(database_url, new_lock):
    expected = FileDrainLock if database_url.startswith("sqlite") else AdvisoryDrainLock
    assert isinstance(new_lock(), expected)
    memory = make_engine("sqlite://")
    assert isinstance(drain_lock_for(memory), ThreadDrainLock)  # in-memory: one process sees it
    memory.dispose()


def test_one_holder_at_a_time_and_released_at_the_end_of_the_block(new_lock):
    lock, other = new_lock(), new_lock()
    with lock.hold() as held:
        assert held and held_elsewhere(other) is False
    assert held_elsewhere(other) is True


def test_a_waiting_holder_gets_the_lock_once_it_is_released(new_lock):
    lock, other = new_lock(), new_lock()
    results = []
    with lock.hold() as held:
        waiter = threading.Thread(target=lambda: results.append(held_elsewhere(other, wait=5.0)))
        waiter.start()
        threading.Event().wait(0.3)
        assert held and results == []  # still waiting
    waiter.join()
    assert results == [True]


def test_a_killed_holder_releases_the_lock(database_url, new_lock):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, database_url], stdout=subprocess.PIPE, text=True,
                              cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert held_elsewhere(new_lock()) is False  # another process has it
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(10)
        assert held_elsewhere(new_lock(), wait=5.0) is True  # gone with its holder: no lease to wait out
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        holder.stdout.close()
