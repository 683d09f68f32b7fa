"""The files area: drop zone, file list, ignored files with reasons, preview and findings per file."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QSplitter,
    QStackedLayout,
    QStyle,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from sfloader_gui.core.mapping.file_memory import FileChoices
from sfloader_gui.core.mapping.model import Mapping, header_key
from sfloader_gui.core.mapping.source import WORKBOOK_SUFFIXES
from sfloader_gui.ui.files.drop_zone import DropZone
from sfloader_gui.ui.files.file_intake import Intake, sort_paths
from sfloader_gui.ui.files.files_model import ENTRY_ROLE, Col, FileEntry, FilesModel
from sfloader_gui.ui.files.mapping_view import MappingView
from sfloader_gui.ui.files.sheet_picker import SheetPickers
from sfloader_gui.ui.plain import plain_label

log = logging.getLogger(__name__)


class FileDetails(QTabWidget):
    """Preview of the first rows and the pre-flight findings of one file."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preview = QTableWidget()
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.setWordWrap(False)
        self.preview_hint = QLabel("Select a file in the list to see its first rows.")
        self.preview_hint.setObjectName("hint")
        self.preview_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview_hint.setWordWrap(True)
        preview_page = QWidget()
        self._preview_stack = QStackedLayout(preview_page)
        self._preview_stack.addWidget(self.preview_hint)
        self._preview_stack.addWidget(self.preview)
        self.findings = QListWidget()
        self.findings.setWordWrap(True)
        self.mapping = MappingView()
        self.addTab(preview_page, "Preview")
        self.addTab(self.findings, "Pre-flight findings")
        self.addTab(self.mapping, "Columns")
        self.show_entry(None)

    def show_entry(self, entry: FileEntry | None) -> None:
        self.mapping.show_entry(entry)
        self.preview.clear()
        self.findings.clear()
        self._preview_stack.setCurrentIndex(1 if entry is not None and entry.preview else 0)
        if entry is None:
            self.preview.setRowCount(0)
            self.preview.setColumnCount(0)
            self.preview_hint.setText("Select a file in the list to see its first rows.")
            self.findings.addItem("Select a file to see what the checks found.")
            self.setTabText(1, "Pre-flight findings")
            return
        if not entry.preview:
            self.preview_hint.setText("Reading the file…" if entry.rows is None else "No data rows to show.")
        header = entry.header or (entry.preview[0] if entry.preview else [])
        self.preview.setColumnCount(len(header))
        self.preview.setHorizontalHeaderLabels(header)
        self.preview.setRowCount(len(entry.preview))
        for r, row in enumerate(entry.preview):
            for c, value in enumerate(row[: len(header)]):
                self.preview.setItem(r, c, QTableWidgetItem(value))
        self.preview.resizeColumnsToContents()
        shown = entry.errors + entry.warnings
        if not entry.checked and not shown:
            self.findings.addItem("Not checked yet: choose an object and an External ID field.")
        elif not shown:
            self.findings.addItem("No problems found. This file is ready to load.")
        for f in shown:
            icon = (
                QStyle.StandardPixmap.SP_MessageBoxCritical
                if f.is_error
                else QStyle.StandardPixmap.SP_MessageBoxWarning
            )
            self.findings.addItem(f"{'Error' if f.is_error else 'Warning'}: {f.message}")
            self.findings.item(self.findings.count() - 1).setIcon(self.style().standardIcon(icon))
        self.setTabText(1, f"Pre-flight findings ({len(shown)})" if shown else "Pre-flight findings")


