"""Case 1: 401 INVALID_SESSION_ID on a poll while 14 other jobs run: one refresh, calls replayed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.core.load.loadkit import connect, load, options, write_accounts
from tests.core.salesforce.conftest import oauth_refreshing_token
from tests.faults.kit import nothing_lost


def test_one_refresh_and_fifteen_jobs_terminal(emulator: Any, tmp_path: Path) -> None:
    token = oauth_refreshing_token(emulator.instance_url)
    emulator.faults.add_status(401, method="GET", path=r"/jobs/ingest/\w+$", times=1)  # the first poll
    files = [write_accounts(tmp_path / f"f{n:02d}.csv", n * 100, 4) for n in range(15)]
    with connect(emulator, token) as conn:
        result = load(emulator, files, tmp_path / "out", options(max_concurrent_jobs=15), conn=conn)
    assert token.refresh_count == 1
    assert emulator.stats.jobs_created == 15  # 0 extra jobs
    manifest = nothing_lost(result.run_dir, emulator, records=60)
    assert [j["state"] for j in manifest["jobs"]] == ["JobComplete"] * 15
