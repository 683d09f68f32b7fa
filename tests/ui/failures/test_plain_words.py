"""The workbench explains failures: data columns first, the named cell highlighted, plain words beside
Salesforce's text (table, tooltip, the current row's detail line)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from sfloader_gui.ui.failures import WorkbenchWindow
from sfloader_gui.ui.failures.table_model import INFO_HEADERS
from tests.ui.shown import tooltip_shown


def _row_of(win: WorkbenchWindow, key: str) -> int:
    model = win.model
    assert model is not None
    return next(r for r in range(model.rowCount()) if model.row_data(r)[0].external_id == key)


def _col(win: WorkbenchWindow, name: str) -> int:
    model = win.model
    assert model is not None
    return next(c for c in range(model.columnCount()) if model.column_name(c) == name)


def test_data_columns_come_first_then_outcome_and_explanation(workbench: WorkbenchWindow) -> None:
    model = workbench.model
    assert model is not None
    header = workbench.table.horizontalHeader()
    shown = [model.column_name(header.logicalIndex(v)) for v in range(model.columnCount())]
    data = model.session.columns
    assert shown[: len(data)] == data
    assert shown[len(data) : len(data) + 3] == ["Outcome", "What it means", "Error code"]
    assert sorted(shown[len(data) :]) == sorted(INFO_HEADERS)
    assert not workbench.table.tabKeyNavigation() and not workbench.groups.tabKeyNavigation()
    assert workbench.table.accessibleName() == "Failed rows"


def test_the_cell_named_by_the_error_is_highlighted_and_explained(workbench: WorkbenchWindow) -> None:
    model = workbench.model
    assert model is not None
    cases = {  # a row of bad_contacts.csv -> the column its error names, the start of the explanation
        "CON-0103": ("LastName", "A required field is empty: LastName."),
        "CON-0104": ("Email", "Email is not a valid email address."),
        "CON-0101": ("Account.External_Id__c", "The parent Account ACC-9999 does not exist in the org."),
        "CON-0106": ("Birthdate", "Birthdate holds a value of the wrong kind"),
    }
    for key, (column, meaning) in cases.items():
        row = _row_of(workbench, key)
        lit = [
            model.column_name(c)
            for c in range(len(INFO_HEADERS), model.columnCount())
            if model.index(row, c).data(Qt.ItemDataRole.BackgroundRole) is not None
        ]
        assert lit == [column], key
        assert model.index(row, _col(workbench, "What it means")).data().startswith(meaning)
        tip = tooltip_shown(model.index(row, _col(workbench, column)).data(Qt.ItemDataRole.ToolTipRole))
        assert meaning in tip and model.row_data(row)[0].error.code in tip  # both words, side by side
    # The current row's detail line: Salesforce's text, then the plain words and the fix.
    workbench.table.setCurrentIndex(model.index(_row_of(workbench, "CON-0104"), 0))
    text = workbench.detail.text()
    assert (
        "bad_contacts.csv row" in text and "Salesforce: INVALID_EMAIL_ADDRESS: Email: invalid email" in text
    )
    assert "→ Email is not a valid email address. Write it as name@example.com" in text


def test_the_workbench_opens_on_the_first_rows_cell_to_fix(workbench: WorkbenchWindow) -> None:
    model = workbench.model
    assert model is not None
    header = workbench.table.horizontalHeader()
    shown = [header.logicalIndex(v) for v in range(header.count())]
    lit = [c for c in shown if model.index(0, c).data(Qt.ItemDataRole.BackgroundRole) is not None]
    current = workbench.table.currentIndex()
    assert (current.row(), current.column()) == (0, (lit or shown)[0])  # the cell to fix, else the first
    assert not workbench.selected_rows()  # current, not selected: "Retry selected" still asks for a choice
    assert workbench.focusWidget() is workbench.table  # typing fixes that cell, not the File filter
    info, _ = model.row_data(0)
    detail = workbench.detail.text()
    assert detail.startswith(f"{info.source} row ") and info.error.code in detail
    assert info.source_rows and f" row {info.source_rows[0]} " in detail  # once joined: not "row ?"
