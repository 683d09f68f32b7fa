"""Salesforce's limit on concurrent long-running API calls: at the limit, the next call is refused.

Salesforce counts inbound calls that have been running for 20 seconds or longer; while 25 of them are
running (5 on Developer Edition and Trial orgs), every new call gets 403 REQUEST_LIMIT_EXCEEDED
"ConcurrentRequests (Concurrent API Requests) Limit exceeded." until one of them ends. Calls shorter than
20 s are not limited (Salesforce limits cheat sheet, "API Request Limits and Allocations").
"""

from __future__ import annotations

import itertools
import threading
import time

from sfloader_gui.emulator.stats import Stats

PROFILE_LIMITS = {"production": 25, "developer": 5}  # sandboxes count as production, trials as developer
CONCURRENT_MESSAGE = "ConcurrentRequests (Concurrent API Requests) Limit exceeded."


def profile_limit(profile: str) -> int:
    try:
        return PROFILE_LIMITS[profile]
    except KeyError:
        raise ValueError(f"unknown org profile {profile!r}: use one of {sorted(PROFILE_LIMITS)}") from None


class LongRequests:
    """The API calls in flight and when each started; `enter` refuses a call while the limit is reached."""

    def __init__(self, limit: int, threshold: float, stats: Stats) -> None:
        self.limit, self.threshold, self.stats = limit, threshold, stats
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._started: dict[int, float] = {}
        self._ids = itertools.count()

    def long_running(self) -> int:
        now = time.monotonic()
        with self._lock:
            return sum(now - t >= self.threshold for t in self._started.values())

    def enter(self) -> int | None:
        """A ticket for a new call, or None when it must be refused."""
        now = time.monotonic()
        with self._lock:
            long_now = sum(now - t >= self.threshold for t in self._started.values())
            self.stats.observe_long_requests(long_now)
            if long_now >= self.limit:
                self.stats.count("concurrent_refusals")
                return None
            ticket = next(self._ids)
            self._started[ticket] = now
            self._changed.notify_all()
            return ticket

    def leave(self, ticket: int) -> None:
        now = time.monotonic()
        with self._lock:
            started = self._started.pop(ticket, None)
            self._changed.notify_all()
            if started is not None and now - started >= self.threshold:
                # it was long-running until now: count it among the peak even if nobody came in meanwhile
                long_now = 1 + sum(now - t >= self.threshold for t in self._started.values())
                self.stats.observe_long_requests(long_now)

    def wait_long(self, n: int, timeout: float) -> None:
        """Block until at least `n` calls have been running past the threshold (for tests; no polling:
        it sleeps until the next call crosses the threshold or a call starts or ends)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                now = time.monotonic()
                ages = sorted((now - t for t in self._started.values()), reverse=True)
                if sum(a >= self.threshold for a in ages) >= n:
                    return
                if now >= deadline:
                    raise TimeoutError(f"{n} long-running calls were never in flight at once")
                pending = [self.threshold - a for a in ages if a < self.threshold]
                self._changed.wait(min([deadline - now, *pending]))
