"""Runs of consecutive failures shared across calls and threads: how long to pause, and what to log."""

from __future__ import annotations

import threading
import time


class FailureStreak:
    """Counts failures in a row (any thread) until something succeeds, so pauses grow across calls.

    A network outage fails every call of every worker: counting them together makes the pauses grow
    instead of starting over at each call, and logging only the 1st, 2nd, 4th, 8th... failure keeps a
    long outage to a handful of log lines.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0
        self._since = 0.0

    @property
    def count(self) -> int:
        return self._count

    def fail(self) -> int:
        """One more failure; returns how many in a row now."""
        with self._lock:
            if self._count == 0:
                self._since = time.monotonic()
            self._count += 1
            return self._count

    def end(self) -> tuple[int, float] | None:
        """A success: returns (failures, seconds) of the run it ends, or None when there was none."""
        with self._lock:
            if self._count == 0:
                return None
            ended = (self._count, time.monotonic() - self._since)
            self._count = 0
            return ended


def worth_logging(failures: int) -> bool:
    """The 1st, 2nd, 4th, 8th... failure of a run: a 10-minute outage logs a handful of lines."""
    return failures > 0 and failures & (failures - 1) == 0
