"""Issue 10: the run folder turns read-only (the OS refuses, as on a full disk) while the app's jobs run:
the app says "Manifest not saved", keeps each job's id and state, and Resume from Recent runs saves the
results in that run folder later and completes its manifest."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from sfloader_gui.core.load.history import RunState
from sfloader_gui.core.load.journal import Journal
from sfloader_gui.core.models import JobState
from sfloader_gui.core.settings import AppSettings
from sfloader_gui.ui.load.controller import RunResult
from sfloader_gui.ui.runs import RecentRunsDialog
from tests.core.load.loadkit import write_accounts
from tests.faults.kit import nothing_lost, read_only
from tests.ui.conftest import _no_unexpected_app_warning, _no_worker_left_running  # noqa: F401
from tests.ui.helpers import WAIT_MS, open_window, pick, wait_checked


@pytest.mark.app_warnings("Could not update .*manifest.json", "Could not write the manifest of run")
def test_the_app_says_manifest_not_saved_and_resume_completes_the_run(
    qtbot: QtBot, emulator: Any, tmp_path: Path
) -> None:
    emulator.faults.stall_jobs = -1
    runs = tmp_path / "runs"
    window = open_window(qtbot, emulator, AppSettings(poll_interval_s=0.1, output_dir=str(runs)))
    pick(qtbot, window, "Account", "External_Id__c")
    window.files_panel.add_paths([write_accounts(tmp_path / f"f{n}.csv", n * 100, 6) for n in range(2)])
    wait_checked(qtbot, window)
    window.load_button.click()
    qtbot.waitUntil(
        lambda: all(r.state is JobState.IN_PROGRESS for r in window.jobs_model.rows()), timeout=WAIT_MS
    )
    (run_dir,) = runs.iterdir()
    with read_only(run_dir):  # from now on neither the manifest nor any result file can be written
        with qtbot.waitSignal(window.load_finished, timeout=60_000) as done:
            emulator.faults.release_stalled()
        result: RunResult = done.args[0]
    rows = window.jobs_model.rows()
    assert [(r.state, r.processed) for r in rows] == [(JobState.JOB_COMPLETE, 6)] * 2
    ids = [r.job_id for r in rows]
    assert all(ids)  # the jobs keep their ids and states
    status = window.statusBar().currentMessage()
    assert "Manifest not saved" in status and "Resume it from Recent runs" in status, status
    assert "Manifest not saved" in window.jobs_panel.summary.text()
    assert not window.jobs_panel.review_button.isVisible()  # the folder's old manifest is not reviewed
    assert result.manifest is not None and result.manifest["jobs"][0]["success_file"] is None
    on_disk = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert not on_disk["finished_at"]  # what was under way when the folder stopped taking writes
    with contextlib.closing(Journal()) as journal:
        assert {e.job_id for e in journal.unsettled()} == set(ids)  # fetchable later
    # The folder can be written again: Recent runs offers Resume, which completes the run.
    dialog = window.open_recent_runs()
    assert isinstance(dialog, RecentRunsDialog)
    (run,) = dialog.runs
    assert run.state is RunState.TO_FETCH and dialog.resume_button.isEnabled()
    dialog.resume_button.click()
    qtbot.waitUntil(lambda: "Resumed" in window.statusBar().currentMessage(), timeout=60_000)
    manifest = nothing_lost(run_dir, emulator, records=12)
    assert [j["job_id"] for j in manifest["jobs"]] == ids and manifest["finished_at"]
    assert emulator.stats.jobs_created == 2  # nothing sent again
    with contextlib.closing(Journal()) as journal:
        assert journal.unsettled() == []
    assert dialog.runs[0].state is RunState.COMPLETE
