"""The mapping view (issue 11), driven like a user: pick a field, ignore a column, see Load enable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from sfloader_gui import cli
from sfloader_gui.core.settings import AppSettings
from sfloader_gui.ui.files.files_model import Col
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
    # waiting for a choice, it shows none ("(not sent)" there read as already chosen)
    edit = note.lineEdit()
    assert edit is not None and note.currentText() == ""
    assert edit.placeholderText() == "Pick a field or (not sent)"
    note.setCurrentIndex(0)  # "(not sent)"
    note.activated.emit(0)
    wait_checked(qtbot, window)
    assert window.load_button.isEnabled(), window.blocking_reason()
    assert "1 not sent" in view.summary.text()
    assert _cell(view, 1, 3) == "chosen by you"
    assert view.picker_for("Internal note").currentText() == "(not sent)"  # the choice made shows

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
    # The way out is the button, wherever the user reads about the problem.
    assert "click “Read as Windows-1252” in the Columns tab" in window.blocking_reason()
    findings = window.files_panel.details.findings
    assert [findings.model().index(i, 0).data() for i in range(findings.count())] == [
        "Error: legacy.csv is not UTF-8 text (first at line 2): it looks like Windows-1252 (cp1252). "
        "Salesforce accepts UTF-8 only: click “Read as Windows-1252” in the Columns tab (the file is not "
        "changed), or save it again as 'CSV UTF-8' from your spreadsheet program."
    ]
    assert view.convert_button.isVisibleTo(window)
    assert window.files_panel.model.index(0, Col.FORMAT).data() == "not UTF-8"  # not "unreadable": one click
    view.convert_button.click()
    wait_checked(qtbot, window)
    assert window.load_button.isEnabled(), window.blocking_reason()
    assert "Read as Windows-1252" in view.summary.text()
    # The file list and the Preview tab show the file as now read, not as the unreadable file it was.
    model = window.files_panel.model
    assert model.index(0, Col.FORMAT).data() == "Semicolon, Windows-1252 (sent as UTF-8), CRLF"
    assert model.index(0, Col.ROWS).data() == "1"
    preview = window.files_panel.details.preview
    assert [preview.model().index(0, c).data() for c in (1, 2)] == ["Café Müller", "1.234,50"]
    _load(qtbot, window)
    row = _query(emulator, "SELECT Name, AnnualRevenue FROM Account WHERE External_Id__c = 'W1'")[0]
    assert row["Name"] == "Café Müller" and row["AnnualRevenue"] == 1234.5
    assert src.read_bytes().startswith("External Id;Account Name".encode("cp1252"))  # the file is not changed


def _choose(qtbot: QtBot, window: MainWindow, column: str, field: str | None) -> None:
    """Pick ``field`` (None: "(not sent)") in ``column``'s picker, as a user choosing in the list."""
    box = window.files_panel.details.mapping.picker_for(column)
    box.setCurrentIndex(box.findData(field) if field is not None else 0)
    box.activated.emit(box.currentIndex())
    wait_checked(qtbot, window)


