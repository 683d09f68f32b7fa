"""Case 7: the connection is reset half-way through a gzip upload: abort that job, one upload to a new one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.core.load.loadkit import load, write_accounts
from tests.faults.kit import nothing_lost


def test_a_reset_upload_goes_to_one_new_job(emulator: Any, tmp_path: Path) -> None:
    emulator.faults.update({"drop_upload_after": 2000, "drop_upload_times": 1})
    src = write_accounts(tmp_path / "a.csv", 1, 600)
    result = load(emulator, [src], tmp_path / "out")
    (job,) = result.manifest["jobs"]
    assert job["state"] == "JobComplete" and len(job["abandoned_jobs"]) == 1
    puts = emulator.stats.find("PUT", "/batches")
    assert len(puts) == 2 and puts[0].content_encoding == "gzip"  # one PUT per job
    nothing_lost(result.run_dir, emulator, records=600)
