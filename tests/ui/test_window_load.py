"""Loads from the window against the emulator: pre-flight blocking, full loads, job failures, cancel."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from sfloader_gui.core.load.journal import Journal
from sfloader_gui.core.load.results import load_manifest
from sfloader_gui.core.models import JobState
from sfloader_gui.core.settings import AppSettings
from sfloader_gui.ui.load.controller import RunResult
from sfloader_gui.ui.load.jobs_model import Col
from sfloader_gui.ui.load.summary import APP_TITLE
from sfloader_gui.ui.main_window import CancelChoice, MainWindow
from tests.ui.helpers import WAIT_MS, open_window, pick, wait_checked
from tests.ui.shown import tooltip_shown

FAST = AppSettings(poll_interval_s=0.2)


def load_and_wait(qtbot: QtBot, window: MainWindow) -> RunResult:
    assert window.load_button.isEnabled(), window.blocking_reason()
    with qtbot.waitSignal(window.load_finished, timeout=60_000) as done:
        window.load_button.click()
    result: RunResult = done.args[0]
    return result


def prepared(qtbot: QtBot, emulator: Any, obj: str, extid: str, files: list[Path]) -> MainWindow:
    window = open_window(qtbot, emulator, FAST)
    pick(qtbot, window, obj, extid)
    window.files_panel.add_paths(files)
    wait_checked(qtbot, window)
    return window


def test_preflight_errors_disable_load_with_the_reason(
    qtbot: QtBot, emulator: Any, samples_dir: Path
) -> None:
    window = prepared(qtbot, emulator, "Account", "External_Id__c", [samples_dir / "bad_accounts.csv"])
    assert not window.load_button.isEnabled()
    reason = window.load_reason.text()
    assert "bad_accounts.csv cannot be loaded" in reason
    assert "remove it from the list" in reason
    entry = window.files_model.entries()[0]
    assert entry.errors and entry.checked
    window.files_panel.view.selectRow(0)
    findings = [
        window.files_panel.details.findings.item(i).text()
        for i in range(window.files_panel.details.findings.count())
    ]
    assert any(text.startswith("Error:") for text in findings), findings

    # Removing the file and adding a clean one enables Load.
    window.files_panel.view.selectRow(0)
    window.files_panel.remove_selected()
    window.files_panel.add_paths([samples_dir / "accounts.csv"])
    wait_checked(qtbot, window)
    assert window.load_button.isEnabled(), window.blocking_reason()
    assert window.files_model.entries()[0].rows == 25
    assert window.files_model.entries()[0].delimiter == "Comma"


def test_full_load_of_the_samples_reaches_the_right_states_and_counts(
    qtbot: QtBot, emulator: Any, samples_dir: Path
) -> None:
    window = prepared(qtbot, emulator, "Account", "External_Id__c", [samples_dir / "accounts.csv"])
    result = load_and_wait(qtbot, window)
    assert [o.state for o in result.outcomes] == [JobState.JOB_COMPLETE]
    row = window.jobs_model.rows()[0]
    assert (row.state, row.processed, row.failed, row.rows) == (JobState.JOB_COMPLETE, 25, 0, 25)
    assert row.job_id and row.job_id.startswith("750")

    # Contacts point at those accounts; one file has 4 bad rows.
    window.object_picker.select("Contact")
    qtbot.waitUntil(lambda: window.extid_picker.value == "External_Id__c", timeout=WAIT_MS)
    window.files_panel.clear()
    window.files_panel.add_paths([samples_dir / "contacts.csv", samples_dir / "bad_contacts.csv"])
    wait_checked(qtbot, window)
    titles: list[str] = []
    window.windowTitleChanged.connect(titles.append)
    result = load_and_wait(qtbot, window)
    # Minimized, the taskbar shows the title: it follows the load, then says the app's name again.
    assert titles[0] == "Loading 0% · 0 of 2 jobs done — sfloader", titles
    assert window.windowTitle() == APP_TITLE
    rows = {r.ref.file.name: r for r in window.jobs_model.rows()}
    assert rows["contacts.csv"].state is JobState.JOB_COMPLETE
    assert (rows["contacts.csv"].processed, rows["contacts.csv"].failed) == (40, 0)
    assert rows["bad_contacts.csv"].state is JobState.JOB_COMPLETE
    # 31/12/1980 proves the Birthdate column day-first: converted, so 3 rows fail, not 4 (issue 11)
    assert (rows["bad_contacts.csv"].processed, rows["bad_contacts.csv"].failed) == (8, 3)

    model = window.jobs_model
    i = [r.ref.file.name for r in model.rows()].index("bad_contacts.csv")
    assert model.index(i, Col.STATE).data() == "Complete, 3 failed"
    assert model.index(i, Col.FAILED).data() == "3"
    summary = window.jobs_panel.summary.text()
    assert "45 records loaded" in summary and "3 failed" in summary and "records/s" in summary
    calls = re.search(r" · (\d+) API calls$", summary)
    assert calls and int(calls[1]) >= 2 * 6, summary  # two jobs: create, upload, close, polls, 3 results

    folder = window.jobs_panel.run_folder
    assert folder is not None and window.jobs_panel.open_results.isEnabled()
    assert window.jobs_panel.review_button.isVisibleTo(window)
    manifest = load_manifest(folder)
    assert manifest["totals"]["failed"] == 3 and manifest["accounting"]["balanced"]
    opened: list[Any] = []

    def opener(url: Any) -> bool:
        opened.append(url)
        return True

    window.jobs_panel.opener = opener
    window.jobs_panel.open_results.click()
    assert opened and opened[0].toLocalFile() == str(folder)
    assert "3 failed" in window.statusBar().currentMessage()

    window.jobs_panel.review_button.click()
    workbench = window.runs.workbenches[-1]
    assert workbench.isVisible() and workbench.windowTitle().startswith("Failed records")
    workbench.close()


@pytest.mark.app_warnings("Failed — InternalServerError")
def test_a_failed_job_shows_its_message_and_file(qtbot: QtBot, emulator: Any, samples_dir: Path) -> None:
    window = prepared(qtbot, emulator, "Account", "External_Id__c", [samples_dir / "accounts.csv"])
    emulator.faults.fail_jobs = 1
    with qtbot.waitSignal(window.controller.part_failed, timeout=60_000) as failed:
        load_and_wait(qtbot, window)
    assert failed.args[0].file.name == "accounts.csv"
    row = window.jobs_model.rows()[0]
    assert row.state is JobState.FAILED
    model = window.jobs_model
    assert model.index(0, Col.FILE).data() == "accounts.csv"
    assert model.index(0, Col.STATE).data() == "Failed"
    error = model.index(0, Col.ERROR).data()
    assert error and error == row.error
    assert "Batch processing failed" in error, "Salesforce's own errorMessage is shown"
    assert tooltip_shown(model.index(0, Col.ERROR).data(Qt.ItemDataRole.ToolTipRole)) == error
    assert "did not complete" in window.jobs_panel.summary.text()
    assert error in window.log_pane.toPlainText()


@pytest.mark.parametrize("choice", [CancelChoice.ABORT_JOBS, CancelChoice.STOP_WAITING])
@pytest.mark.app_warnings("Earlier session: ", "Fetch the results of those jobs")
def test_cancel_with_and_without_server_abort(
    qtbot: QtBot, emulator: Any, samples_dir: Path, choice: CancelChoice
) -> None:
    emulator.faults.stall_jobs = -1  # every job stays InProgress until someone aborts it
    window = prepared(qtbot, emulator, "Account", "External_Id__c", [samples_dir / "accounts.csv"])
    window.load_button.click()
    qtbot.waitUntil(lambda: window.jobs_model.rows()[0].state is JobState.IN_PROGRESS, timeout=WAIT_MS)
    assert window.cancel_button.isEnabled() and not window.load_button.isEnabled()
    asked: list[bool] = []

    def answer(closing: bool = False) -> CancelChoice:
        asked.append(closing)
        return choice

    window.ask_cancel_choice = answer  # type: ignore[method-assign]
    with qtbot.waitSignal(window.load_finished, timeout=60_000) as done:
        window.cancel_button.click()
    assert asked == [False]
    result: RunResult = done.args[0]
    assert result.cancelled
    row = window.jobs_model.rows()[0]
    job_id = row.job_id
    assert job_id
    server_state = emulator.org.jobs.get(job_id).state
    if choice is CancelChoice.ABORT_JOBS:
        assert row.state is JobState.ABORTED
        assert server_state == "Aborted"
    else:
        assert row.state is not JobState.ABORTED
        assert server_state == "InProgress", "stop waiting leaves the job running in Salesforce"
        journal = Journal()
        left = [e.job_id for e in journal.unsettled(emulator.instance_url)]
        journal.close()
        assert left == [job_id], "the journal remembers the job left running, for a later start"
        later = open_window(qtbot, emulator, FAST)  # the next session says so in its log
        qtbot.waitUntil(lambda: "Earlier session: job" in later.log_pane.toPlainText())
        assert job_id in later.log_pane.toPlainText()
    assert window.load_button.isEnabled()


def test_closing_while_loading_asks_and_keep_loading_keeps_the_window(
    qtbot: QtBot, emulator: Any, samples_dir: Path
) -> None:
    emulator.faults.stall_jobs = -1
    window = prepared(qtbot, emulator, "Account", "External_Id__c", [samples_dir / "accounts.csv"])
    window.load_button.click()
    qtbot.waitUntil(lambda: window.jobs_model.rows()[0].state is JobState.IN_PROGRESS, timeout=WAIT_MS)
    answers = [CancelChoice.KEEP_GOING, CancelChoice.ABORT_JOBS]
    asked: list[bool] = []

    def answer(closing: bool = False) -> CancelChoice:
        asked.append(closing)
        return answers.pop(0)

    window.ask_cancel_choice = answer  # type: ignore[method-assign]
    window.close()
    assert window.isVisible() and window.controller.running
    with qtbot.waitSignal(window.load_finished, timeout=60_000):
        window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)
    assert asked == [True, True]
    assert window.jobs_model.rows()[0].state is JobState.ABORTED
