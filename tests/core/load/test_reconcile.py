"""Write-ahead journal and crash reconcile: stray Open jobs aborted, jobs left running reattached."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from sfloader_gui.core.load.engine import run_load
from sfloader_gui.core.load.journal import Journal
from sfloader_gui.core.load.liveness import end_this_process
from sfloader_gui.core.load.part.create import create_job
from sfloader_gui.core.load.part.plan import part_plans
from sfloader_gui.core.load.part.state import PartRun
from sfloader_gui.core.load.part.submit import submit
from sfloader_gui.core.load.reconcile import current_user_id, reconcile_strays
from sfloader_gui.core.load.results import RunFolder, count_records
from sfloader_gui.core.models import CancelToken, JobState
from sfloader_gui.core.salesforce import bulk
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.emulator.auth import USER_ID
from sfloader_gui.emulator.server import EmulatorConfig, EmulatorServer
from tests.core.load.loadkit import Recorder, connect, options, plan, write_accounts


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    j = Journal(tmp_path / "journal.sqlite3")
    yield j
    j.close()


def crashed_run(conn: SalesforceConnection, journal: Journal, src: Path, out: Path) -> PartRun:
    """The runner's own pieces for one part, with the run's journal, as a run that is about to crash."""
    opts = options()
    (part,) = part_plans(plan([src], opts))
    folder = RunFolder.create(out, opts.object_name)
    run_journal = journal.for_run(conn.instance_url, folder.path)
    return PartRun(conn, part, opts, folder, Recorder(), CancelToken(), run_journal)


def foreign_job(org: Any, object_name: str = "Account", token: str | None = None) -> str:
    """An Open job another tool made in the same org (straight HTTP, no journal), as ``token``'s user."""
    resp = requests.post(
        f"{org.instance_url}/services/data/v62.0/jobs/ingest",
        json={"object": object_name, "operation": "upsert", "externalIdFieldName": "External_Id__c"},
        headers={"Authorization": f"Bearer {token or org.access_token}"},
        timeout=10,
    )
    resp.raise_for_status()
    return str(resp.json()["id"])


def state(conn: SalesforceConnection, job_id: str) -> str:
    return bulk.get_job(conn, job_id).state


def test_the_user_of_the_token_is_known(emulator: Any) -> None:
    with connect(emulator) as conn:
        assert current_user_id(conn) == USER_ID


def test_a_job_created_before_a_crash_is_aborted_and_a_foreign_one_is_not(
    emulator: Any, tmp_path: Path, journal: Journal
) -> None:
    src = write_accounts(tmp_path / "a.csv", 1, 10)
    with connect(emulator) as conn:
        other = foreign_job(emulator)
        info = create_job(crashed_run(conn, journal, src, tmp_path / "out"))  # then "crash": no upload
        assert info is not None and state(conn, info.id) == "Open"
        assert reconcile_strays(conn, journal).aborted == [], "a live run's jobs are its own business"
        end_this_process()  # the run's process dies
        report = reconcile_strays(conn, journal)
        assert [j.job_id for j in report.aborted] == [info.id]
        assert "a.csv part 1" in report.aborted[0].note
        assert state(conn, info.id) == "Aborted"
        assert state(conn, other) == "Open", "a job the journal does not point at is left alone"
        again = reconcile_strays(conn, journal)
    assert again.aborted == [] and again.running == []


def test_a_crash_before_the_job_id_was_saved_aborts_that_one_stray_only(
    emulator: Any, tmp_path: Path, journal: Journal
) -> None:
    src = write_accounts(tmp_path / "a.csv", 1, 10)
    with connect(emulator) as conn:
        run = crashed_run(conn, journal, src, tmp_path / "out")
        assert run.journal is not None
        run.journal.intent(run.plan.ref, "Account", "External_Id__c")  # written; then the POST...
        stray = bulk.create_upsert_job(conn, "Account", "External_Id__c").id  # ...answers; crash
        other_object = foreign_job(emulator, "Contact")
        other_user = foreign_job(emulator, token=emulator.token_for_user()[0])
        end_this_process()
        (dangling,) = journal.intents(conn.instance_url, dangling=True)
        assert dangling.job_id is None and dangling.file == src and dangling.object_name == "Account"
        report = reconcile_strays(conn, journal)
        assert [j.job_id for j in report.aborted] == [stray]
        assert state(conn, stray) == "Aborted"
        assert state(conn, other_object) == "Open" and state(conn, other_user) == "Open"
        assert journal.intents(conn.instance_url, dangling=True) == []
        assert reconcile_strays(conn, journal).aborted == []


