"""From the app's main window: load a bad file, open the workbench, fix the rows, retry to zero failures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from sfloader_gui.core.load.results import load_manifest
from sfloader_gui.core.settings import AppSettings
from sfloader_gui.ui.failures import WorkbenchWindow
from tests.core.review.emulator_runs import connect, query
from tests.ui.failures.conftest import settle
from tests.ui.helpers import WAIT_MS, open_window, pick, wait_checked

CONTACT_FIXES = {
    "CON-0101": ("Account.External_Id__c", "ACC-0001"),
    "CON-0103": ("LastName", "Berners-Lee"),
    "CON-0104": ("Email", "margaret.turing104@example.com"),
    "CON-0106": ("Birthdate", "1980-12-31"),
}


def _load(qtbot: QtBot, window: Any, files: list[Path]) -> None:
    window.files_panel.clear()
    window.files_panel.add_paths(files)
    wait_checked(qtbot, window)
    with qtbot.waitSignal(window.load_finished, timeout=60_000):
        window.load_button.click()


def test_review_failed_records_then_retry_all(qtbot: QtBot, emulator: Any, samples_dir: Path) -> None:
    window = open_window(qtbot, emulator, AppSettings(poll_interval_s=0.2))
    pick(qtbot, window, "Account", "External_Id__c")
    _load(qtbot, window, [samples_dir / "accounts.csv"])
    window.object_picker.select("Contact")
    qtbot.waitUntil(lambda: window.extid_picker.value == "External_Id__c", timeout=WAIT_MS)
    _load(qtbot, window, [samples_dir / "bad_contacts.csv"])
    run_dir = window.jobs_panel.run_folder
    # 31/12/1980 (CON-0106) proves the Birthdate column day-first: the app converts it (issue 11)
    assert run_dir is not None and load_manifest(run_dir)["totals"]["failed"] == 3

    window.jobs_panel.review_button.click()  # "Review failed records…"
    bench = next(w for w in window.findChildren(WorkbenchWindow))
    bench.quiet = True
    qtbot.waitExposed(bench)
    settle(bench)
    model = bench.model
    assert model is not None and model.rowCount() == 3
    here = bench.table.currentIndex()  # it opens on the first row's cell to fix, ready to type into
    assert here.row() == 0 and here.data(Qt.ItemDataRole.BackgroundRole) is not None
    assert bench.focusWidget() is bench.table and "→ " in bench.detail.text()
    names = [model.column_name(c) for c in range(model.columnCount())]
    for row in range(model.rowCount()):
        key = model.index(row, names.index("External_Id__c")).data()
        column, value = CONTACT_FIXES[key]
        assert model.setData(model.index(row, names.index(column)), value)

    bench.retry_all_action.trigger()
    qtbot.waitUntil(lambda: "3 succeeded on retry" in bench.filters.count.text(), timeout=60_000)
    settle(bench)
    retry = next(p for p in run_dir.parent.iterdir() if p.name > run_dir.name)
    manifest = load_manifest(retry)
    assert manifest["retry_of"] == run_dir.name
    assert manifest["totals"]["failed"] == 0 and manifest["totals"]["success"] == 3
    with connect(emulator) as conn:
        found = query(
            conn,
            "SELECT External_Id__c, LastName, Birthdate FROM Contact WHERE External_Id__c IN "
            "('CON-0101', 'CON-0103', 'CON-0104', 'CON-0106')",
        )
    assert {r["External_Id__c"] for r in found} == set(CONTACT_FIXES)
    assert {r["External_Id__c"]: r["LastName"] for r in found}["CON-0103"] == "Berners-Lee"
    bench.close()
