"""Tasks for render-worker tests, in a module a worker imports quickly (the test modules import
the whole application)."""

import time


def sleeper(seconds: float, label: str) -> str:
    time.sleep(seconds)
    return label
