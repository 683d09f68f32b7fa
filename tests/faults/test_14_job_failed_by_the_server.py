"""Case 14: the server gives up on a job (Failed): success, failed and unprocessed are fetched, and a
retry sends the failed and unprocessed rows as a new job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sfloader_gui.core.load.engine import build_retry_files
from sfloader_gui.emulator.server import EmulatorConfig, EmulatorServer
from tests.core.load.loadkit import load, write_accounts
from tests.faults.kit import nothing_lost, rows_in


def test_a_failed_job_accounts_for_every_row_and_can_be_retried(tmp_path: Path) -> None:
    # Batches of 40 records, as Salesforce's internal batches: the job fails after the first one.
    with EmulatorServer(EmulatorConfig(db_path=tmp_path / "org.sqlite3", batch_size=40)) as emulator:
        failed_then_retried(emulator, tmp_path)


def failed_then_retried(emulator: Any, tmp_path: Path) -> None:
    emulator.faults.update({"fail_jobs": 1, "fail_after_records": 40})
    src = write_accounts(tmp_path / "a.csv", 1, 100)
    result = load(emulator, [src], tmp_path / "out")
    (job,) = result.manifest["jobs"]
    assert job["state"] == "Failed" and job["records_unprocessed"] == 60
    nothing_lost(result.run_dir, emulator, records=100)
    (retry,) = build_retry_files(result.run_dir)
    assert len(rows_in(retry)) == 60 + job["records_failed"]
    again = load(emulator, [retry], tmp_path / "out")
    assert again.ok
    nothing_lost(again.run_dir, emulator, records=60 + job["records_failed"], fresh_org=False)
