"""Smaller pieces of the window: crash dialog, log pane redaction, settings dialog, notification, summary."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from sfloader_gui.core.models import JobState, PartRef
from sfloader_gui.core.settings import AppSettings, load_settings
from sfloader_gui.ui.error_dialog import handle_exception
from sfloader_gui.ui.load.jobs_model import JobRow
from sfloader_gui.ui.load.summary import APP_TITLE, run_verdict, summary_text, window_title
from sfloader_gui.ui.log_pane import LogPane
from sfloader_gui.ui.notify import Notifier
from sfloader_gui.ui.settings_dialog import SettingsDialog
from tests.ui.helpers import open_window

TOKEN = "00D5g000004ABCD!AQ0AQFakeTokenValue.0123456789abcdefghijklmnop"


@pytest.mark.app_warnings("error_dialog: Unexpected error")
def test_unexpected_exception_opens_a_dialog_with_copyable_redacted_details(qtbot: QtBot) -> None:
    try:
        raise RuntimeError(f"boom with {TOKEN}")
    except RuntimeError as exc:
        dialog = handle_exception(type(exc), exc, exc.__traceback__)
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.isVisible()
    details = dialog.details.toPlainText()
    assert "RuntimeError: boom" in details and "Traceback" in details
    assert TOKEN not in details and "[REDACTED]" in details
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == details
    dialog.close()


@pytest.mark.app_warnings("Salesforce is slow")
def test_log_pane_redacts_secrets_and_shows_plain_lines(qtbot: QtBot) -> None:
    pane = LogPane()
    qtbot.addWidget(pane)
    logger = logging.getLogger("sfloader_gui.ui.test")
    with qtbot.waitSignal(pane.handler.bridge.line):
        logger.info("Connected with Authorization: Bearer %s", TOKEN)
    text = pane.toPlainText()
    assert "Connected with" in text
    assert TOKEN not in text and "[REDACTED]" in text
    # Technical INFO lines of other modules stay in the file log only; their warnings reach the pane.
    logging.getLogger("sfloader_gui.core.salesforce.connection").info("GET /services/data")
    with qtbot.waitSignal(pane.handler.bridge.line):
        logging.getLogger("sfloader_gui.core.salesforce.connection").warning("Salesforce is slow")
    assert "GET /services/data" not in pane.toPlainText()
    assert "Warning: Salesforce is slow" in pane.toPlainText()
    pane.detach()


def test_settings_dialog_changes_poll_timeout_and_part_size(qtbot: QtBot) -> None:
    window = open_window(qtbot, None)
    dialog = SettingsDialog(window.settings, window)
    qtbot.addWidget(dialog)
    dialog.poll.setValue(2.5)
    dialog.timeout.setValue(30)
    dialog.part_size.setValue(10)
    changed = dialog.result_settings()
    assert (changed.poll_interval_s, changed.timeout_s, changed.part_size_bytes) == (2.5, 1800.0, 10_000_000)
    dialog._restore_defaults()
    assert dialog.result_settings() == AppSettings()

    window.open_settings = lambda: None  # type: ignore[method-assign]
    window.settings = changed
    window._persist()
    assert load_settings().part_size_mb == 10


def test_notification_only_for_long_runs_in_the_background(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = open_window(qtbot, None)
    notifier = Notifier(window, threshold_s=60)
    monkeypatch.setattr(window, "isActiveWindow", lambda: False)
    assert not notifier.run_finished("done", elapsed_s=5), "short runs end while the user watches"
    assert notifier.run_finished("Load finished: all 10 records loaded.", elapsed_s=120)
    assert notifier.last_message == "Load finished: all 10 records loaded."
    monkeypatch.setattr(window, "isActiveWindow", lambda: True)
    assert not notifier.run_finished("again", elapsed_s=120), "no notification when the window is in front"
    notifier.hide()


def test_summary_line_and_verdict() -> None:
    ref = PartRef(Path("/d/a.csv"), 1, 2)
    rows = [
        JobRow(ref=ref, rows=100, state=JobState.JOB_COMPLETE, processed=100, failed=3),
        JobRow(ref=PartRef(Path("/d/a.csv"), 2, 2), rows=50, state=JobState.FAILED, error="Batch failed"),
    ]
    text = summary_text(rows, elapsed_s=10.0, running=False)
    assert "2 jobs" in text and "97 records loaded" in text and "3 failed" in text
    assert "10 records/s" in text and "1 job(s) did not complete" in text
    assert "Failed" in run_verdict(rows, cancelled=False)
    assert run_verdict(rows[:1], cancelled=False).startswith("Load finished: 97 records loaded, 3 failed")
    assert summary_text(rows[:1], elapsed_s=10.0, running=False).startswith("1 job · 97 records loaded")


def test_the_window_title_shows_a_running_loads_progress_for_the_taskbar() -> None:
    rows = [
        JobRow(ref=PartRef(Path("/d/a.csv"), 1, 2), rows=100, state=JobState.JOB_COMPLETE, processed=100),
        JobRow(ref=PartRef(Path("/d/a.csv"), 2, 2), rows=300, state=JobState.IN_PROGRESS, processed=50),
    ]
    assert window_title(rows, running=True) == "Loading 37% · 1 of 2 jobs done — sfloader"
    assert window_title(rows, running=False) == APP_TITLE
    assert window_title([], running=True) == APP_TITLE


def test_options_are_saved_and_used_for_the_next_start(qtbot: QtBot, tmp_path: Path) -> None:
    window = open_window(qtbot, None)
    window.options.gzip.setChecked(False)
    window.options.jobs.setValue(4)
    window.options.set_output_dir(tmp_path / "out")
    saved = load_settings()
    assert (saved.use_gzip, saved.max_concurrent_jobs, saved.output_dir) == (False, 4, str(tmp_path / "out"))
    again = open_window(qtbot, None, saved)
    assert not again.options.gzip.isChecked() and again.options.jobs.value() == 4


def test_first_load_into_production_needs_the_typed_confirmation(
    qtbot: QtBot, emulator: Any, samples_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.ui.helpers import connect, pick, wait_checked

    window = open_window(qtbot, None)
    window.set_connection(connect(emulator), "Acme", "production")
    pick(qtbot, window, "Account", "External_Id__c")
    window.files_panel.add_paths([samples_dir / "accounts.csv"])
    wait_checked(qtbot, window)
    asked: list[str] = []

    def refuse(
        parent: Any, org_key: str, org_name: str, environment: str, records: int | None = None
    ) -> bool:
        asked.append(f"{org_name}/{environment}/{records}")
        return False

    monkeypatch.setattr(window.orgs.guard, "confirm_load", refuse)
    window.load_button.click()
    assert asked == ["Acme/production/25"]
    assert not window.controller.running, "nothing is sent without the confirmation"
    assert "not confirmed" in window.statusBar().currentMessage()
