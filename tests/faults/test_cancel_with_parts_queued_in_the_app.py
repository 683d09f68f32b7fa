"""Issue 10: cancel in the desktop app while parts are still queued: they count as not sent (all their
records unprocessed) in the manifest, the run still balances, and Retry sends them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from sfloader_gui.core.load.engine import build_retry_files
from sfloader_gui.core.models import JobState
from sfloader_gui.core.settings import AppSettings
from sfloader_gui.ui.load.controller import RunResult
from sfloader_gui.ui.main_window import CancelChoice
from tests.core.load.loadkit import write_accounts
from tests.faults.kit import nothing_lost, rows_in
from tests.ui.conftest import _no_worker_left_running  # noqa: F401 - no worker may outlive the test
from tests.ui.helpers import WAIT_MS, open_window, pick, wait_checked


def test_queued_parts_are_not_sent_and_retry_sends_them(qtbot: QtBot, emulator: Any, tmp_path: Path) -> None:
    emulator.faults.stall_jobs = -1
    window = open_window(qtbot, emulator, AppSettings(poll_interval_s=0.1, max_concurrent_jobs=1))
    pick(qtbot, window, "Account", "External_Id__c")
    window.files_panel.add_paths([write_accounts(tmp_path / f"f{n}.csv", n * 100, 7) for n in range(3)])
    wait_checked(qtbot, window)
    window.load_button.click()
    qtbot.waitUntil(lambda: window.jobs_model.rows()[0].state is JobState.IN_PROGRESS, timeout=WAIT_MS)
    window.ask_cancel_choice = lambda closing=False: CancelChoice.ABORT_JOBS  # type: ignore[method-assign]
    with qtbot.waitSignal(window.load_finished, timeout=60_000) as done:
        window.cancel_button.click()
    result: RunResult = done.args[0]
    assert result.run_folder is not None
    manifest = json.loads((result.run_folder / "manifest.json").read_text(encoding="utf-8"))
    first, *queued = manifest["jobs"]
    assert first["state"] == "Aborted"
    assert [(j["job_id"], j["records_unprocessed"]) for j in queued] == [(None, 7), (None, 7)]
    assert all(any("not sent" in n for n in j["notes"]) for j in queued)
    assert emulator.stats.jobs_created == 1
    nothing_lost(result.run_folder, emulator, records=21)
    retry = build_retry_files(result.run_folder)
    assert sum(len(rows_in(p)) for p in retry) == 21 - first["records_processed"]
