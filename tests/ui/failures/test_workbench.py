"""The workbench as a user drives it: groups, filters, sorting, edits, exports, reports, bad input."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Qt, Signal
from pytestqt.qtbot import QtBot

from sfloader_gui.core.load.run import LoadRun
from sfloader_gui.core.review.retry import RetryError
from sfloader_gui.ui.failures import WorkbenchWindow, actions, open_workbench
from sfloader_gui.ui.failures.table_model import CODE, ROW, SOURCE
from tests.ui.dnd import drop_paths
from tests.ui.failures.conftest import settle
from tests.ui.shown import tooltip_shown


def _column(win: WorkbenchWindow, name: str) -> list[str]:
    model = win.model
    assert model is not None
    col = next(c for c in range(model.columnCount()) if model.column_name(c) == name)
    return [model.index(r, col).data() for r in range(model.rowCount())]


def test_opens_a_run_with_groups_biggest_first(workbench: WorkbenchWindow) -> None:
    assert workbench.model is not None and workbench.model.rowCount() == 9
    assert not workbench.banner.isVisible()
    groups = workbench.groups
    texts = [[groups.model().index(r, c).data() for c in range(2)] for r in range(groups.rowCount())]
    assert [t[0] for t in texts] == ["4", "2", "1", "1", "1"]
    assert texts[0][1] == "REQUIRED_FIELD_MISSING\nRequired fields are missing: [LastName]"
    assert texts[1][1].startswith("NOT_PROCESSED\nNot processed (the job ended Failed")
    assert workbench.filters.count.text() == "9 of 9 rows"
    # joined back to the source: file name and record number
    rows = dict(zip(_column(workbench, "External_Id__c"), _column(workbench, "Row"), strict=True))
    assert rows["CON-0106"] == "6" and rows["M-4"] == "4" and rows["Q-2"] == "2"


def test_selecting_a_group_selects_exactly_its_rows(workbench: WorkbenchWindow) -> None:
    workbench.groups.selectRow(0)  # REQUIRED_FIELD_MISSING, 4 rows in two files
    assert workbench.filters.count.text() == "4 of 9 rows"
    picked = workbench.selected_rows()
    session = workbench.session
    assert session is not None
    assert sorted(session.info(r).external_id for r in picked) == ["CON-0103", "M-2", "M-3", "M-4"]
    workbench.groups.clearSelection()
    assert workbench.filters.count.text() == "9 of 9 rows"


def test_filters_by_file_code_and_search(workbench: WorkbenchWindow) -> None:
    workbench.filters.file.setCurrentText("more_contacts.csv")
    assert _column(workbench, "External_Id__c") == ["M-2", "M-3", "M-4"]
    workbench.filters.file.setCurrentText("(all)")
    workbench.filters.code.setCurrentText("NOT_PROCESSED")
    assert _column(workbench, "Outcome") == ["Not processed", "Not processed"]
    assert "NOT_PROCESSED" in workbench.detail.text()  # the detail line is about a row still shown
    workbench.filters.code.setCurrentText("(all)")
    workbench.filters.search.setText("=1+1")
    workbench.filters.flush()
    assert _column(workbench, "External_Id__c") == ["M-3"]
    workbench.filters.search.setText("no such text anywhere")
    workbench.filters.flush()
    assert _column(workbench, "External_Id__c") == [] and workbench.detail.text() == ""


def test_sorting_any_column(workbench: WorkbenchWindow) -> None:
    workbench._sort(CODE)
    codes = _column(workbench, "Error code")
    assert codes == sorted(codes)
    workbench._sort(CODE)
    assert _column(workbench, "Error code") == sorted(codes, reverse=True)
    workbench._sort(ROW)
    assert [int(v) for v in _column(workbench, "Row")] == sorted(int(v) for v in _column(workbench, "Row"))
    workbench._sort(SOURCE)
    assert _column(workbench, "Source file") == sorted(_column(workbench, "Source file"))


def test_editing_a_cell_keeps_a_working_copy_and_never_the_raw_file(
    workbench: WorkbenchWindow, run_dir: Path
) -> None:
    raw = {p: hashlib.sha256(p.read_bytes()).digest() for p in run_dir.glob("jobs/*/*.csv")}
    model = workbench.model
    assert model is not None
    names = _column(workbench, "External_Id__c")
    col = next(c for c in range(model.columnCount()) if model.column_name(c) == "LastName")
    index = model.index(names.index("CON-0103"), col)
    assert model.flags(index) & Qt.ItemFlag.ItemIsEditable
    assert model.setData(index, "Berners-Lee")
    assert index.data() == "Berners-Lee"
    assert index.data(Qt.ItemDataRole.BackgroundRole) is not None  # edited cells are tinted
    assert "Salesforce returned: ''" in tooltip_shown(index.data(Qt.ItemDataRole.ToolTipRole))
    edits = json.loads((run_dir / "review" / "edits.json").read_text(encoding="utf-8"))
    [(key, rows)] = edits["edits"].items()
    assert key.startswith("jobs/02_bad_contacts_p1_") and key.endswith("/failed.csv")
    assert list(rows.values()) == [{"LastName": "Berners-Lee"}]
    assert {p: hashlib.sha256(p.read_bytes()).digest() for p in run_dir.glob("jobs/*/*.csv")} == raw


def test_exports_and_reports(workbench: WorkbenchWindow, tmp_path: Path, run_dir: Path) -> None:
    workbench.table.selectRow(0)
    excel = actions.export_rows(workbench, True, actions.EXCEL, tmp_path / "sel.csv")
    rows = list(csv.reader(io.StringIO(excel[0].read_text(encoding="utf-8-sig"), newline="")))
    assert len(rows) == 2 and rows[1][:2] == ["Not processed", "queued_contacts.csv"]
    assert rows[1][4] == "NOT_PROCESSED"
    raw = actions.export_rows(workbench, False, actions.RAW, tmp_path / "all.csv")
    assert [p.name for p in raw] == ["all.csv", "all_2.csv"]  # failed rows, then unprocessed (other header)
    html = actions.save_report(workbench, "html", tmp_path / "r.html")
    assert html is not None and "Top errors" in html.read_text(encoding="utf-8")
    pdf = actions.save_report(workbench, "pdf", tmp_path / "r.pdf")
    assert pdf is not None and pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000


def test_retry_without_an_org_says_why(workbench: WorkbenchWindow) -> None:
    workbench.table.selectRow(0)
    assert not workbench.retry(selected_only=True)
    assert "Cannot retry from here" in workbench.last_message


def test_missing_results_file_is_named_and_the_rest_stays(qtbot: QtBot, run_dir: Path) -> None:
    failed = next(run_dir.glob("jobs/02_*/failed.csv"))
    job_id = failed.parent.name.rsplit("_", 1)[1]
    failed.unlink()
    win = open_workbench(run_dir)
    qtbot.addWidget(win)
    settle(win)
    assert f"failed.csv of job {job_id} is missing" in win.banner.text()
    assert win.model is not None and win.model.rowCount() == 5  # more_contacts' 3 and the 2 unprocessed


def test_changed_source_is_flagged_and_not_joined(qtbot: QtBot, run_dir: Path) -> None:
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    source = Path(manifest["files"][2]["path"])
    source.write_text(source.read_text(encoding="utf-8").replace("M-6,", "M-X,"), encoding="utf-8")
    win = open_workbench(run_dir)
    qtbot.addWidget(win)
    settle(win)
    assert "more_contacts.csv has changed since the run" in win.banner.text()
    rows = dict(zip(_column(win, "External_Id__c"), _column(win, "Row"), strict=True))
    assert rows["M-4"] == "—" and rows["CON-0103"] == "3"


def test_not_a_results_file_gets_a_clear_message(qtbot: QtBot, tmp_path: Path) -> None:
    other = tmp_path / "contacts.csv"
    other.write_text("FirstName,LastName\nAda,Lovelace\n", encoding="utf-8")
    win = open_workbench(other)
    qtbot.addWidget(win)
    assert "is not a Salesforce failed-results file" in win.banner.text()
    assert win.model is None and not win.table.isEnabled()


def test_drop_a_run_folder_to_open_it(qtbot: QtBot, run_dir: Path) -> None:
    win = open_workbench(None)
    win.quiet = True
    qtbot.addWidget(win)
    win.show()
    assert drop_paths(win, [run_dir]) == (True, True)
    settle(win)
    assert win.model is not None and win.model.rowCount() == 9
    assert win.windowTitle().endswith(run_dir.name)


class _SlowRetries(QObject):
    """Retry files that take a while to prepare (the part of a retry that runs on the workbench's thread)."""

    finished = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.release, self.started = threading.Event(), threading.Event()

    def prepare(self, session: object, batches: list[object]) -> LoadRun:
        self.started.set()
        self.release.wait(30)
        raise RetryError("stopped by the test")

    def start(self, run: LoadRun) -> None:
        raise AssertionError("never prepared")


def test_closing_while_the_retry_is_prepared_waits_for_that(qtbot: QtBot, run_dir: Path) -> None:
    slow = _SlowRetries()
    win = open_workbench(run_dir, retry_launcher=slow)  # type: ignore[arg-type]
    win.quiet = True
    qtbot.addWidget(win)
    win.show()
    settle(win)
    win.table.selectRow(0)
    assert win.retry(selected_only=True)
    assert slow.started.wait(10)
    assert not win.retry(selected_only=True)
    assert "A retry is running" in win.last_message
    win.close()
    assert win.isVisible()  # still open: the retry files are written on this window's thread
    assert "closes when the retry has started" in win.statusBar().currentMessage()
    slow.release.set()
    qtbot.waitUntil(lambda: not win.isVisible(), timeout=10_000)


def test_an_edit_that_cannot_be_saved_is_kept_and_reported(
    qtbot: QtBot, run_dir: Path, tmp_path: Path
) -> None:
    alone = tmp_path / "alone" / "failed.csv"
    alone.parent.mkdir()
    alone.write_bytes(next(run_dir.glob("jobs/02_*/failed.csv")).read_bytes())
    alone.with_name("failed.csv.review").write_text("in the way", encoding="utf-8")  # no folder can go here
    win = open_workbench(alone)
    win.quiet = True
    qtbot.addWidget(win)
    settle(win)
    model = win.model
    assert model is not None
    col = next(c for c in range(model.columnCount()) if model.column_name(c) == "LastName")
    assert model.setData(model.index(0, col), "Kept in memory")
    assert model.index(0, col).data() == "Kept in memory"
    assert win.last_message.startswith("Edit not saved: Your edit is kept for now but could not be saved")


def test_a_large_excel_safe_export_runs_in_the_background(
    workbench: WorkbenchWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(actions, "BACKGROUND_ROWS", 3)
    dest = tmp_path / "big.csv"
    assert actions.export_rows(workbench, False, actions.EXCEL, dest) == []  # started, not finished here
    settle(workbench)
    assert dest.is_file() and len(dest.read_text(encoding="utf-8-sig").splitlines()) >= 10
    assert workbench.statusBar().currentMessage() == "Exported 9 rows to big.csv"
