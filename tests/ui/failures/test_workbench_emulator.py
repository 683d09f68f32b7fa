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


def test_a_mapped_files_failed_rows_in_its_own_columns_edited_and_retried(
    qtbot: QtBot, emulator: Any, tmp_path: Path
) -> None:
    """Issue 11: label headers, US dates and amounts, Yes/No and an ignored column, as the workbench
    shows them; an edit in the file's format is converted again by the retry."""
    from PySide6.QtCore import Qt

    from sfloader_gui.ui.failures.table_model import INFO_HEADERS
    from tests.core.review.emulator_runs import load_mapped
    from tests.core.review.test_emulator_review import BUSINESS

    source = tmp_path / "accounts_us.csv"
    source.write_bytes(BUSINESS.encode("cp1252"))
    with connect(emulator) as conn, app_retries(conn, tmp_path) as retries:
        run = load_mapped(conn, source, "Account", tmp_path, ignore=("Internal Notes",))
        win = open_workbench(run.run_dir, retry_launcher=retries)
        win.quiet = True
        qtbot.addWidget(win)
        win.show()
        settle(win)
        model = win.model
        assert model is not None
        headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
        assert headers[len(INFO_HEADERS) :] == [
            "Account Name", "External Id", "Customer Since", "Annual Revenue", "Active Customer",
            "Internal Notes",
        ]  # fmt: skip
        notes = model.headerData(headers.index("Internal Notes"), Qt.Orientation.Horizontal,
                                 Qt.ItemDataRole.ToolTipRole)  # fmt: skip
        assert "not sent" in notes
        assert sorted(_values(win, "External Id")) == ["W2", "W3"]
        w2 = _values(win, "External Id").index("W2")
        shown = {name: _values(win, name)[w2] for name in headers[len(INFO_HEADERS) :]}
        assert shown == {
            "Account Name": "", "External Id": "W2", "Customer Since": "1/15/2026 → 2026-01-15",
            "Annual Revenue": "10,000 → 10000", "Active Customer": "no → false",
            "Internal Notes": "call back",
        }  # fmt: skip
        assert _values(win, "Row")[w2] == "2"
        since = model.index(w2, headers.index("Customer Since"))
        assert since.data(Qt.ItemDataRole.EditRole) == "1/15/2026"  # the editor gets the file's value
        tip = since.data(Qt.ItemDataRole.ToolTipRole)
        assert "The file has 1/15/2026; it was sent to Salesforce as 2026-01-15" in tip
        # Salesforce names the field (Name): the cell highlighted is the file's column sent as it.
        assert model.named_columns(model.row_data(w2)[0].error) == {headers.index("Account Name")}

        assert model.setData(model.index(w2, headers.index("Account Name")), "Fixed Co")
        assert model.setData(since, "3/4/2026")  # either order on its own: read as month first, as before
        assert _values(win, "Customer Since")[w2] == "3/4/2026"
        win.table.selectRow(w2)
        assert win.retry(selected_only=True)
        qtbot.waitUntil(lambda: "1 succeeded on retry" in win.filters.count.text(), timeout=30_000)
        got = query(conn, "SELECT Name, Customer_Since__c, AnnualRevenue, Active__c FROM Account "
                          "WHERE External_Id__c = 'W2'")  # fmt: skip
        assert [(g["Name"], g["Customer_Since__c"], g["AnnualRevenue"], g["Active__c"]) for g in got] == [
            ("Fixed Co", "2026-03-04", 10000, False)
        ]
        assert not query(conn, "SELECT Id FROM Account WHERE External_Id__c = 'W3'")  # not retried
        settle(win)
    win.close()
