"""Dropping files and folders on the files area; the parallel-jobs box refuses 16 and says why."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from sfloader_gui.core.settings import AppSettings
from sfloader_gui.ui.files.files_model import FilesModel
from sfloader_gui.ui.files.files_panel import FilesPanel
from sfloader_gui.ui.options_panel import OptionsPanel
from tests.ui.dnd import drop_paths


def make_tree(tmp_path: Path) -> tuple[list[Path], Path]:
    a = tmp_path / "accounts.csv"
    a.write_text("External_Id__c,Name\nA1,Acme\n", encoding="utf-8")
    notes = tmp_path / "notes.txt"
    notes.write_text("not data", encoding="utf-8")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    folder = tmp_path / "more"
    (folder / "nested").mkdir(parents=True)
    (folder / "contacts.csv").write_text("External_Id__c,LastName\nC1,Doe\n", encoding="utf-8")
    (folder / "nested" / "shipments.CSV").write_text("Ext__c,Name\nS1,Box\n", encoding="utf-8")
    (folder / "report.docx").write_bytes(b"PK\x03\x04")
    (folder / ".hidden.csv").write_text("x\n1\n", encoding="utf-8")
    return [a, notes, empty], folder


def test_drop_of_files_and_a_folder_keeps_csv_and_lists_the_rest(qtbot: QtBot, tmp_path: Path) -> None:
    model = FilesModel()
    panel = FilesPanel(model)
    qtbot.addWidget(panel)
    panel.resize(900, 500)
    panel.show()
    empty_at_start = panel.drop_zone.is_empty
    assert (
        empty_at_start and panel.drop_zone.empty_title.text() == "Drop CSV or Excel files here"
    )  # workbooks load too
    files, folder = make_tree(tmp_path)

    with qtbot.waitSignal(panel.files_added) as added:
        entered, dropped = drop_paths(panel.drop_zone, [*files, folder])

    assert entered and dropped
    names = [p.name for p in model.paths()]
    assert names == ["accounts.csv", "contacts.csv", "shipments.CSV"]
    assert len(added.args[0]) == 3
    assert not panel.drop_zone.is_empty
    ignored = panel.ignored.text()
    assert panel.ignored.isVisibleTo(panel)
    assert "notes.txt: not a CSV file or a workbook (.txt)" in ignored
    assert "empty.csv: the file is empty" in ignored
    assert "report.docx: not a CSV file or a workbook (.docx)" in ignored
    assert ".hidden.csv" not in ignored and ".hidden.csv" not in names

    # Dropping the same file again does not add it twice, and says so.
    drop_paths(panel.drop_zone, [files[0]])
    assert len(model.paths()) == 3
    assert "accounts.csv: already in the list" in panel.ignored.text()


def test_drag_without_files_is_refused(qtbot: QtBot) -> None:
    panel = FilesPanel(FilesModel())
    qtbot.addWidget(panel)
    entered, dropped = drop_paths(panel.drop_zone, [])
    assert not entered and not dropped


def test_sixteen_parallel_jobs_is_refused_with_the_reason(qtbot: QtBot) -> None:
    panel = OptionsPanel(AppSettings())
    qtbot.addWidget(panel)
    panel.show()
    assert panel.jobs.value() == 15 and panel.gzip.isChecked()

    # Typed: select all, type 16.
    panel.jobs.lineEdit().selectAll()
    qtbot.keyClicks(panel.jobs.lineEdit(), "16")
    assert panel.jobs.value() == 1, "the '6' that makes 16 is refused; the '1' was accepted"
    assert panel.refusal.isVisible()
    assert "between 1 and 15, not 16" in panel.refusal.text()
    assert "concurrent" in panel.refusal.text()

    # Stepped: 15 and the up arrow.
    panel.jobs.setValue(15)
    assert panel.refusal.isHidden()
    qtbot.keyClick(panel.jobs, Qt.Key.Key_Up)
    assert panel.jobs.value() == 15
    assert panel.refusal.isVisible() and "not 16" in panel.refusal.text()

    # Programmatic.
    assert not panel.jobs.try_set(16)
    assert panel.jobs.value() == 15
    assert panel.update_settings(AppSettings()).max_concurrent_jobs == 15
