"""Loads end to end over HTTP: parallel jobs, parts, accounting, idempotent re-runs, retry of failed rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sfloader_gui.core.models import EventKind, JobState
from tests.core.load.loadkit import Recorder, count, load, options, write_accounts


def test_a_file_loads_and_every_record_is_accounted_for(emulator: Any, tmp_path: Path) -> None:
    src = write_accounts(tmp_path / "accounts.csv", 1, 50)
    rec = Recorder()
    result = load(emulator, [src], tmp_path / "out", recorder=rec)
    assert result.ok
    (job,) = result.manifest["jobs"]
    assert job["state"] == "JobComplete" and job["records_processed"] == 50 and job["gzip"] is True
    assert result.manifest["totals"]["success"] == 50
    assert result.manifest["accounting"] == {"balanced": True, "unaccounted": 0}
    success = result.run_dir / job["success_file"]
    assert success.read_bytes().count(b'"true"') == 50  # all created
    assert json.loads((result.run_dir / "manifest.json").read_text())["jobs"][0]["job_id"] == job["job_id"]
    assert count(emulator) == 50
    states = rec.states()
    assert states[0] is JobState.QUEUED and states[-1] is JobState.JOB_COMPLETE
    assert JobState.OPEN in states and JobState.UPLOAD_COMPLETE in states
    assert any(e.kind is EventKind.UPLOAD_PROGRESS for e in rec.events)
    assert any(e.kind is EventKind.RESULTS_SAVED for e in rec.events)
