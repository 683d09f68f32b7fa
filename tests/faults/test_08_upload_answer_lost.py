"""Case 8: the org stored the PUT but its answer was lost: no second PUT to that job; abort it, new job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.core.load.loadkit import load, write_accounts
from tests.faults.kit import nothing_lost


def test_only_one_job_of_the_part_reaches_upload_complete(emulator: Any, tmp_path: Path) -> None:
    emulator.faults.lose_answer("PUT", "/batches$")
    src = write_accounts(tmp_path / "a.csv", 1, 30)
    result = load(emulator, [src], tmp_path / "out")
    (job,) = result.manifest["jobs"]
    (abandoned,) = job["abandoned_jobs"]
    assert job["state"] == "JobComplete"
    assert len(emulator.stats.find("PUT", f"/{abandoned['job_id']}/batches")) == 1  # never a 2nd PUT
    closes = {r.path.rsplit("/", 1)[-1] for r in emulator.stats.find("PATCH") if r.status == 200}
    assert abandoned["job_id"] in closes  # the PATCH that aborted it
    nothing_lost(result.run_dir, emulator, records=30)  # the abandoned job: Aborted, 0 processed
