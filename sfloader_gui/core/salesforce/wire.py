"""At most N big transfers (uploads, result downloads) to one org at a time, apart from jobs in flight.

Salesforce refuses new calls while 25 calls (5 on Developer Edition and Trial orgs) have been running
for 20 seconds or longer. Over a slow uplink every upload of a large part is such a call, so the number
of uploads on the wire is capped separately from the number of jobs in flight (which may stay at 15:
a job that is processing holds no connection). Fewer uploads at once also close the first jobs sooner,
so the org starts processing while later parts are still being sent.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class WireCancelled(Exception):
    """The caller gave up while waiting for a free slot."""


class WireGate:
    """A counting gate whose limit is given by each caller (the load's setting), shared per connection."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.busy = 0
        self.peak = 0  # most transfers seen at once (for tests and benchmarks)

    @contextmanager
    def slot(self, limit: int, cancelled: Callable[[], bool] = lambda: False) -> Iterator[None]:
        """Hold one of ``limit`` slots for the duration of the block; raises WireCancelled on cancel."""
        with self._cond:
            while self.busy >= max(1, limit):
                if cancelled():
                    raise WireCancelled
                self._cond.wait(0.2)  # wake up now and then to notice a cancel
            self.busy += 1
            self.peak = max(self.peak, self.busy)
        try:
            yield
        finally:
            with self._cond:
                self.busy -= 1
                self._cond.notify()
