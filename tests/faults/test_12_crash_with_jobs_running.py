"""Case 12: the process is killed with 15 jobs InProgress: a restart finds them in the journal, reattaches
and fetches 15 result sets, sending nothing again. `sfloader results` on a job still running saves partial
files but does not settle it (issue 10)."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest

from sfloader_gui.core.load.journal import Journal
from sfloader_gui.core.load.liveness import end_this_process
from sfloader_gui.core.load.part.submit import submit
from sfloader_gui.core.load.reconcile import reconcile_strays
from tests.cli.test_cli import org_flags, run
from tests.core.load.loadkit import connect, write_accounts
from tests.core.load.test_reconcile import crashed_run


def crash_with_jobs_running(org: Any, tmp_path: Path, parts: int) -> list[str]:
    """Parts created, uploaded and closed through the app's own journal; then the process dies."""
    org.faults.stall_jobs = -1
    ids = []
    with connect(org) as conn, contextlib.closing(Journal()) as journal:
        for n in range(parts):
            src = write_accounts(tmp_path / f"f{n:02d}.csv", n * 100, 3)
            run = crashed_run(conn, journal, src, tmp_path / f"out{n}")
            submit(run)
            assert run.outcome.job_id is not None
            ids.append(run.outcome.job_id)
    end_this_process()  # SIGKILL: no manifest, no results, only the journal
    for job_id in ids:
        org.wait_job(job_id, ("InProgress",))
    return ids


def test_a_restart_reattaches_fifteen_jobs_and_resends_nothing(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = crash_with_jobs_running(emulator, tmp_path, 15)
    with connect(emulator) as conn, contextlib.closing(Journal()) as journal:
        report = reconcile_strays(conn, journal)
    assert sorted(j.job_id for j in report.running) == sorted(ids) and report.aborted == []
    emulator.faults.release_stalled()
    for job_id in ids:
        emulator.wait_job(job_id)
    code, out, _ = run(capsys, "results", *ids, "--json", "--out", str(tmp_path / "later"),
                       *org_flags(emulator)[:4])  # fmt: skip
    assert code == 0
    rows = json.loads(out)["jobs"]
    assert len(rows) == 15 and all(r["state"] == "JobComplete" and r["unprocessed_file"] for r in rows)
    assert emulator.stats.jobs_created == 15 and emulator.stats.uploads == 15  # 0 resubmits
    with contextlib.closing(Journal()) as journal:
        assert journal.unsettled() == []


def test_results_of_a_running_job_are_partial_and_leave_it_unsettled(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (job_id,) = crash_with_jobs_running(emulator, tmp_path, 1)
    code, out, _ = run(capsys, "results", job_id, "--json", "--out", str(tmp_path / "early"),
                       *org_flags(emulator)[:4])  # fmt: skip
    (row,) = json.loads(out)["jobs"]
    assert code == 1 and row["state"] == "InProgress" and "partial" in row["error_message"]
    with contextlib.closing(Journal()) as journal:
        assert [e.job_id for e in journal.unsettled()] == [job_id]  # still listed by --unsettled


def killed_mid_run(emulator: Any, tmp_path: Path, parts: int) -> Path:
    """A real `sfloader upsert` SIGKILLed with ``parts`` jobs InProgress; returns its run folder."""
    import signal
    import subprocess
    import sys

    from tests.cli.test_cli import upsert

    emulator.faults.stall_jobs = -1
    files = [write_accounts(tmp_path / f"f{n:02d}.csv", n * 100, 3) for n in range(parts)]
    out = tmp_path / "runs"
    argv = [sys.executable, "-m", "sfloader_gui.cli", *upsert(emulator, *files, extra=("--out", str(out)))]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    jobs = emulator.org.jobs
    with jobs.changed:  # all jobs InProgress: the state a user would see in Setup
        assert jobs.changed.wait_for(
            lambda: sum(j.state == "InProgress" for j in jobs.listing()) == parts or proc.poll() is not None,
            timeout=60,
        )
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    (run_dir,) = out.iterdir()  # the manifest written as the jobs moved says what was under way
    emulator.faults.release_stalled()
    return run_dir


def test_sigkill_mid_run_then_resume_saves_fifteen_result_sets_in_the_run_folder(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.faults.kit import nothing_lost

    run_dir = killed_mid_run(emulator, tmp_path, 15)
    code, text, _ = run(capsys, "resume", str(run_dir), "--json", "--poll-interval", "0.05",
                        *org_flags(emulator)[:4])  # fmt: skip
    assert code == 0, text
    assert len(json.loads(text)["jobs"]) == 15
    assert emulator.stats.jobs_created == 15 and emulator.stats.uploads == 15  # 0 resubmits
    nothing_lost(run_dir, emulator, records=45)


def test_results_fetched_after_a_crash_complete_the_run_s_manifest(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.faults.kit import nothing_lost

    run_dir = killed_mid_run(emulator, tmp_path, 3)
    with contextlib.closing(Journal()) as journal:  # the kill may come before a close is journalled
        ids = [e.job_id for e in journal.jobs_of_run(run_dir)]
    assert len(ids) == 3
    for job_id in ids:
        emulator.wait_job(job_id)
    code, out, _ = run(capsys, "results", *ids, "--json", *org_flags(emulator)[:4])
    assert code == 0, out
    doc = json.loads(out)
    assert doc["run_dir"] is None and {r["run_dir"] for r in doc["jobs"]} == {str(run_dir)}  # no new folder
    manifest = nothing_lost(run_dir, emulator, records=9)
    assert sorted(j["job_id"] for j in manifest["jobs"]) == sorted(ids) and manifest["finished_at"]
    with contextlib.closing(Journal()) as journal:
        assert journal.unsettled() == []
    code, out, _ = run(capsys, "retry", str(run_dir), "--json", *org_flags(emulator)[:4])
    assert code == 0 and json.loads(out)["run_dir"] is None  # every row loaded: nothing to retry
