"""Issue 10: `sfloader resume RUN_DIR` waits for a run's jobs left running, saves their results in the same
folder and completes its manifest, sending nothing again; `retry` works on the resumed run;
`sfloader abort RUN_DIR` aborts the run's running jobs and saves what they processed."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest

from sfloader_gui.core.load.journal import Journal
from sfloader_gui.core.load.resume import runs_to_resume, unfinished
from sfloader_gui.core.models import CancelToken, EventKind, JobEvent
from tests.cli.test_cli import org_flags, run
from tests.core.load.loadkit import Recorder, count, load, write_accounts
from tests.faults.kit import nothing_lost


def left_running(emulator: Any, tmp_path: Path, files: list[Path]) -> Path:
    """A load stopped while its jobs run (Ctrl-C once, or the app closed): the jobs go on in Salesforce."""
    emulator.faults.stall_jobs = -1
    cancel = CancelToken()
    seen: set[str] = set()

    def stop_when_all_run(event: JobEvent) -> bool:
        if event.kind is EventKind.PROCESSING and event.job_id:
            seen.add(event.job_id)
            if len(seen) == len(files):
                cancel.cancel(abort_jobs=False)
        return False

    with contextlib.closing(Journal()) as journal:
        from sfloader_gui.core.load.engine import run_load
        from tests.core.load.loadkit import connect, options, plan

        opts = options()
        with connect(emulator) as conn:
            result = run_load(conn, plan(files, opts), opts, tmp_path / "runs",
                              Recorder(trigger=stop_when_all_run), cancel, journal=journal)  # fmt: skip
    assert len(unfinished(result.run_dir)) == len(files)
    return result.run_dir


def test_resume_completes_the_run_folder_and_retry_works_on_it(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "b.csv"
    bad.write_text("External_Id__c,Name,Phone\nB1,,555\nB2,Fine,556\n", encoding="utf-8")  # B1: no Name
    run_dir = left_running(emulator, tmp_path, [write_accounts(tmp_path / "a.csv", 1, 20), bad])
    with contextlib.closing(Journal()) as journal:
        assert runs_to_resume(journal, emulator.instance_url) == {run_dir: 2}  # the app's Resume hook
    emulator.faults.release_stalled()
    uploads = emulator.stats.uploads
    code, out, _ = run(capsys, "resume", str(run_dir), "--json", "--poll-interval", "0.05",
                       *org_flags(emulator)[:4])  # fmt: skip
    assert code == 1  # one row failed
    doc = json.loads(out)
    assert [j["state"] for j in doc["jobs"]] == ["JobComplete", "JobComplete"]
    assert emulator.stats.uploads == uploads  # nothing sent again
    assert unfinished(run_dir) == []
    manifest = nothing_lost(run_dir, emulator, records=22)
    assert manifest["totals"]["failed"] == 1
    with contextlib.closing(Journal()) as journal:
        assert journal.unsettled() == [] and runs_to_resume(journal, emulator.instance_url) == {}
    code, out, _ = run(capsys, "retry", str(run_dir), "--json", "--poll-interval", "0.05",
                       *org_flags(emulator)[:4])  # fmt: skip
    retried = json.loads(out)
    assert retried["totals"]["records"] == 1 and Path(retried["run_dir"]) != run_dir


def test_abort_stops_the_run_s_jobs_and_saves_what_they_processed(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = load(emulator, [write_accounts(tmp_path / "other.csv", 900, 3)], tmp_path / "other")
    run_dir = left_running(emulator, tmp_path, [write_accounts(tmp_path / "a.csv", 1, 10)])
    code, out, _ = run(capsys, "abort", str(run_dir), "--json", "--poll-interval", "0.05",
                       *org_flags(emulator)[:4])  # fmt: skip
    assert code == 1
    (job,) = json.loads(out)["jobs"]
    assert job["state"] == "Aborted" and job["unprocessed_file"]
    manifest = nothing_lost(run_dir, emulator, records=10, fresh_org=False)
    assert manifest["totals"]["unprocessed"] == 10 - job["records_processed"]
    assert count(emulator) == 3 + job["records_processed"] and other.ok  # the other run is untouched
