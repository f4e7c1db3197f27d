"""Fault points for crash tests: off unless a REGISTRY_FAULT_* setting turns one on.

`REGISTRY_FAULT_KILL_BEFORE_INDEX=P`: after P percent of the commits that changed something
search shows, the server SIGKILLs its whole process group (granian's supervisor and workers,
as a power cut would) between the commit and the index write, the moment issue 13 found
unsafe. tests/test_crash.py and bench/crash_test.py set it; production refuses it at start."""

import os
import random
import signal
from collections.abc import Callable

from registry.settings import ENV_PREFIX, Settings, SettingsError


def kill_before_index(settings: Settings) -> Callable[[], None] | None:
    percent = settings.fault_kill_before_index
    if percent == 0:
        return None
    if settings.is_production or not 0 < percent <= 100:
        raise SettingsError(f"{ENV_PREFIX}FAULT_KILL_BEFORE_INDEX is a crash-test fault point: a percent from 1 to "
                            f"100, and never in production (got {percent} with {ENV_PREFIX}ENVIRONMENT="
                            f"{settings.environment})")

    def maybe_kill() -> None:
        if random.random() * 100 < percent:
            os.killpg(os.getpgid(0), signal.SIGKILL)

    return maybe_kill
