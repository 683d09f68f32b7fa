"""Issue 10: abort a real load mid-job in the desktop app: the jobs table, the summary, the status line
(and notification), the manifest and the org's own record count (REST query) all say the same."""

from __future__ import annotations

import json
from pathlib import Path

from pytestqt.qtbot import QtBot

from sfloader_gui.core.models import JobState
from sfloader_gui.core.settings import AppSettings
from sfloader_gui.emulator.server import EmulatorConfig, EmulatorServer
from sfloader_gui.ui.load.controller import RunResult
from sfloader_gui.ui.main_window import CancelChoice
from tests.core.load.loadkit import count, write_accounts
from tests.faults.kit import rows_in
from tests.ui.conftest import _no_worker_left_running  # noqa: F401 - no worker may outlive the test
from tests.ui.helpers import WAIT_MS, open_window, pick, wait_checked

ROWS = 6_000


def test_abort_mid_job_agrees_everywhere(qtbot: QtBot, tmp_path: Path) -> None:
    # The org works through the job in batches of 500 at 3,000 rows/s: an abort lands mid-job.
    config = EmulatorConfig(db_path=tmp_path / "org.sqlite3", rows_per_second=3_000, batch_size=500)
    with EmulatorServer(config) as org:
        window = open_window(qtbot, org, AppSettings(poll_interval_s=0.1))
        pick(qtbot, window, "Account", "External_Id__c")
        window.files_panel.add_paths([write_accounts(tmp_path / "accounts.csv", 1, ROWS)])
        wait_checked(qtbot, window)
        window.load_button.click()
        qtbot.waitUntil(lambda: window.jobs_model.rows()[0].processed > 0, timeout=WAIT_MS)
        window.ask_cancel_choice = lambda closing=False: CancelChoice.ABORT_JOBS  # type: ignore[method-assign]
        with qtbot.waitSignal(window.load_finished, timeout=60_000) as done:
            window.cancel_button.click()
        result: RunResult = done.args[0]
        loaded = count(org)  # what the org holds, by its REST query endpoint
        row = window.jobs_model.rows()[0]
        assert row.state is JobState.ABORTED and 0 < loaded < ROWS
        assert row.processed == loaded and row.failed == 0
        assert f"{loaded:,} records loaded" in window.jobs_panel.summary.text()
        verdict = window.statusBar().currentMessage()
        assert f"{loaded:,} records loaded before the abort" in verdict
        assert f"{ROWS - loaded:,} not processed: Retry them" in verdict
        assert result.run_folder is not None
        manifest = json.loads((result.run_folder / "manifest.json").read_text(encoding="utf-8"))
        (job,) = manifest["jobs"]
        assert job["state"] == "Aborted" and job["records_processed"] == loaded
        assert job["records_unprocessed"] == ROWS - loaded and manifest["accounting"]["balanced"]
        assert len(rows_in(result.run_folder / job["success_file"])) == loaded
        assert len(rows_in(result.run_folder / job["unprocessed_file"])) == ROWS - loaded
