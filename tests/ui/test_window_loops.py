"""Loops a user goes round: the two sample buttons, run folders dropped or added for review (demo org)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from sfloader_gui.core.settings import AppSettings
from sfloader_gui.ui.failures import WorkbenchWindow, actions
from sfloader_gui.ui.files.files_model import Col, FileEntry
from sfloader_gui.ui.main_window import MainWindow
from sfloader_gui.ui.runs import RecentRunsDialog
from tests.core.review.emulator_runs import connect, load
from tests.ui.dnd import drop_paths
from tests.ui.failures.conftest import settle
from tests.ui.helpers import WAIT_MS, open_window, pick, wait_checked
from tests.ui.shown import tooltip_shown


def test_the_sample_buttons_add_clean_files_or_files_with_errors(qtbot: QtBot, emulator: Any) -> None:
    window = open_window(qtbot, emulator)
    window.enable_samples()
    pick(qtbot, window, "Account", "External_Id__c")
    panel = window.files_panel
    assert panel.samples_button.isVisible() and panel.bad_samples_button.isVisible()
    panel.samples_button.click()
    wait_checked(qtbot, window)
    assert [e.path.name for e in window.files_model.entries()] == ["accounts.csv"]
    assert window.load_button.isEnabled(), "the README's 'add the samples, then Load' works"
    panel.bad_samples_button.click()
    wait_checked(qtbot, window)
    assert [e.path.name for e in window.files_model.entries()] == ["accounts.csv", "bad_accounts.csv"]
    assert not window.load_button.isEnabled() and "bad_accounts.csv" in window.load_reason.text()


def test_a_run_folder_or_its_manifest_opens_for_review_not_for_loading(
    qtbot: QtBot, emulator: Any, tmp_path: Path
) -> None:
    with connect(emulator) as conn:
        load(conn, ["accounts.csv"], "Account", tmp_path / "a")
        run = load(conn, ["bad_contacts.csv"], "Contact", tmp_path / "c").run_dir
    window = open_window(qtbot, emulator)
    assert drop_paths(window.files_panel.drop_zone, [run]) == (True, True)
    benches = window.findChildren(WorkbenchWindow)
    assert len(benches) == 1 and benches[0].session is not None
    assert benches[0].session.run_dir == run.resolve() and benches[0].model is not None
    assert benches[0].model.rowCount() == 4
    window.files_panel.add_paths([run / "manifest.json"])
    assert len(window.findChildren(WorkbenchWindow)) == 2
    assert window.files_model.rowCount() == 0, "success.csv, failed.csv are results, not files to load"
    assert not window.files_panel.ignored.isVisible()
    for bench in window.findChildren(WorkbenchWindow):
        bench.close()


def _load(qtbot: QtBot, window: MainWindow, files: list[Path]) -> None:
    window.files_panel.clear()
    window.files_panel.add_paths(files)
    wait_checked(qtbot, window)
    with qtbot.waitSignal(window.load_finished, timeout=60_000):
        window.load_button.click()


def test_loaded_files_are_marked_and_load_asks_before_sending_them_again(
    qtbot: QtBot, emulator: Any, samples_dir: Path
) -> None:
    window = open_window(qtbot, emulator, AppSettings(poll_interval_s=0.2))
    pick(qtbot, window, "Account", "External_Id__c")
    _load(qtbot, window, [samples_dir / "accounts.csv"])
    run = window.jobs_panel.run_folder
    assert run is not None
    status = window.files_model.index(0, Col.CHECK).data()
    assert status == f"Loaded: 25 succeeded — run {run.name}"
    assert str(run) in tooltip_shown(window.files_model.index(0, Col.CHECK).data(Qt.ItemDataRole.ToolTipRole))
    assert window.load_reason.text().startswith("Loaded: 1 file(s) went to Salesforce")
    asked: list[list[str]] = []

    def refuse(entries: list[FileEntry]) -> bool:
        asked.append([e.path.name for e in entries])
        return False

    window.confirm_resend = refuse  # type: ignore[method-assign]
    window.load_button.click()
    assert asked == [["accounts.csv"]] and not window.controller.running
    assert "Load not started" in window.statusBar().currentMessage()
    window.confirm_resend = lambda entries: True  # type: ignore[method-assign]
    with qtbot.waitSignal(window.load_finished, timeout=60_000):
        window.load_button.click()
    assert window.jobs_panel.run_folder != run, "a second run, as the user asked"


def test_main_window_totals_follow_workbench_retries(
    qtbot: QtBot, emulator: Any, samples_dir: Path, tmp_path: Path
) -> None:
    window = open_window(qtbot, emulator, AppSettings(poll_interval_s=0.2))
    pick(qtbot, window, "Account", "External_Id__c")
    _load(qtbot, window, [samples_dir / "accounts.csv"])
    window.object_picker.select("Contact")
    qtbot.waitUntil(lambda: window.extid_picker.value == "External_Id__c", timeout=WAIT_MS)
    _load(qtbot, window, [samples_dir / "bad_contacts.csv"])
    run = window.jobs_panel.run_folder
    assert run is not None
    assert window.files_model.index(0, Col.CHECK).data() == f"Loaded: 5 succeeded, 3 failed — run {run.name}"
    # The run link: double-clicking the loaded file opens its failed records.
    window.files_panel.view.doubleClicked.emit(window.files_model.index(0, Col.CHECK))
    bench = next(w for w in window.findChildren(WorkbenchWindow))
    bench.quiet = True
    settle(bench)
    model = bench.model
    assert model is not None and model.rowCount() == 3  # the app converts the day-first Birthdate
    names = [model.column_name(c) for c in range(model.columnCount())]
    row = next(r for r in range(3) if model.index(r, names.index("External_Id__c")).data() == "CON-0103")
    assert model.setData(model.index(row, names.index("LastName")), "Berners-Lee")
    bench.table.selectRow(row)
    bench.retry_selected_action.trigger()
    qtbot.waitUntil(lambda: "after retries" in window.jobs_panel.summary.text(), timeout=60_000)
    assert "1 of its 3 failed rows now loaded, 2 still to fix" in window.jobs_panel.summary.text()
    assert window.files_model.index(0, Col.CHECK).data() == (
        f"Loaded: 6 succeeded (1 on retry), 2 failed — run {run.name}"
    )
    # Recent runs says the same of that run as the main window; the retry is its own line.
    runs = window.open_recent_runs()
    assert isinstance(runs, RecentRunsDialog)
    if runs.folding:  # the retry's rows are counted in the background
        with qtbot.waitSignal(runs.folded, timeout=WAIT_MS):
            pass
    cells = {runs.runs[r].folder: [runs.model.index(r, c).data() for c in range(4, 9)]
             for r in range(runs.model.rowCount())}  # fmt: skip
    assert cells[run] == ["8", "6 (1 on retry)", "2", "0", "Finished, with failed rows"]
    retry_row = next(v for k, v in cells.items() if k != run and k.parent == run.parent and "retry" in v[4])
    assert retry_row == ["1", "1", "0", "0", "Complete (a retry)"]
    runs.view.selectRow(next(r for r in range(len(runs.runs)) if runs.runs[r].folder == run))
    assert "Later retries loaded 1 of its 3 failed rows; 2 still to fix." in runs.detail.text()
    runs.close()
    settle(bench)
    # The Excel-safe export leaves out the row the retry loaded (the default) and says what became of each.
    [left] = actions.export_rows(bench, False, actions.EXCEL, tmp_path / "left.csv")
    with left.open(newline="", encoding="utf-8-sig") as f:
        exported = list(csv.DictReader(f))
    assert sorted(r["External_Id__c"] for r in exported) == ["CON-0101", "CON-0104"]
    assert {r["Outcome"] for r in exported} == {"Failed"} and all(r["What it means"] for r in exported)
    assert "Exported 2 rows" in bench.statusBar().currentMessage()
    bench.close()