def test_when_two_jobs_could_be_the_stray_none_is_aborted_and_both_are_reported(
    emulator: Any, tmp_path: Path, journal: Journal
) -> None:
    src = write_accounts(tmp_path / "a.csv", 1, 10)
    with connect(emulator) as conn:
        run = crashed_run(conn, journal, src, tmp_path / "out")
        assert run.journal is not None
        run.journal.intent(run.plan.ref, "Account", "External_Id__c")
        stray = bulk.create_upsert_job(conn, "Account", "External_Id__c").id
        same_user_other_tool = foreign_job(emulator)  # indistinguishable from ours
        end_this_process()
        report = reconcile_strays(conn, journal)
        assert report.aborted == []
        assert {j.job_id for j in report.ambiguous} == {stray, same_user_other_tool}
        assert state(conn, stray) == "Open" and state(conn, same_user_other_tool) == "Open"
        assert any("left alone" in line for line in report.lines())


def test_no_job_is_aborted_for_an_interrupted_create_when_the_user_is_unknown(
    emulator: Any, tmp_path: Path, journal: Journal
) -> None:
    emulator.faults.add_status(500, method="GET", path="/oauth2/userinfo", times=-1)
    src = write_accounts(tmp_path / "a.csv", 1, 10)
    with connect(emulator) as conn:
        run = crashed_run(conn, journal, src, tmp_path / "out")
        assert run.journal is not None
        run.journal.intent(run.plan.ref, "Account", "External_Id__c")
        stray = bulk.create_upsert_job(conn, "Account", "External_Id__c").id
        end_this_process()
        report = reconcile_strays(conn, journal)
        assert report.aborted == [] and state(conn, stray) == "Open"
        assert any("did not say which user" in p for p in report.problems)
        assert conn.fatal_error is None  # the refused lookup does not stop later loads


def test_the_intent_is_written_before_the_create_post(
    emulator: Any, tmp_path: Path, journal: Journal
) -> None:
    emulator.faults.add_status(503, method="POST", path="/jobs/ingest/?$", times=1)
    src = write_accounts(tmp_path / "a.csv", 1, 10)
    opts = options()
    with connect(emulator) as conn:
        result = run_load(conn, plan([src], opts), opts, tmp_path / "out", Recorder(), CancelToken(),
                          journal=journal)  # fmt: skip
        (outcome,) = result.outcomes
        assert outcome.state is JobState.ERROR and outcome.job_id is None
        assert emulator.stats.jobs_created == 0
        end_this_process()
        (intent,) = journal.intents(conn.instance_url, dangling=True)
        assert (intent.file, intent.part, intent.job_id) == (src, 1, None)
        assert (intent.object_name, intent.external_id_field) == ("Account", "External_Id__c")
        assert intent.run_dir == result.run_dir
        report = reconcile_strays(conn, journal)  # nothing was made: the intent is settled, nothing aborted
        assert report.aborted == [] and journal.intents(conn.instance_url, dangling=True) == []


def test_a_normal_load_records_the_job_id_and_leaves_nothing_to_reconcile(
    emulator: Any, tmp_path: Path, journal: Journal
) -> None:
    src = write_accounts(tmp_path / "a.csv", 1, 10)
    opts = options()
    with connect(emulator) as conn:
        result = run_load(conn, plan([src], opts), opts, tmp_path / "out", Recorder(), CancelToken(),
                          journal=journal)  # fmt: skip
        assert result.ok
        report = reconcile_strays(conn, journal)
    assert report.lines() == []


@pytest.fixture
def slow_org(tmp_path: Path) -> Iterator[Any]:
    """Jobs wait a while before processing, so one is still running when the crashed run is reconciled."""
    with EmulatorServer(EmulatorConfig(db_path=tmp_path / "slow.sqlite3", start_delay=1.0)) as org:
        yield org


def test_a_job_left_running_by_a_crash_is_reported_and_its_results_fetched(
    slow_org: Any, tmp_path: Path, journal: Journal
) -> None:
    src = write_accounts(tmp_path / "a.csv", 1, 12)
    with connect(slow_org) as conn:
        run = crashed_run(conn, journal, src, tmp_path / "out")
        submit(run)  # created, uploaded, closed; then the process "dies" before it waits
        job_id = run.outcome.job_id
        assert job_id is not None
        report = reconcile_strays(conn, journal)
        assert report.aborted == []
        assert [(j.job_id, j.state) for j in report.running] == [(job_id, "UploadComplete")]
        assert f"sfloader results {job_id}" in report.running[0].note
        deadline, tick = time.monotonic() + 20, threading.Event()
        while state(conn, job_id) != "JobComplete":  # the org finishes it as if nothing happened
            assert time.monotonic() < deadline, "the job left running never completed"
            tick.wait(0.05)
        saved, problems = bulk.download_all_results(conn, job_id, tmp_path / "reattached")
        assert problems == {}
        assert count_records(saved["success"], ",") == 12
        journal.settle(job_id)
        assert reconcile_strays(conn, journal).lines() == []


def test_with_nothing_journalled_reconcile_makes_no_call(emulator: Any, journal: Journal) -> None:
    with connect(emulator) as conn:
        before = len(emulator.stats.find())
        assert reconcile_strays(conn, journal).lines() == []
    assert len(emulator.stats.find()) == before
