"""Case 15: an admin aborts the job in Setup while it runs: reported as Aborted with its partial results;
the unprocessed rows can be sent again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests

from sfloader_gui.core.load.engine import build_retry_files
from sfloader_gui.core.models import EventKind, JobEvent
from tests.core.load.loadkit import Recorder, load, write_accounts
from tests.faults.kit import nothing_lost, rows_in


def test_an_abort_from_setup_is_reported_and_its_rows_rerunnable(emulator: Any, tmp_path: Path) -> None:
    emulator.faults.stall_jobs = 1  # keeps processing until someone aborts it
    admin = emulator.token_for_user()[0]

    def admin_aborts(event: JobEvent) -> bool:
        if event.kind is EventKind.PROCESSING and event.job_id:
            url = f"{emulator.instance_url}/services/data/v66.0/jobs/ingest/{event.job_id}"
            requests.patch(url, json={"state": "Aborted"}, headers={"Authorization": f"Bearer {admin}"},
                           timeout=10)  # fmt: skip
            return True
        return False

    src = write_accounts(tmp_path / "a.csv", 1, 25)
    rec = Recorder(trigger=admin_aborts)
    result = load(emulator, [src], tmp_path / "out", recorder=rec)
    assert rec.seen.is_set()
    (job,) = result.manifest["jobs"]
    assert job["state"] == "Aborted" and job["unprocessed_file"]
    nothing_lost(result.run_dir, emulator, records=25)
    (retry,) = build_retry_files(result.run_dir)
    assert len(rows_in(retry)) == job["records_unprocessed"] + job["records_failed"]
