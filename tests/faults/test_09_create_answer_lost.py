"""Case 9: the create-job POST's answer is lost: no blind re-POST; the stray is found and aborted, and
only a job that can only be ours (issue 10: a second process's job is never touched)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from sfloader_gui.core.load.engine import run_load
from sfloader_gui.core.load.journal import Journal
from sfloader_gui.core.models import CancelToken
from sfloader_gui.core.salesforce import bulk
from tests.core.load.loadkit import Recorder, connect, count, load, options, plan, write_accounts
from tests.faults.kit import nothing_lost, open_jobs


def test_the_stray_is_aborted_and_no_open_job_is_left(emulator: Any, tmp_path: Path) -> None:
    emulator.faults.lose_answer("POST", "/jobs/ingest$")
    src = write_accounts(tmp_path / "a.csv", 1, 10)
    result = load(emulator, [src], tmp_path / "out")
    (job,) = result.manifest["jobs"]
    (stray,) = job["abandoned_jobs"]
    assert job["state"] == "JobComplete" and stray["reason"] == "create-job answer lost"
    assert emulator.stats.jobs_created == 2 and open_jobs(emulator) == []
    nothing_lost(result.run_dir, emulator, records=10)


def test_a_second_process_s_open_job_is_left_alone(emulator: Any, tmp_path: Path) -> None:
    with contextlib.closing(Journal(tmp_path / "journal.sqlite3")) as journal:
        # Another sfloader on this machine is uploading to its own job: journalled, so known.
        with connect(emulator) as conn:
            theirs = bulk.create_upsert_job(conn, "Account", "External_Id__c")
        other = journal.for_run(emulator.instance_url, tmp_path / "their-run")
        from sfloader_gui.core.models import PartRef

        intent = other.intent(PartRef(tmp_path / "theirs.csv", 1, 1), "Account", "External_Id__c")
        other.job_created(intent, theirs.id)
        emulator.faults.lose_answer("POST", "/jobs/ingest$")
        src = write_accounts(tmp_path / "a.csv", 1, 10)
        opts = options()
        with connect(emulator) as conn:
            result = run_load(conn, plan([src], opts), opts, tmp_path / "out", Recorder(), CancelToken(),
                              journal=journal)  # fmt: skip
            assert bulk.get_job(conn, theirs.id).state == "Open"  # untouched
        (job,) = result.manifest["jobs"]
        assert job["state"] == "JobComplete" and len(job["abandoned_jobs"]) == 1
        assert [j.id for j in open_jobs(emulator)] == [theirs.id]
        assert count(emulator) == 10


def test_two_jobs_that_could_be_it_are_both_left_and_reported(emulator: Any, tmp_path: Path) -> None:
    # The same user's other tool (no journal here) created an identical job a moment before our POST.
    with connect(emulator) as conn:
        theirs = bulk.create_upsert_job(conn, "Account", "External_Id__c")
    emulator.faults.lose_answer("POST", "/jobs/ingest$")
    src = write_accounts(tmp_path / "a.csv", 1, 10)
    result = load(emulator, [src], tmp_path / "out")
    (job,) = result.manifest["jobs"]
    assert job["state"] == "JobComplete" and job["abandoned_jobs"] == []
    assert any("none was aborted" in n and theirs.id in n for n in job["notes"])
    assert len(open_jobs(emulator)) == 2  # ours and theirs: neither touched on a guess
    nothing_lost(result.run_dir, emulator, records=10)
