"""Case 6: REQUEST_LIMIT_EXCEEDED ConcurrentRequests on the PUT: pause, new job, each part in one job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.core.load.loadkit import Recorder, load, write_accounts
from tests.faults.kit import nothing_lost

BUSY = "ConcurrentRequests (Concurrent API Requests) Limit exceeded."


def test_refused_uploads_go_to_new_jobs_after_growing_pauses(emulator: Any, tmp_path: Path) -> None:
    emulator.faults.add_status(403, method="PUT", path="/batches$", times=4, message=BUSY)
    src = write_accounts(tmp_path / "a.csv", 1, 20)
    rec = Recorder()
    result = load(emulator, [src], tmp_path / "out", recorder=rec)
    (job,) = result.manifest["jobs"]
    assert job["state"] == "JobComplete"  # 4 refusals in a row no longer drop the part
    assert len(job["abandoned_jobs"]) == 4
    pauses = [m for m in rec.messages() if "sending to a new job in" in m]
    assert len(pauses) == 4
    nothing_lost(result.run_dir, emulator, records=20)
