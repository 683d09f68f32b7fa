"""Case 13: a crash between the create-job POST and the journal write: the next start aborts that one
Open job of this user and object, and never a job of another user or another tool (issue 10)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from sfloader_gui.core.load.journal import Journal
from sfloader_gui.core.load.liveness import end_this_process
from sfloader_gui.core.load.reconcile import reconcile_strays
from sfloader_gui.core.salesforce import bulk
from tests.core.load.loadkit import connect, write_accounts
from tests.core.load.test_reconcile import crashed_run, foreign_job


def crash_after_the_post(org: Any, tmp_path: Path) -> str:
    """The intent is on disk, the POST made a job, and the process dies before writing its id."""
    src = write_accounts(tmp_path / "a.csv", 1, 5)
    with connect(org) as conn, contextlib.closing(Journal()) as journal:
        run = crashed_run(conn, journal, src, tmp_path / "out")
        assert run.journal is not None
        run.journal.intent(run.plan.ref, "Account", "External_Id__c")
        stray = bulk.create_upsert_job(conn, "Account", "External_Id__c").id
    end_this_process()
    return stray


def test_the_orphan_is_aborted_and_other_users_jobs_are_not(emulator: Any, tmp_path: Path) -> None:
    someone_else = foreign_job(emulator, token=emulator.token_for_user()[0])  # just before the crash
    stray = crash_after_the_post(emulator, tmp_path)
    with connect(emulator) as conn, contextlib.closing(Journal()) as journal:
        report = reconcile_strays(conn, journal)
        assert [j.job_id for j in report.aborted] == [stray]
        assert bulk.get_job(conn, someone_else).state == "Open"
        assert [j.id for j in bulk.list_jobs(conn) if j.state == "Open"] == [someone_else]  # 0 orphans


def test_a_twin_from_another_tool_of_the_same_user_stops_the_guess(emulator: Any, tmp_path: Path) -> None:
    stray = crash_after_the_post(emulator, tmp_path)
    twin = foreign_job(emulator)  # same user, object, External ID, same moment: cannot tell them apart
    with connect(emulator) as conn, contextlib.closing(Journal()) as journal:
        report = reconcile_strays(conn, journal)
        assert report.aborted == [] and {j.job_id for j in report.ambiguous} == {stray, twin}
        assert bulk.get_job(conn, twin).state == "Open" and bulk.get_job(conn, stray).state == "Open"
