"""How long a part pauses after a failed call to the org, growing with the failures in a row."""

from __future__ import annotations

import random

POLL_BACKOFF_CAP = 12  # failed checks of a job pause at most this many poll intervals (5 s -> 1 min)


def poll_backoff(interval: float, failures: int, retry_after: float | None) -> float:
    """Grows with the failures in a row (capped, jittered so parallel jobs spread out); Retry-After wins."""
    ceiling = min(interval * POLL_BACKOFF_CAP, interval * 2**failures)
    delay = random.uniform(ceiling / 2, ceiling)
    return max(delay, retry_after) if retry_after is not None else delay