def test_load_stays_disabled_while_a_required_field_or_the_key_is_missing(
    qtbot: QtBot, emulator: Any, tmp_path: Path
) -> None:
    src = tmp_path / "crm.csv"
    src.write_text("Ref,Phone,Company\nR1,555-0100,Acme\nR2,555-0101,Beta\n")
    window = _window(qtbot, emulator, src)
    view = window.files_panel.details.mapping
    assert not window.load_button.isEnabled() and "'Ref'" in window.blocking_reason()
    # The app's words, not sfloader's: where to decide, once.
    assert window.blocking_reason().endswith("Pick a field or “(not sent)” in the Columns tab.")
    assert "sfloader" not in window.blocking_reason() and "sfloader" not in view.problem.text()
    assert view.problem.isVisibleTo(window)
    assert "External_Id__c is not mapped" in view.problem.text()
    assert "required fields of Account are not mapped: Name (Account Name)" in view.problem.text()
    company = view.picker_for("Company")
    assert company.itemText(1) == "★ Account Name (Name)"  # required and still missing: first
    assert not company.itemText(2).startswith("★")

    _choose(qtbot, window, "Ref", "External_Id__c")
    _choose(qtbot, window, "Company", None)
    reason = window.blocking_reason()
    assert not window.load_button.isEnabled()
    assert "required fields of Account are not mapped: Name (Account Name)" in reason
    assert "Columns tab" in reason and window.load_reason.text() == reason
    assert "External_Id__c" not in view.problem.text() and "Name (Account Name)" in view.problem.text()

    view.updates_only.setChecked(True)  # every row updates an existing record: a warning only
    wait_checked(qtbot, window)
    assert window.load_button.isEnabled(), window.blocking_reason()
    assert not view.problem.isVisibleTo(window)
    view.updates_only.setChecked(False)
    wait_checked(qtbot, window)
    assert not window.load_button.isEnabled()

    _choose(qtbot, window, "Company", "Name")
    assert window.load_button.isEnabled(), window.blocking_reason()
    assert not view.problem.isVisibleTo(window)
    assert not view.picker_for("Phone").itemText(1).startswith("★")  # nothing required is missing now
    _load(qtbot, window)
    rows = _query(emulator, "SELECT External_Id__c, Name, Phone FROM Account")
    assert {r["External_Id__c"]: r["Name"] for r in rows} == {"R1": "Acme", "R2": "Beta"}


def test_one_mapping_for_a_group_of_files_with_the_same_header(
    qtbot: QtBot, emulator: Any, tmp_path: Path
) -> None:
    jan, feb, other = tmp_path / "jan.csv", tmp_path / "feb.csv", tmp_path / "other.csv"
    jan.write_text("External Id,Company,Memo\nG1,Acme,a\n")
    feb.write_text("Memo,External Id,Company\nb,G2,Beta\n")  # the same columns, in another order
    other.write_text("External Id,Account Name\nG3,Gamma\n")
    window = open_window(qtbot, emulator, FAST)
    pick(qtbot, window, "Account", "External_Id__c")
    window.files_panel.add_paths([jan, feb, other])
    wait_checked(qtbot, window)
    window.files_panel.view.selectRow(0)
    view = window.files_panel.details.mapping
    window.files_panel.details.setCurrentWidget(view)
    assert view.group.isVisibleTo(window)
    assert "One mapping for 2 files with these columns (jan.csv, feb.csv)" in view.group.text()
    _choose(qtbot, window, "Company", "Name")
    _choose(qtbot, window, "Memo", "Description")
    assert window.load_button.isEnabled(), window.blocking_reason()
    window.files_panel.view.selectRow(1)  # feb.csv: the change applied to it too, in its own order
    assert [_cell(view, r, 0) for r in range(3)] == ["Memo", "External Id", "Company"]
    assert [_cell(view, r, 3) for r in range(3)] == ["chosen by you", "matched by label", "chosen by you"]
    assert "(feb.csv, jan.csv)" in view.group.text()
    window.files_panel.view.selectRow(2)
    assert not view.group.isVisibleTo(window)  # other.csv has columns of its own
    _load(qtbot, window)
    rows = _query(emulator, "SELECT External_Id__c, Name, Description FROM Account")
    assert {r["External_Id__c"]: (r["Name"], r["Description"]) for r in rows} == {
        "G1": ("Acme", "a"),
        "G2": ("Beta", "b"),
        "G3": ("Gamma", None),
    }


def test_read_as_windows_1252_is_remembered_for_that_file(
    qtbot: QtBot, emulator: Any, tmp_path: Path
) -> None:
    src = tmp_path / "legacy.csv"
    src.write_bytes("External Id;Account Name\r\nW7;Zoë\r\n".encode("cp1252"))
    window = _window(qtbot, emulator, src)
    window.files_panel.details.mapping.convert_button.click()
    wait_checked(qtbot, window)
    assert window.load_button.isEnabled(), window.blocking_reason()
    window.close()
    # The app starts again (same settings folder): the file is read as Windows-1252 with no click.
    again = _window(qtbot, emulator, src)
    assert again.load_button.isEnabled(), again.blocking_reason()
    assert "Read as Windows-1252" in again.files_panel.details.mapping.summary.text()
    assert again.files_model.entries()[0].encoding == "Windows-1252 (sent as UTF-8)"  # the Format column
    # An edited file is a new file: it is checked afresh.
    src.write_bytes("External Id;Account Name\r\nW7;Zoë Ltd\r\n".encode("cp1252"))
    again.files_panel.clear()
    again.files_panel.add_paths([src])
    wait_checked(qtbot, again)
    assert not again.load_button.isEnabled() and "Windows-1252" in again.blocking_reason()


