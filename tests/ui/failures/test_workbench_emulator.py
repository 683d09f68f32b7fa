"""The workbench over real runs of the emulator's bad samples: fix cells, retry, see the rows succeed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from sfloader_gui.ui.failures import WorkbenchWindow, actions, open_workbench
from tests.core.review.emulator_runs import connect, load, query
from tests.core.review.test_emulator_review import SHIPMENT_FIXES
from tests.ui.failures.conftest import app_retries, settle


def _values(win: WorkbenchWindow, name: str) -> list[str]:
    model = win.model
    assert model is not None
    col = next(c for c in range(model.columnCount()) if model.column_name(c) == name)
    return [model.index(r, col).data() for r in range(model.rowCount())]


def _edit(win: WorkbenchWindow, key: str, column: str, value: str) -> None:
    model = win.model
    assert model is not None
    row = _values(win, "Shipment_Number__c").index(key)
    col = next(c for c in range(model.columnCount()) if model.column_name(c) == column)
    assert model.setData(model.index(row, col), value)


def test_fix_retry_selected_then_all_until_nothing_fails(qtbot: QtBot, emulator: Any, tmp_path: Path) -> None:
    with connect(emulator) as conn, app_retries(conn, tmp_path) as retries:
        load(conn, ["accounts.csv"], "Account", tmp_path)
        run = load(conn, ["bad_shipments.csv"], "Shipment__c", tmp_path)
        win = open_workbench(run.run_dir, retry_launcher=retries)
        win.quiet = True
        qtbot.addWidget(win)
        win.show()
        settle(win)
        assert win.groups.rowCount() == 5  # five different causes, one row each
        assert win.filters.count.text() == "5 of 5 rows"
        for key, fixes in SHIPMENT_FIXES.items():
            for column, value in fixes.items():
                _edit(win, key, column, value)

        # Pick the restricted-picklist cause in the group panel and retry just its row.
        causes = [win.groups.model().index(r, 1).data() for r in range(win.groups.rowCount())]
        win.groups.selectRow(next(i for i, c in enumerate(causes) if "Status" in c or "picklist" in c))
        assert _values(win, "Shipment_Number__c") == ["SHP-00101"]
        assert win.retry(selected_only=True)
        qtbot.waitUntil(lambda: "1 succeeded on retry" in win.filters.count.text(), timeout=30_000)
        assert _values(win, "Outcome") == ["Succeeded on retry"]

        win.groups.clearSelection()
        assert sorted(win.session.info(r).external_id for r in win.rows_to_retry(False)) == [  # type: ignore[union-attr]
            "SHP-00103",
            "SHP-00104",
            "SHP-00105",
            "SHP-00107",
        ]
        win.retry_all_action.trigger()
        qtbot.waitUntil(lambda: "5 succeeded on retry" in win.filters.count.text(), timeout=30_000)
        assert set(_values(win, "Outcome")) == {"Succeeded on retry"}
        settle(win)
        stored = query(
            conn, "SELECT Shipment_Number__c FROM Shipment__c WHERE Shipment_Number__c LIKE 'SHP-001%'"
        )
        assert len(stored) == 8
        retry_runs = sorted(p for p in run.run_dir.parent.iterdir() if p.name > run.run_dir.name)
        assert len(retry_runs) == 2
        report = actions.save_report(win, "html", tmp_path / "report.html")
        assert report is not None
        assert "5 rows succeeded on retry" in report.read_text(encoding="utf-8")
    win.close()


def test_closing_the_workbench_does_not_wait_for_its_retry_run(
    qtbot: QtBot, emulator: Any, tmp_path: Path
) -> None:
    with connect(emulator) as conn, app_retries(conn, tmp_path) as retries:
        load(conn, ["accounts.csv"], "Account", tmp_path)
        run = load(conn, ["bad_shipments.csv"], "Shipment__c", tmp_path)
        win = open_workbench(run.run_dir, retry_launcher=retries)
        win.quiet = True
        qtbot.addWidget(win)
        win.show()
        settle(win)
        emulator.faults.stall_jobs = -1  # the retry's job stays InProgress until aborted
        assert win.retry(selected_only=False)
        qtbot.waitUntil(lambda: retries.controller.running, timeout=30_000)
        assert "the main window shows its jobs" in win.statusBar().currentMessage()
        win.close()
        assert not win.isVisible(), "the run goes on in the app's load controller"
        with qtbot.waitSignal(retries.controller.run_finished, timeout=30_000) as done:
            retries.controller.cancel(abort_jobs=True)
        manifest = done.args[0].manifest
        assert manifest["retry_of"] == run.run_dir.name
        assert manifest["accounting"]["balanced"] and manifest["totals"]["unprocessed"] == 5
