"""The controller drives a real LoadRun against the emulator: pool size, rows, cancel, the run's manifest.

Jobs that stay InProgress until aborted (the emulator's ``stall_jobs``) hold parts on the pool, so which
parts run and which wait in the queue when Cancel comes is known, not timed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from sfloader_gui.core.load.engine import build_retry_files
from sfloader_gui.core.load.journal import Journal
from sfloader_gui.core.load.results import count_records, load_manifest
from sfloader_gui.core.load.run import LoadRun
from sfloader_gui.core.models import JobState
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.ui.load.controller import LoadController, RunResult
from sfloader_gui.ui.load.jobs_model import JobsModel
from sfloader_gui.ui.tasks import BackgroundTasks
from tests.core.load.loadkit import connect, options, plan, write_accounts

ROWS = 10  # per file; one file = one part = one job


@pytest.fixture
def controller(journal: Journal) -> Iterator[LoadController]:
    """Torn down before the journal its runs write to."""
    tasks = BackgroundTasks()
    controller = LoadController(JobsModel(), tasks)
    yield controller
    controller.shutdown()
    tasks.wait()


@pytest.fixture
def conn(emulator: Any) -> Iterator[SalesforceConnection]:
    with connect(emulator) as c:
        yield c


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    j = Journal(tmp_path / "journal.sqlite3")
    yield j
    j.close()


def make_run(
    conn: SalesforceConnection, journal: Journal, tmp_path: Path, files: int, max_jobs: int
) -> LoadRun:
    paths = [write_accounts(tmp_path / f"a{i}.csv", 1 + i * ROWS, ROWS) for i in range(files)]
    opts = options(max_concurrent_jobs=max_jobs)
    return LoadRun.create(conn, plan(paths, opts), opts, tmp_path / "out", journal=journal)


def in_progress(controller: LoadController) -> int:
    return sum(r.state is JobState.IN_PROGRESS for r in controller.model.rows())


def test_parts_run_on_the_pool_and_every_row_completes(
    qtbot: QtBot,
    controller: LoadController,
    conn: SalesforceConnection,
    journal: Journal,
    emulator: Any,
    tmp_path: Path,
) -> None:
    run = make_run(conn, journal, tmp_path, files=6, max_jobs=3)
    with qtbot.waitSignal(controller.run_finished, timeout=30_000) as done:
        controller.start(run)
    result: RunResult = done.args[0]
    assert controller.pool.maxThreadCount() == 3
    assert emulator.stats.max_open_jobs <= 3
    assert [r.state for r in controller.model.rows()] == [JobState.JOB_COMPLETE] * 6
    assert all(r.processed == ROWS and r.job_id for r in controller.model.rows())
    assert result.run_folder == run.folder.path and not result.cancelled
    manifest = load_manifest(run.folder.path)
    assert manifest["totals"]["success"] == 6 * ROWS and manifest["accounting"]["balanced"]
    assert manifest["finished_at"] is not None


@pytest.mark.parametrize("abort", [True, False])
def test_cancel_with_parts_queued_counts_them_not_sent_in_the_manifest(
    qtbot: QtBot,
    controller: LoadController,
    conn: SalesforceConnection,
    journal: Journal,
    emulator: Any,
    tmp_path: Path,
    abort: bool,
) -> None:
    emulator.faults.stall_jobs = -1  # every job stays InProgress until aborted
    run = make_run(conn, journal, tmp_path, files=5, max_jobs=2)
    controller.start(run)
    qtbot.waitUntil(lambda: in_progress(controller) == 2, timeout=20_000)
    under_way = load_manifest(run.folder.path)  # written at the start, updated as jobs move
    assert [j["state"] for j in under_way["jobs"]] == ["InProgress"] * 2 + ["Queued"] * 3
    assert under_way["finished_at"] is None
    with qtbot.waitSignal(controller.run_finished, timeout=30_000) as done:
        controller.cancel(abort_jobs=abort)
    result: RunResult = done.args[0]
    assert result.cancelled and emulator.stats.jobs_created == 2
    running = JobState.ABORTED if abort else JobState.CANCELLED
    rows = controller.model.rows()
    assert [r.state for r in rows] == [running] * 2 + [JobState.CANCELLED] * 3

    manifest = load_manifest(run.folder.path)
    jobs = manifest["jobs"]
    assert [j["state"] for j in jobs] == [running.value] * 2 + ["Cancelled"] * 3
    for job in jobs[2:]:  # never sent: no job, every record unprocessed, and said so
        assert job["job_id"] is None and job["records_unprocessed"] == ROWS
        assert any("not sent" in n for n in job["notes"])
    assert manifest["totals"]["unprocessed"] == 5 * ROWS and manifest["totals"]["success"] == 0
    assert manifest["accounting"] == {"balanced": True, "unaccounted": 0}
    if abort:  # Retry sends the aborted jobs' rows and the rows never sent
        retry_files = build_retry_files(run.folder.path)
        assert len(retry_files) == 5
        assert sum(count_records(f) for f in retry_files) == 5 * ROWS


def test_cancel_right_after_start_sends_nothing(
    qtbot: QtBot,
    controller: LoadController,
    conn: SalesforceConnection,
    journal: Journal,
    emulator: Any,
    tmp_path: Path,
) -> None:
    run = make_run(conn, journal, tmp_path, files=6, max_jobs=3)
    controller.start(run)
    with qtbot.waitSignal(controller.run_finished, timeout=10_000) as done:
        controller.cancel(abort_jobs=False)
    result: RunResult = done.args[0]
    assert emulator.stats.jobs_created == 0, "parts not yet handed to the pool never run"
    assert [o.state for o in result.outcomes] == [JobState.CANCELLED] * 6
    assert [r.state for r in controller.model.rows()] == [JobState.CANCELLED] * 6
    manifest = load_manifest(run.folder.path)
    assert manifest["totals"]["unprocessed"] == 6 * ROWS and manifest["accounting"]["balanced"]
