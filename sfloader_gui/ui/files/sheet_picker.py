"""The sheet choice of a workbook with more than one sheet: a small drop-down on the file's row."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, QObject, Signal
from PySide6.QtWidgets import QComboBox, QTableView

from sfloader_gui.ui.files.files_model import Col, FileEntry, FilesModel


class SheetPickers(QObject):
    """Keeps a sheet drop-down in the Format cell of each listed workbook that has several sheets.

    Signals:
    sheet_chosen(Path, str): the user picked another sheet of that workbook.
    """

    sheet_chosen = Signal(object, str)

    def __init__(self, view: QTableView, model: FilesModel) -> None:
        super().__init__(view)
        self._view, self._model = view, model
        # Index widgets follow their row when rows are added or removed (Qt deletes those of removed rows).
        model.dataChanged.connect(lambda top, bottom, *_: self._sync(top.row(), bottom.row()))

    def picker(self, path: Path) -> QComboBox | None:
        """The drop-down of that file, if it has one."""
        entry = self._model.entry(path)
        if entry is None:
            return None
        widget = self._view.indexWidget(self._cell(self._model.entries().index(entry)))
        return widget if isinstance(widget, QComboBox) else None

    def set_enabled(self, enabled: bool) -> None:
        """No sheet change while a load runs."""
        for row in range(len(self._model.entries())):
            widget = self._view.indexWidget(self._cell(row))
            if widget is not None:
                widget.setEnabled(enabled)

    def _cell(self, row: int) -> QModelIndex:
        return self._model.index(row, Col.FORMAT)

    def _sync(self, first: int, last: int) -> None:
        entries = self._model.entries()
        for row in range(max(first, 0), min(last, len(entries) - 1) + 1):
            entry = entries[row]
            cell = self._cell(row)
            current = self._view.indexWidget(cell)
            if len(entry.sheets) < 2:
                if current is not None:
                    current.deleteLater()  # the view forgets an index widget once it is destroyed
                continue
            combo = current if isinstance(current, QComboBox) else self._new_picker(entry)
            if combo is not current:
                self._view.setIndexWidget(cell, combo)
            shown = entry.sheet_choice or entry.sheet or entry.sheets[0]
            combo.blockSignals(True)  # only the user's picks are reported
            if [combo.itemData(i) for i in range(combo.count())] != entry.sheets:
                combo.clear()
                for name in entry.sheets:
                    combo.addItem(f"Sheet: {name}", name)
            if combo.currentData() != shown:
                combo.setCurrentIndex(combo.findData(shown))
            combo.blockSignals(False)

    def _new_picker(self, entry: FileEntry) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(f"Sheet of {entry.path.name} to load")
        combo.setToolTip(
            f"{entry.path.name} has {len(entry.sheets)} sheets: choose the one to load "
            "(its first row holds the column names)."
        )
        path = entry.path
        combo.activated.connect(lambda index: self._picked(path, str(combo.itemData(index) or "")))
        return combo

    def _picked(self, path: Path, sheet: str) -> None:
        entry = self._model.entry(path)
        if entry is not None and sheet and sheet != (entry.sheet_choice or entry.sheet):
            self.sheet_chosen.emit(path, sheet)
