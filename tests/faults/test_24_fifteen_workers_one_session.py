"""Case 24: 15 jobs at once on one Session: the pool holds them all, no "Connection pool is full"."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from tests.core.load.loadkit import load, options, write_accounts
from tests.faults.kit import nothing_lost


def test_fifteen_parallel_jobs_never_discard_connections(
    emulator: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="urllib3")
    emulator.faults.latency = 0.02  # keep the 15 workers' calls overlapping
    files = [write_accounts(tmp_path / f"f{n:02d}.csv", n * 100, 3) for n in range(15)]
    result = load(
        emulator, files, tmp_path / "out", options(max_concurrent_jobs=15, max_concurrent_uploads=15)
    )
    assert result.ok and emulator.stats.max_open_jobs >= 10
    assert not [r for r in caplog.records if "pool is full" in r.getMessage()]
    nothing_lost(result.run_dir, emulator, records=45)
