"""Case 10: the PATCH UploadComplete answer is lost (and a few status reads fail): the job is read until its
state is known, closed again only if still Open, never aborted, never a second job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.core.load.loadkit import load, write_accounts
from tests.faults.kit import nothing_lost


def test_a_lost_close_answer_never_aborts_the_processing_job(emulator: Any, tmp_path: Path) -> None:
    emulator.faults.lose_answer("PATCH", r"/jobs/ingest/\w+$")  # the org closes the job; no answer
    emulator.faults.add_status(503, method="GET", path=r"/jobs/ingest/\w+$", times=8)  # reads fail too
    src = write_accounts(tmp_path / "a.csv", 1, 50)
    result = load(emulator, [src], tmp_path / "out")
    (job,) = result.manifest["jobs"]
    assert job["state"] == "JobComplete" and job["abandoned_jobs"] == []
    assert job["records_processed"] == 50 and not any("never reached" in n for n in job["notes"])
    assert emulator.stats.jobs_created == 1
    assert len(emulator.stats.find("PATCH")) == 1  # it was closed: no second close, no abort
    nothing_lost(result.run_dir, emulator, records=50)


def test_a_close_that_did_not_arrive_is_sent_again_once_the_job_reads_open(
    emulator: Any, tmp_path: Path
) -> None:
    emulator.faults.add_status(503, method="PATCH", path=r"/jobs/ingest/\w+$", times=1)  # org did nothing
    src = write_accounts(tmp_path / "a.csv", 1, 10)
    result = load(emulator, [src], tmp_path / "out")
    assert [r.status for r in emulator.stats.find("PATCH")] == [503, 200]
    assert emulator.stats.jobs_created == 1
    nothing_lost(result.run_dir, emulator, records=10)