class FilesPanel(QWidget):
    """Signals:
    files_added(list): FileEntry objects just added, a workbook whose sheet the user changed, or a file to
        read as Windows-1252 (the window starts their inspection).
    files_changed(): files were added or removed.
    review_requested(Path): a run folder (or its manifest.json) was added: review it, do not load it.
    samples_requested(bool): the demo's "Add the &sample files" (False) or "… with errors" (True) button.
    """

    files_added = Signal(list)
    files_changed = Signal()
    review_requested = Signal(object)
    samples_requested = Signal(bool)
    recheck_requested = Signal()  # a file's mapping or encoding changed in the mapping view

    def __init__(self, model: FilesModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.view = QTableView()
        self.view.setModel(model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setStretchLastSection(True)
        # Narrow enough that the status column (the pre-flight verdict, then "Loaded: N succeeded") stays in
        # sight at the default window size; the full texts are in the tooltips.
        for col, width in ((Col.FILE, 160), (Col.SIZE, 75), (Col.ROWS, 55), (Col.FORMAT, 125)):
            self.view.setColumnWidth(col, width)
        header.setSectionResizeMode(Col.CHECK, QHeaderView.ResizeMode.Stretch)
        self.view.doubleClicked.connect(self._open_run_of)
        self.sheet_pickers = SheetPickers(self.view, model)  # workbooks with several sheets
        self.sheet_pickers.sheet_chosen.connect(self._sheet_chosen)
        self.view.setAccessibleName("Files to load")
        self.view.setAccessibleDescription("Delete removes the selected files")
        # Delete (and Backspace, the Mac's delete key) removes the selected files.
        for key in (QKeySequence.StandardKey.Delete, QKeySequence(Qt.Key.Key_Backspace)):
            shortcut = QShortcut(QKeySequence(key), self.view, context=Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self.remove_selected)
        self.drop_zone = DropZone(self.view)
        self.drop_zone.setMinimumHeight(130)  # a few rows of files, whatever the window size
        self.drop_zone.paths_dropped.connect(self.add_paths)
        self.drop_zone.add_files_requested.connect(self.choose_files)

        style = self.style()
        self.add_files_button = QPushButton(
            style.standardIcon(QStyle.StandardPixmap.SP_FileIcon), "Add &files…"
        )
        self.add_folder_button = QPushButton(
            style.standardIcon(QStyle.StandardPixmap.SP_DirIcon), "Add fol&der…"
        )
        self.samples_button = QPushButton(
            style.standardIcon(QStyle.StandardPixmap.SP_FileDialogContentsView), "Add the &sample files"
        )
        self.samples_button.setToolTip("The demo's clean sample file of this object: it loads fully.")
        self.samples_button.hide()
        self.bad_samples_button = QPushButton(
            style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning), "Add sample files with &errors"
        )
        self.bad_samples_button.setToolTip(
            "A sample file with typical mistakes: see pre-flight findings and failed rows explained."
        )
        self.bad_samples_button.hide()
        self.remove_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_TrashIcon), "&Remove")
        self.remove_button.setEnabled(False)
        self.clear_button = QPushButton("Clear lis&t")
        self.clear_button.setEnabled(False)
        self.add_files_button.clicked.connect(self.choose_files)
        self.add_folder_button.clicked.connect(self.choose_folder)
        self.samples_button.clicked.connect(lambda: self.samples_requested.emit(False))
        self.bad_samples_button.clicked.connect(lambda: self.samples_requested.emit(True))
        self.remove_button.clicked.connect(self.remove_selected)
        self.clear_button.clicked.connect(self.clear)
        self.ignored = plain_label()  # file names: text, never HTML
        self.ignored.setObjectName("ignoredFiles")
        self.ignored.setWordWrap(True)
        self.ignored.hide()

        self._intake_buttons = (
            self.add_files_button, self.add_folder_button, self.samples_button, self.bad_samples_button,
        )  # fmt: skip
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_files_button)
        buttons.addWidget(self.add_folder_button)
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.clear_button)
        samples = QHBoxLayout()  # its own row (demo only), so the list keeps its width on small screens
        samples.addWidget(self.samples_button)
        samples.addWidget(self.bad_samples_button)
        samples.addStretch(1)
        left = QWidget()
        left_box = QVBoxLayout(left)
        left_box.setContentsMargins(0, 0, 0, 0)
        left_box.addLayout(buttons)
        left_box.addLayout(samples)
        left_box.addWidget(self.drop_zone, 1)
        left_box.addWidget(self.ignored)

        self.details = FileDetails()
        self.details.mapping.mapping_edited.connect(self._mapping_edited)
        self.details.mapping.convert_requested.connect(self._convert_requested)
        self.details.mapping.choices_changed.connect(self.recheck_requested)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(splitter)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        model.dataChanged.connect(self._rows_changed)

    # -- adding and removing -------------------------------------------------------------------------------
    def show_samples_button(self, show: bool) -> None:
        self.samples_button.setVisible(show)
        self.bad_samples_button.setVisible(show)

    def choose_files(self) -> None:
        workbooks = " ".join(f"*{s}" for s in sorted(WORKBOOK_SUFFIXES))
        files, _ = QFileDialog.getOpenFileNames(
            self, "Add CSV files", "", f"CSV files and workbooks (*.csv {workbooks});;All files (*)"
        )
        if files:
            self.add_paths([Path(f) for f in files])

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add every CSV file in a folder")
        if folder:
            self.add_paths([Path(folder)])

    def add_paths(self, paths: list[Path]) -> Intake:
        intake = sort_paths(paths, already=self.model.paths())
        entries = self.model.add(intake.kept)
        remembered = FileChoices()
        for entry in entries:  # "Read as Windows-1252" clicked, a sheet chosen for this very file before
            entry.convert_from = remembered.encoding(entry.path)
            entry.sheet_choice = remembered.sheet(entry.path)
        for path in intake.kept:
            log.info("Added %s", path.name)
        for path, reason in intake.ignored:
            log.info("Ignored %s: %s", path.name, reason)
        self._show_ignored(intake.ignored)
        for run in intake.runs:
            log.info("%s is a run folder: opening it for review.", run.name)
            self.review_requested.emit(run)
        self._after_change()
        if entries:
            self.view.selectRow(self.model.rowCount() - len(entries))
            self.files_added.emit(entries)
        return intake

    def remove_selected(self) -> None:
        rows = [i.row() for i in self.view.selectionModel().selectedRows()]
        self.model.remove_rows(rows)
        self._after_change()

    def clear(self) -> None:
        self.model.clear()
        self._show_ignored([])
        self._after_change()

    def set_locked(self, locked: bool) -> None:
        """No list changes while a load runs."""
        for w in (*self._intake_buttons, self.drop_zone):
            w.setEnabled(not locked)
        self.sheet_pickers.set_enabled(not locked)
        self._update_buttons(locked)

    # -- internals -----------------------------------------------------------------------------------------
    def _show_ignored(self, ignored: list[tuple[Path, str]]) -> None:
        if not ignored:
            self.ignored.hide()
            return
        lines = [f"• {p.name}: {reason}" for p, reason in ignored[:8]]
        if len(ignored) > 8:
            lines.append(f"• … and {len(ignored) - 8} more (see the log)")
        self.ignored.setText(f"Ignored {len(ignored)} item(s):\n" + "\n".join(lines))
        self.ignored.show()

    def _after_change(self) -> None:
        self.drop_zone.set_empty(self.model.rowCount() == 0)
        self._update_buttons(not self.add_files_button.isEnabled())
        self._refresh_details()
        self.files_changed.emit()

    def _update_buttons(self, locked: bool) -> None:
        has_rows = self.model.rowCount() > 0
        self.clear_button.setEnabled(has_rows and not locked)
        self.remove_button.setEnabled(bool(self.view.selectionModel().selectedRows()) and not locked)

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._update_buttons(not self.add_files_button.isEnabled())
        self._refresh_details()

    def _open_run_of(self, index: QModelIndex) -> None:
        """The run link of a loaded file: its run opens for review."""
        entry: FileEntry | None = self.model.data(index, ENTRY_ROLE)
        mark = entry.loaded_now() if entry is not None else None
        if mark is not None and mark.left:
            self.review_requested.emit(mark.folder)

    def group_of(self, entry: FileEntry) -> list[FileEntry]:
        """The files sharing ``entry``'s mapping: the same columns (ignoring case and order), it first."""
        key = header_key(_columns_of(entry))
        if not key:
            return [entry]
        others = [e for e in self.model.entries() if e is not entry and header_key(_columns_of(e)) == key]
        return [entry, *others]

    def _mapping_edited(self, path: Path, mapping: Mapping) -> None:
        entry = self.model.entry(path)
        if entry is None:
            return
        for member in self.group_of(entry):  # one mapping per group of files with the same header
            mine = mapping if member is entry else mapping.for_header(_columns_of(member))
            if mine is not None:
                member.mapping = mine
        self.recheck_requested.emit()

    def _convert_requested(self, path: Path, encoding: str) -> None:
        entry = self.model.entry(path)
        if entry is not None:
            entry.convert_from = encoding
            try:  # remembered for this file (path, size, time) across restarts
                FileChoices().remember_encoding(path, encoding)
            except OSError as exc:
                log.warning("The encoding chosen for %s could not be remembered (%s).", path.name, exc)
            self.files_added.emit([entry])  # read again: its format, preview and rows as Windows-1252
            self.recheck_requested.emit()

    def _sheet_chosen(self, path: Path, sheet: str) -> None:
        entry = self.model.entry(path)
        if entry is None:
            return
        log.info("%s: the sheet %r is loaded.", path.name, sheet)
        # Another sheet has its own columns and rows: read it again, then auto-map it (or apply the
        # mapping saved for its header) and check it like a newly added file.
        entry.sheet_choice = entry.sheet = sheet
        try:  # remembered for this workbook (path, size, time) across restarts
            FileChoices().remember_sheet(path, sheet)
        except OSError as exc:
            log.warning("The sheet chosen for %s could not be remembered (%s).", path.name, exc)
        entry.mapping, entry.columns = None, None
        entry.rows, entry.header, entry.preview, entry.parts = None, [], [], 0
        self.model.entry_changed(entry)
        self.files_added.emit([entry])
        self.recheck_requested.emit()

    def current_entry(self) -> FileEntry | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        entry: FileEntry = self.model.data(rows[0], Qt.ItemDataRole.UserRole + 1)
        return entry

    def _rows_changed(self, top: QModelIndex, bottom: QModelIndex, *_roles: object) -> None:
        # The details (preview, findings, mapping) are the selected file's: rebuilt only when its row
        # changed, not on every progress repaint of the list; another file may still join or leave its group.
        rows = self.view.selectionModel().selectedRows()
        if rows and top.row() <= rows[0].row() <= bottom.row():
            self._refresh_details()
        elif rows:
            self._show_group(self.current_entry())

    def _refresh_details(self) -> None:
        entry = self.current_entry()
        self.details.show_entry(entry)
        self._show_group(entry)

    def _show_group(self, entry: FileEntry | None) -> None:
        self.details.mapping.show_group([e.path.name for e in self.group_of(entry)] if entry else [])


def _columns_of(entry: FileEntry) -> list[str]:
    """The file's columns as the last check read them (any encoding or workbook), else as first sniffed."""
    if entry.columns is not None:
        return [c.column for c in entry.columns.mapping.columns]
    return entry.header