def test_a_mapping_made_in_the_app_is_used_by_sfloader_and_back(
    qtbot: QtBot, emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    org = ["--instance-url", emulator.instance_url, "--access-token", emulator.access_token]
    # App -> sfloader: the user maps two columns in the app; a script loads next month's export.
    src = tmp_path / "app.csv"
    src.write_text("Key,Company\nB1,Acme\n")
    window = _window(qtbot, emulator, src)
    _choose(qtbot, window, "Key", "External_Id__c")
    _choose(qtbot, window, "Company", "Name")
    assert window.load_button.isEnabled(), window.blocking_reason()
    nxt = tmp_path / "app_next.csv"
    nxt.write_text("Company,Key\nBeta,B2\n")
    code = cli.main(["upsert", str(nxt), "--object", "Account", "--external-id", "External_Id__c",
                     *org, "--poll-interval", "0.05", "--json"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "app_next.csv: using the mapping saved for this org" in err
    assert json.loads(out)["mappings"] == [{"file": str(nxt), "source": "saved"}]
    assert _query(emulator, "SELECT Name FROM Account WHERE External_Id__c = 'B2'")[0]["Name"] == "Beta"

    # sfloader -> app: a mapping saved with `sfloader mapping --save` comes back in the app.
    cli_file = tmp_path / "cli.csv"
    cli_file.write_text("Client No,Client\nC1,Cyan\n")
    sdl = tmp_path / "cli.sdl"
    sdl.write_text("Client\\ No=External_Id__c\nClient=Name\n", encoding="iso-8859-1")
    code = cli.main(["mapping", str(cli_file), "--object", "Account", "--mapping", str(sdl), "--save", *org])
    assert code == 0, capsys.readouterr().err
    window.files_panel.clear()
    window.files_panel.add_paths([cli_file])
    wait_checked(qtbot, window)
    window.files_panel.view.selectRow(0)
    view = window.files_panel.details.mapping
    assert [_cell(view, r, 3) for r in range(2)] == ["saved mapping", "saved mapping"]
    assert window.load_button.isEnabled(), window.blocking_reason()


def test_a_workbook_key_that_differs_only_in_case_is_found_on_its_rows(
    qtbot: QtBot, emulator: Any, tmp_path: Path
) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = tmp_path / "keys.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["External Id", "Account Name"], ["k-1", "Acme"], ["K-1", "Beta"]):
        ws.append(row)
    wb.save(book)
    window = open_window(qtbot, emulator, FAST)
    window.files_panel.add_paths([book])  # no object chosen yet: nothing to check against
    qtbot.waitUntil(lambda: window.files_model.entries()[0].rows == 2, timeout=20_000)
    entry = window.files_model.entries()[0]
    assert not entry.errors and entry.header == ["External Id", "Account Name"]
    assert window.files_model.data(window.files_model.index(0, 3)).startswith("Excel workbook, sheet ")
    pick(qtbot, window, "Account", "External_Id__c")
    wait_checked(qtbot, window)
    assert [f.code for f in entry.errors] == ["duplicate_external_id_case"]  # shown once, rows compared
    assert not window.load_button.isEnabled()


def test_rows_only_update_is_saved_with_the_mapping_and_comes_back(
    qtbot: QtBot, emulator: Any, tmp_path: Path
) -> None:
    """Issue 11: a mapping made for an update-only file (Name left out) is saved with "Rows only update
    existing records"; the next file with that header gets both back (once: the user may turn it off)."""
    src = tmp_path / "phones.csv"
    src.write_text("Ref,Phone\nR1,555-0100\n")
    window = _window(qtbot, emulator, src)
    view = window.files_panel.details.mapping
    _choose(qtbot, window, "Ref", "External_Id__c")
    assert not window.load_button.isEnabled() and "Name (Account Name)" in window.blocking_reason()
    view.updates_only.setChecked(True)
    wait_checked(qtbot, window)
    assert window.load_button.isEnabled(), window.blocking_reason()
    window.close()
    # Next week's file, in a new session: the saved mapping and its "Rows only update" come back.
    nxt = tmp_path / "phones_next.csv"
    nxt.write_text("Phone,Ref\n555-0199,R2\n")
    again = _window(qtbot, emulator, nxt)
    wait_checked(qtbot, again)  # the box turned on by the saved mapping checks the files again
    view = again.files_panel.details.mapping
    assert view.updates_only.isChecked()
    assert [_cell(view, r, 3) for r in range(2)] == ["saved mapping", "saved mapping"]
    assert again.load_button.isEnabled(), again.blocking_reason()
    options = again.load_options_or_none()
    assert options is not None and options.allow_missing_required
    view.updates_only.setChecked(False)  # the user's word stands: not turned on again
    wait_checked(qtbot, again)
    assert not view.updates_only.isChecked() and not again.load_button.isEnabled()


def test_a_file_added_before_the_external_id_says_it_is_not_checked_yet(
    qtbot: QtBot, emulator: Any, tmp_path: Path
) -> None:
    src = tmp_path / "later.csv"
    src.write_text("External Id,Account Name\nL1,Later\n")
    window = open_window(qtbot, emulator)
    window.resize(1280, 760)
    qtbot.waitUntil(lambda: bool(window.object_picker.choices()), timeout=20_000)
    window.files_panel.add_paths([src])
    qtbot.waitUntil(lambda: window.files_model.entries()[0].rows == 1, timeout=20_000)
    status = window.files_panel.model.index(0, Col.CHECK)
    assert status.data() == "Not checked yet"  # not "Waiting for pre-flight…": nothing runs until then
    view = window.files_panel.view
    assert view.fontMetrics().horizontalAdvance(status.data()) < view.columnWidth(Col.CHECK)  # whole
    assert "External ID" in status.data(Qt.ItemDataRole.ToolTipRole)


def test_a_refused_value_is_explained_with_the_apps_way_out(
    qtbot: QtBot, emulator: Any, tmp_path: Path
) -> None:
    src = tmp_path / "dates.csv"
    src.write_text("External Id,Account Name,Customer Since\nD1,One,28.02.2017\nD2,Two,30.02.2017\n")
    window = _window(qtbot, emulator, src)
    reason = window.blocking_reason()
    assert "'30.02.2017' is not a date Salesforce can take." in reason and "nothing was sent" not in reason
    assert (
        "or choose “(not sent)” for the column in the Columns tab." in reason
    )  # before Load: nothing sent yet


def test_an_unmatched_column_suggests_fields_by_label_and_api_name(
    qtbot: QtBot, emulator: Any, tmp_path: Path
) -> None:
    src = tmp_path / "typo.csv"
    src.write_text("External Id,Account Nam\nT1,Typo\n")
    window = _window(qtbot, emulator, src)
    reason = window.blocking_reason()
    assert "'Account Nam'" in reason and "Did you mean Account Name (Name) or Account Phone (Phone)" in reason


def test_the_focus_stays_on_the_column_just_chosen_while_the_file_is_checked_again(
    qtbot: QtBot, emulator: Any, tmp_path: Path
) -> None:
    src = tmp_path / "export.csv"
    src.write_text("External Id,Company,Internal note\nM1,Acme,call back\n")
    window = _window(qtbot, emulator, src)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    view = window.files_panel.details.mapping
    note = view.picker_for("Internal note")
    note.setFocus()
    qtbot.waitUntil(note.hasFocus, timeout=5_000)
    note.setCurrentIndex(0)  # "(not sent)", as chosen in the list
    note.activated.emit(0)
    qtbot.waitUntil(lambda: view.picker_for("Internal note").currentText() == "(not sent)", timeout=10_000)
    wait_checked(qtbot, window)
    # The rebuilt table's picker of that column has the keyboard, not the window's first button (where
    # Space would open the org dialog).
    qtbot.waitUntil(lambda: view.picker_for("Internal note").hasFocus(), timeout=5_000)
    assert not window.bar.switch_button.hasFocus()
