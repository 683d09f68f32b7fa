"""The mapping view (issue 11), driven like a user: pick a field, ignore a column, see Load enable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from sfloader_gui.core.settings import AppSettings
from sfloader_gui.ui.main_window import MainWindow
from tests.ui.helpers import connect, open_window, pick, wait_checked

FAST = AppSettings(poll_interval_s=0.2)


def _window(qtbot: QtBot, emulator: Any, path: Path) -> MainWindow:
    window = open_window(qtbot, emulator, FAST)
    pick(qtbot, window, "Account", "External_Id__c")
    window.files_panel.add_paths([path])
    wait_checked(qtbot, window)
    window.files_panel.view.selectRow(0)
    window.files_panel.details.setCurrentWidget(window.files_panel.details.mapping)  # the "Columns" tab
    return window


def _cell(view: Any, row: int, col: int) -> str:
    item = view.table.item(row, col)
    return "" if item is None else str(item.text())


def _load(qtbot: QtBot, window: MainWindow) -> None:
    assert window.load_button.isEnabled(), window.blocking_reason()
    with qtbot.waitSignal(window.load_finished, timeout=60_000):
        window.load_button.click()


def _query(emulator: Any, soql: str) -> list[dict[str, Any]]:
    with connect(emulator) as conn:
        return list(conn.get_json("query", params={"q": soql})["records"])


def test_pick_a_field_ignore_a_column_and_load_enables(qtbot: QtBot, emulator: Any, tmp_path: Path) -> None:
    src = tmp_path / "export.csv"
    src.write_text(
        "External Id,Company,Customer Since,Internal note\n"
        "M1,Acme,31/12/2026,call back\nM2,Beta,01/02/2026,\n"
    )
    window = _window(qtbot, emulator, src)
    view = window.files_panel.details.mapping
    assert not window.load_button.isEnabled()
    assert "'Company'" in window.blocking_reason()
    assert "2 need a choice" in view.summary.text()
    sent_as = {_cell(view, r, 0): _cell(view, r, 4) for r in range(view.table.rowCount())}
    assert sent_as["Customer Since"] == "31/12/2026 → 2026-12-31; 01/02/2026 → 2026-02-01"

    name = view.picker_for("Company")
    name.setCurrentIndex(name.findData("Name"))
    name.activated.emit(name.currentIndex())  # what choosing an entry in the list does
    wait_checked(qtbot, window)
    assert not window.load_button.isEnabled() and "'Internal note'" in window.blocking_reason()
    note = view.picker_for("Internal note")
    note.setCurrentIndex(0)  # "(not sent)"
    note.activated.emit(0)
    wait_checked(qtbot, window)
    assert window.load_button.isEnabled(), window.blocking_reason()
    assert "1 not sent" in view.summary.text()
    assert _cell(view, 1, 3) == "chosen by you"

    sdl = tmp_path / "export.sdl"
    view.save_sdl(sdl)  # Save mapping…
    assert "Company=Name" in sdl.read_text("iso-8859-1") and "Internal" not in sdl.read_text("iso-8859-1")
    _load(qtbot, window)
    rows = {
        r["External_Id__c"]: r
        for r in _query(emulator, "SELECT External_Id__c, Name, Customer_Since__c FROM Account")
    }
    assert rows["M1"]["Name"] == "Acme" and rows["M1"]["Customer_Since__c"] == "2026-12-31"

    # The same header again (a new export): the mapping saved for this org and object comes back.
    again = tmp_path / "export_next_month.csv"
    again.write_text("External Id,Company,Customer Since,Internal note\nM3,Gamma,13/01/2027,x\n")
    window.files_panel.clear()
    window.files_panel.add_paths([again])
    wait_checked(qtbot, window)
    window.files_panel.view.selectRow(0)
    assert window.load_button.isEnabled(), window.blocking_reason()
    assert _cell(view, 1, 3) == "saved mapping"
    # Load mapping… reads the .sdl written above (a column it does not list is not sent).
    view.load_sdl(sdl)
    wait_checked(qtbot, window)
    assert window.load_button.isEnabled(), window.blocking_reason()
    assert _cell(view, 1, 3) == "from the mapping file" and _cell(view, 3, 3) == "not in the mapping file"


def test_a_cp1252_file_is_converted_with_one_click(qtbot: QtBot, emulator: Any, tmp_path: Path) -> None:
    src = tmp_path / "legacy.csv"
    src.write_bytes("External Id;Account Name;Annual Revenue\r\nW1;Café Müller;1.234,50\r\n".encode("cp1252"))
    window = _window(qtbot, emulator, src)
    view = window.files_panel.details.mapping
    assert not window.load_button.isEnabled() and "Windows-1252" in window.blocking_reason()
    assert view.convert_button.isVisibleTo(window)
    view.convert_button.click()
    wait_checked(qtbot, window)
    assert window.load_button.isEnabled(), window.blocking_reason()
    assert "Read as cp1252" in view.summary.text()
    _load(qtbot, window)
    row = _query(emulator, "SELECT Name, AnnualRevenue FROM Account WHERE External_Id__c = 'W1'")[0]
    assert row["Name"] == "Café Müller" and row["AnnualRevenue"] == 1234.5
    assert src.read_bytes().startswith("External Id;Account Name".encode("cp1252"))  # the file is not changed
