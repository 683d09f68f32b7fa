"""The sheet of a workbook (issue 11), chosen on the file's row: read again, re-mapped, loaded, retried."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from sfloader_gui.core.review.relaunch import launch_retry
from sfloader_gui.core.review.retry import write_retry_files
from sfloader_gui.core.review.session import ReviewSession
from sfloader_gui.core.settings import AppSettings
from sfloader_gui.ui.files.file_intake import sort_paths
from sfloader_gui.ui.files.files_model import Col
from sfloader_gui.ui.load.engine_bridge import inspect_file
from tests.ods import write_ods
from tests.ui.helpers import WAIT_MS, connect, open_window, pick, wait_checked


def _book(path: Path) -> Path:
    openpyxl = pytest.importorskip("openpyxl")  # a dev dependency (no type stubs)
    wb = openpyxl.Workbook()
    first = wb.active
    first.title = "Summary"  # another header: the first sheet is not what the user wants to load
    first.append(["Region", "Total"])
    first.append(["North", 12])
    second = wb.create_sheet("Accounts")
    second.append(["External Id", "Account Name", "Customer Since", "Employees"])
    second.append(["WS1", "Sheet Co", date(2026, 12, 31), 42.0])
    second.append(["WS2", None, date(2026, 1, 2), 7])  # no Name: Salesforce refuses this row
    second.append(["WS3", "Third Ltd", date(2026, 3, 4), 3])
    wb.save(path)
    return path


def _query(emulator: Any, soql: str) -> list[dict[str, Any]]:
    with connect(emulator) as conn:
        return list(conn.get_json("query", params={"q": soql})["records"])


def test_pick_the_second_sheet_load_it_and_retry_from_it(qtbot: QtBot, emulator: Any, tmp_path: Path) -> None:
    book = _book(tmp_path / "book.xlsx")
    window = open_window(qtbot, emulator, AppSettings(poll_interval_s=0.2))
    pick(qtbot, window, "Account", "External_Id__c")
    panel = window.files_panel
    panel.add_paths([book])
    qtbot.waitUntil(lambda: panel.sheet_pickers.picker(book) is not None, timeout=WAIT_MS)
    wait_checked(qtbot, window)
    entry = panel.model.entry(book)
    assert entry is not None and entry.sheets == ["Summary", "Accounts"]
    assert entry.header == ["Region", "Total"]
    assert not window.load_button.isEnabled()  # the first sheet's columns are no Account fields
    combo = panel.sheet_pickers.picker(book)
    assert isinstance(combo, QComboBox) and combo.currentText() == "Sheet: Summary"
    assert panel.view.indexWidget(panel.model.index(0, Col.FORMAT)) is combo  # on the file's row

    combo.setCurrentIndex(1)
    combo.activated.emit(1)  # what choosing an entry in the list does
    qtbot.waitUntil(lambda: entry.rows == 3 and entry.checked, timeout=WAIT_MS)
    wait_checked(qtbot, window)
    assert entry.header == ["External Id", "Account Name", "Customer Since", "Employees"]
    assert entry.preview[0][:3] == ["WS1", "Sheet Co", "2026-12-31"]
    assert "sheet Accounts" in panel.model.data(panel.model.index(0, Col.FORMAT))
    mapped = {c.column: c.target for c in entry.columns.mapping.columns} if entry.columns else {}
    assert mapped["Account Name"] == "Name" and mapped["Customer Since"] == "Customer_Since__c"
    assert window.load_button.isEnabled(), window.blocking_reason()
    assert panel.sheet_pickers.picker(book) is combo and combo.currentData() == "Accounts"

    with qtbot.waitSignal(window.load_finished, timeout=60_000) as done:
        window.load_button.click()
    result = done.args[0]
    totals = result.manifest["totals"]
    assert (totals["records"], totals["success"], totals["failed"]) == (3, 2, 1)
    (entry_json,) = result.manifest["files"]
    assert entry_json["sheet"] == "Accounts" and entry_json["encoding"] == "workbook"
    soql = (
        "SELECT External_Id__c, Name, Customer_Since__c, NumberOfEmployees FROM Account "
        "WHERE External_Id__c LIKE 'WS%'"
    )
    got = {r["External_Id__c"]: r for r in _query(emulator, soql)}
    assert set(got) == {"WS1", "WS3"}
    assert (got["WS1"]["Name"], got["WS1"]["Customer_Since__c"], got["WS1"]["NumberOfEmployees"]) == (
        "Sheet Co", "2026-12-31", 42,
    )  # fmt: skip

    # The workbench reads the failed row back from the sheet the run loaded, and its retry sends it.
    session = ReviewSession(result.run_folder)
    try:
        session.build_joins()
        info, values = session.bundle(0)
        assert info.from_source and info.source_row == 2 and values[:3] == ["WS2", "", "2026-01-02"]
        session.set_value(0, "Account Name", "Named on retry")
        with connect(emulator) as conn:
            retry = launch_retry(conn, session, write_retry_files(session, [0]))
        assert retry.manifest["totals"]["failed"] == 0, retry.manifest
    finally:
        session.close()
    (named,) = _query(emulator, "SELECT Name, Customer_Since__c FROM Account WHERE External_Id__c = 'WS2'")
    assert (named["Name"], named["Customer_Since__c"]) == ("Named on retry", "2026-01-02")


def test_ods_and_xls_workbooks_are_kept_and_read_sheet_by_sheet(tmp_path: Path) -> None:
    ods = write_ods(tmp_path / "book.ods", {"Notes": [["Not loaded"]], "Data": [["Key"], ["K1"], ["K2"]]})
    xls = tmp_path / "accounts.xls"
    shutil.copyfile(Path(__file__).parents[1] / "cli" / "data" / "accounts.xls", xls)
    intake = sort_paths([ods, xls])
    assert intake.kept == [ods, xls] and intake.ignored == []
    first = inspect_file(ods)
    assert (first.sheets, first.sheet, first.header, first.rows) == (
        ["Notes", "Data"], "Notes", ["Not loaded"], 0,
    )  # fmt: skip
    data = inspect_file(ods, "Data")
    assert (data.delimiter, data.encoding, data.rows, data.preview) == (
        "OpenDocument spreadsheet", "sheet Data", 2, [["K1"], ["K2"]],
    )  # fmt: skip
    accounts = inspect_file(xls, "Accounts")
    assert (accounts.delimiter, accounts.rows, accounts.preview[0][:4]) == (
        "Excel workbook", 2, ["XLS1", "Old Format Co", "2026-12-31", "42"],
    )  # fmt: skip
    assert inspect_file(xls, "Gone").read_error == (
        "accounts.xls has no sheet 'Gone'; its sheets are 'Notes', 'Accounts'."
    )


def test_the_chosen_sheet_is_remembered_for_that_workbook(
    qtbot: QtBot, emulator: Any, tmp_path: Path
) -> None:
    book = _book(tmp_path / "book.xlsx")
    window = open_window(qtbot, emulator, AppSettings(poll_interval_s=0.2))
    pick(qtbot, window, "Account", "External_Id__c")
    window.files_panel.add_paths([book])
    qtbot.waitUntil(lambda: window.files_panel.sheet_pickers.picker(book) is not None, timeout=WAIT_MS)
    combo = window.files_panel.sheet_pickers.picker(book)
    assert isinstance(combo, QComboBox)
    combo.setCurrentIndex(1)
    combo.activated.emit(1)
    entry = window.files_panel.model.entry(book)
    assert entry is not None
    qtbot.waitUntil(lambda: entry.rows == 3 and entry.checked, timeout=WAIT_MS)
    window.close()
    # The app starts again (same settings folder): the workbook opens on the sheet chosen before.
    again = open_window(qtbot, emulator, AppSettings(poll_interval_s=0.2))
    pick(qtbot, again, "Account", "External_Id__c")
    again.files_panel.add_paths([book])
    wait_checked(qtbot, again)
    reopened = again.files_panel.model.entry(book)
    assert reopened is not None and reopened.sheet_choice == "Accounts"
    assert reopened.header[:2] == ["External Id", "Account Name"] and reopened.rows == 3
    assert again.load_button.isEnabled(), again.blocking_reason()
    # An edited workbook is a new file: its first sheet again.
    _book(book)
    stat = book.stat()
    os.utime(book, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))  # saved later, whatever the clock
    again.files_panel.clear()
    again.files_panel.add_paths([book])
    wait_checked(qtbot, again)
    fresh = again.files_panel.model.entry(book)
    assert fresh is not None and fresh.sheet_choice is None and fresh.header == ["Region", "Total"]


def test_file_choices_keep_the_encoding_and_the_sheet_apart(tmp_path: Path) -> None:
    from sfloader_gui.core.mapping.file_memory import FileChoices

    book = _book(tmp_path / "book.xlsx")
    choices = FileChoices(tmp_path / "choices.json")
    choices.remember_sheet(book, "Accounts")
    choices.remember_encoding(book, "cp1252")
    again = FileChoices(tmp_path / "choices.json")
    assert (again.sheet(book), again.encoding(book)) == ("Accounts", "cp1252")
    again.remember_encoding(book, None)
    assert (again.sheet(book), again.encoding(book)) == ("Accounts", None)
    again.remember_sheet(book, None)
    assert again.sheet(book) is None and "book.xlsx" not in (tmp_path / "choices.json").read_text()
