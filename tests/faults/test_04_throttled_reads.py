"""Case 4: 429 and 503 (with and without Retry-After) on reads: capped backoff, no abort, counts match."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.core.load.loadkit import load, write_accounts
from tests.faults.kit import nothing_lost


def test_throttled_polls_are_waited_out(emulator: Any, tmp_path: Path) -> None:
    emulator.faults.add_status(429, method="GET", path=r"/jobs/ingest/\w+$", times=6, retry_after=0)
    emulator.faults.add_status(503, method="GET", path=r"/jobs/ingest/\w+$", times=6)
    emulator.faults.add_status(503, method="GET", path="Results", times=2, retry_after=0)
    files = [write_accounts(tmp_path / f"f{n}.csv", n * 100, 10) for n in range(3)]
    result = load(emulator, files, tmp_path / "out")
    assert result.ok  # every job JobComplete: none was aborted
    assert len([r for r in emulator.stats.find("GET") if r.status in (429, 503)]) == 14
    assert emulator.stats.jobs_created == 3
    nothing_lost(result.run_dir, emulator, records=30)
