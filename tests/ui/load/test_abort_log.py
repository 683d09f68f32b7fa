"""Issue 9: a job the user aborted is logged as their choice (INFO, with their reason); a job the org aborted
(an admin in Setup) stays a warning. Read where the user reads it: the log pane."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from pytestqt.qtbot import QtBot

from sfloader_gui.core.models import JobState
from sfloader_gui.core.settings import AppSettings
from sfloader_gui.ui.main_window import CancelChoice, MainWindow
from tests.ui.helpers import WAIT_MS, open_window, pick, wait_checked


def loading(qtbot: QtBot, emulator: Any, samples_dir: Path) -> MainWindow:
    """A window whose one job is InProgress and stays so until someone aborts it."""
    emulator.faults.stall_jobs = -1
    window = open_window(qtbot, emulator, AppSettings(poll_interval_s=0.2))
    pick(qtbot, window, "Account", "External_Id__c")
    window.files_panel.add_paths([samples_dir / "accounts.csv"])
    wait_checked(qtbot, window)
    window.load_button.click()
    qtbot.waitUntil(lambda: window.jobs_model.rows()[0].state is JobState.IN_PROGRESS, timeout=WAIT_MS)
    return window


def pane_lines(window: MainWindow, part: str) -> list[str]:
    return [line for line in window.log_pane.toPlainText().splitlines() if part in line]


@pytest.mark.parametrize("closing", [False, True])
def test_a_job_the_user_aborted_is_logged_as_their_choice(
    qtbot: QtBot, emulator: Any, samples_dir: Path, closing: bool
) -> None:
    window = loading(qtbot, emulator, samples_dir)
    window.ask_cancel_choice = lambda closing=False: CancelChoice.ABORT_JOBS  # type: ignore[method-assign]
    with qtbot.waitSignal(window.load_finished, timeout=60_000):
        window.close() if closing else window.cancel_button.click()
    assert window.jobs_model.rows()[0].state is JobState.ABORTED
    (line,) = pane_lines(window, "accounts.csv: aborted at your request")
    reason = (
        "you closed the window and chose Abort jobs in Salesforce"
        if closing
        else "you chose Cancel, then Abort jobs in Salesforce"
    )
    assert f"({reason})" in line and "not processed" in line
    assert "Warning:" not in window.log_pane.toPlainText(), (
        "no warning line (the conftest guard fails on one)"
    )


@pytest.mark.app_warnings(r"accounts\.csv: Aborted — ")
def test_a_job_the_org_aborted_stays_a_warning(qtbot: QtBot, emulator: Any, samples_dir: Path) -> None:
    window = loading(qtbot, emulator, samples_dir)
    job_id = window.jobs_model.rows()[0].job_id
    admin = emulator.token_for_user()[0]  # someone else, in Setup
    url = f"{emulator.instance_url}/services/data/v66.0/jobs/ingest/{job_id}"
    with qtbot.waitSignal(window.load_finished, timeout=60_000):
        answer = requests.patch(url, json={"state": "Aborted"}, headers={"Authorization": f"Bearer {admin}"},
                                timeout=10)  # fmt: skip
        assert answer.ok
    (line,) = pane_lines(window, "accounts.csv: Aborted")
    assert line.split("  ", 1)[1].startswith("Warning: ")
    assert not pane_lines(window, "at your request")
