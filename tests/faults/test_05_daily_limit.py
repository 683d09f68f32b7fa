"""Case 5: 403 REQUEST_LIMIT_EXCEEDED (daily total): no retry storm, says "daily API limit"; parts not
started are not sent, jobs already running keep their ids (never aborted) and are resumed once the
allowance is back, sending nothing again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sfloader_gui.core.models import EventKind, JobEvent
from tests.core.load.loadkit import Recorder, load, options, write_accounts
from tests.faults.kit import nothing_lost


def test_the_limit_stops_new_jobs_without_a_storm(emulator: Any, tmp_path: Path) -> None:
    def limit_after_first_results(event: JobEvent) -> bool:
        if event.kind is EventKind.RESULTS_SAVED:
            emulator.faults.request_limit = True
        return False

    files = [write_accounts(tmp_path / f"f{n}.csv", n * 100, 5) for n in range(4)]
    result = load(emulator, files, tmp_path / "out", options(max_concurrent_jobs=1),
                  recorder=Recorder(trigger=limit_after_first_results))  # fmt: skip
    refused = [r for r in emulator.stats.find() if r.status == 403]
    assert len(refused) <= 2  # no storm: the first refusal stops the parts not yet started
    errors = [j["error_message"] or "" for j in result.manifest["jobs"][1:]]
    assert all("daily API request limit" in e for e in errors)
    emulator.faults.request_limit = False
    nothing_lost(result.run_dir, emulator, records=20)


def test_jobs_running_when_the_limit_hits_are_kept_and_resumed_later(emulator: Any, tmp_path: Path) -> None:
    import contextlib

    from sfloader_gui.core.load.engine import run_load
    from sfloader_gui.core.load.journal import Journal
    from sfloader_gui.core.load.resume import resume_run, runs_to_resume
    from sfloader_gui.core.models import CancelToken
    from tests.core.load.loadkit import connect, plan

    emulator.faults.stall_jobs = -1
    seen: set[str] = set()

    def limit_once_both_run(event: JobEvent) -> bool:
        if event.kind is EventKind.PROCESSING and event.job_id:
            seen.add(event.job_id)
            if len(seen) == 2:
                emulator.faults.request_limit = True  # the org's daily allowance runs out mid-run
        return False

    files = [write_accounts(tmp_path / f"f{n}.csv", n * 100, 5) for n in range(2)]
    opts = options(max_concurrent_jobs=2)
    with connect(emulator) as conn, contextlib.closing(Journal()) as journal:
        result = run_load(conn, plan(files, opts), opts, tmp_path / "out",
                          Recorder(trigger=limit_once_both_run), CancelToken(), journal=journal)  # fmt: skip
        refused = [r for r in emulator.stats.find() if r.status == 403]
        assert 1 <= len(refused) <= 4  # each job's poll is refused once or so: no storm, no abort
        assert not emulator.stats.find("PATCH")[2:]  # the two closes only: nothing was aborted
        assert all("daily API request limit" in (j["error_message"] or "") for j in result.manifest["jobs"])
        assert all(j["job_id"] for j in result.manifest["jobs"])  # the ids are kept...
        assert runs_to_resume(journal, emulator.instance_url) == {result.run_dir: 2}  # ...and resumable
    emulator.faults.request_limit = False  # the allowance is back (a rolling 24 hours)
    emulator.faults.release_stalled()
    with connect(emulator) as conn, contextlib.closing(Journal()) as journal:
        resumed = resume_run(conn, result.run_dir, journal, poll_interval_s=0.05)
        assert runs_to_resume(journal, emulator.instance_url) == {}
    assert [j["state"] for j in resumed.manifest["jobs"]] == ["JobComplete"] * 2
    assert emulator.stats.jobs_created == 2 and emulator.stats.uploads == 2  # nothing sent again
    nothing_lost(result.run_dir, emulator, records=10)
