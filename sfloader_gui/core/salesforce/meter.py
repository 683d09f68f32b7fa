"""Count the API calls one load makes through a connection that other loads may share at the same time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_current: ContextVar[ApiMeter | None] = ContextVar("sfloader_api_meter", default=None)


class ApiMeter:
    """Calls answered by the org while this meter was on (``metered``) in the calling thread.

    Every answered call counts against the org's daily API allowance, a refused or retried one too, so
    each answer is one call here; a request that never got an answer (connection lost) is not counted.
    A meter is per load, not per connection: the app's load, a workbench retry and a Resume can share one
    connection at once, and each part runs on a thread of its own load.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls = 0

    @property
    def calls(self) -> int:
        with self._lock:
            return self._calls

    def add(self) -> None:
        with self._lock:
            self._calls += 1


@contextmanager
def metered(meter: ApiMeter) -> Iterator[ApiMeter]:
    """Count the calls this thread makes inside the block on ``meter``."""
    token = _current.set(meter)
    try:
        yield meter
    finally:
        _current.reset(token)


def count_answer() -> None:
    """One call answered: counted on the meter of the calling thread's load, if it has one."""
    meter = _current.get()
    if meter is not None:
        meter.add()
