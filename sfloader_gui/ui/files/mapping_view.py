"""The mapping view of one file (or group of files with the same header): columns, samples, fields, status.

It only shows what the engine's check found (``engine_bridge.FileColumns``) and reports the user's
choices; the files panel applies a change to every file of the group and the window checks them again.
What still blocks the load (a column to decide, a required field or the External ID not mapped) is shown
above the table, and the required fields still missing come first in each field picker.
"""

from __future__ import annotations

import zoneinfo
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QCompleter,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sfloader_gui.core.mapping.preview import FieldChoice
from sfloader_gui.core.mapping.sdl import SdlError, apply_sdl, read_sdl, write_sdl
from sfloader_gui.core.models import ValueChoices
from sfloader_gui.ui.files.files_model import FileEntry

NOT_SENT = "(not sent)"
MISSING_MARK = "★ "  # a required field no column is sent to yet
# Findings the user settles in this view (the rest are about the file's values or its form).
MAPPING_CODES = frozenset({"unknown_column", "required_missing", "external_id_not_mapped"})
DATE_ORDERS = [("Date order: from the file", None), ("Month/day/year", "MDY"), ("Day/month/year", "DMY"),
               ("Year/month/day", "YMD")]  # fmt: skip
_ENCODING_NAMES = {"cp1252": "Windows-1252 (sent as UTF-8)", "latin-1": "Latin-1 (sent as UTF-8)"}
DECIMALS = [("Decimal separator: from the file", None), ("Decimal point (1,234.50)", "."),
            ("Decimal comma (1.234,50)", ",")]  # fmt: skip


class MappingView(QWidget):
    """Signals:
    mapping_edited(Path, Mapping): the user placed or ignored a column, or loaded an .sdl.
    convert_requested(Path, str): read this file as that encoding ("cp1252").
    choices_changed(): date order, decimal separator or time zone changed (for every file).
    """

    mapping_edited = Signal(object, object)
    convert_requested = Signal(object, str)
    choices_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entry: FileEntry | None = None
        self._shown: tuple[object, ...] | None = None
        # The column whose picker had the focus when the table was rebuilt, and where Qt put the focus
        # then: the rebuilt picker gets it back unless the user has gone elsewhere meanwhile.
        self._refocus: tuple[str, QWidget | None] | None = None
        self.summary = QLabel("Select a file to see how its columns are sent.")
        self.summary.setWordWrap(True)
        self.group = QLabel()  # "shared by N files with these columns"
        self.group.setObjectName("mappingGroup")
        self.group.setTextFormat(Qt.TextFormat.PlainText)  # file names: text, never HTML
        self.group.setWordWrap(True)
        self.group.hide()
        self.problem = QLabel()  # what still blocks the load, as pre-flight says it
        self.problem.setObjectName("mappingProblem")
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b3261e;")
        self.problem.hide()
        self.convert_button = QPushButton("Read as &Windows-1252")
        self.convert_button.setToolTip(
            "Convert this file to UTF-8 while sending it (the file is not changed)."
        )
        self.convert_button.clicked.connect(self._convert)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Column", "Samples", "Field", "Status", "Sent as"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.date_order = QComboBox()
        for text, value in DATE_ORDERS:
            self.date_order.addItem(text, value)
        self.decimal = QComboBox()
        for text, value in DECIMALS:
            self.decimal.addItem(text, value)
        self.time_zone = QComboBox()
        self.time_zone.addItem("Time zone: this computer's", None)
        for name in sorted(zoneinfo.available_timezones()):
            self.time_zone.addItem(name, name)
        self.time_zone.setEditable(True)
        tz_completer = self.time_zone.completer()
        if tz_completer is not None:
            tz_completer.setFilterMode(Qt.MatchFlag.MatchContains)
            tz_completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        for choice in (self.date_order, self.decimal, self.time_zone):
            choice.currentIndexChanged.connect(lambda _i: self.choices_changed.emit())
        self.updates_only = QCheckBox("Rows only &update existing records")
        self.updates_only.setToolTip(
            "Every row's External ID is already in Salesforce: required fields the file does not have\n"
            "are not needed (a row that would create a record fails). Off: they must be mapped."
        )
        self.updates_only.toggled.connect(lambda _on: self.choices_changed.emit())
        self.save_button = QPushButton("&Save mapping…")
        self.save_button.clicked.connect(self._save_clicked)
        self.load_button = QPushButton("L&oad mapping…")
        self.load_button.clicked.connect(self._load_clicked)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.convert_button)
        choices = QHBoxLayout()
        for w in (self.date_order, self.decimal, self.time_zone):
            choices.addWidget(w)
        buttons = QHBoxLayout()
        buttons.addWidget(self.updates_only)  # here, not with the choices: the window keeps 1280 px
        buttons.addStretch(1)
        buttons.addWidget(self.load_button)
        buttons.addWidget(self.save_button)
        box = QVBoxLayout(self)
        box.addLayout(top)
        box.addWidget(self.group)
        box.addWidget(self.problem)
        box.addLayout(choices)
        box.addWidget(self.table, 1)
        box.addLayout(buttons)
        self.show_entry(None)

    # -- what the window reads -------------------------------------------------------------------------------
    def choices(self) -> ValueChoices:
        tz = self.time_zone.currentData()
        return {"date_format": self.date_order.currentData(), "decimal_separator": self.decimal.currentData(),
                "time_zone": tz, "allow_missing_required": self.updates_only.isChecked()}  # fmt: skip

    def show_group(self, names: list[str]) -> None:
        """The files that share this mapping (the selected one first); one file: no line."""
        self.group.setVisible(len(names) > 1)
        if len(names) > 1:
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            self.group.setText(
                f"One mapping for {len(names)} files with these columns ({shown}): a change here applies "
                "to all of them."
            )

    # -- showing a file --------------------------------------------------------------------------------------
    def show_entry(self, entry: FileEntry | None) -> None:
        cols = entry.columns if entry is not None else None
        findings = tuple(entry.findings) if entry is not None else ()
        shown = (id(entry), id(cols), findings)
        if shown == self._shown:
            return  # the list repaints often during a load: rebuild only when the file's check changed
        self._shown = shown
        self.entry = entry
        self._forget_pickers()
        encoding_problem = entry is not None and any(f.code == "encoding" for f in entry.findings)
        self.convert_button.setVisible(bool(encoding_problem))
        self.save_button.setEnabled(cols is not None)
        self.load_button.setEnabled(cols is not None)
        # The columns to decide are in the summary; the fields still to map are said here, in short.
        blocking = (
            [
                entry.short_message(f.message).split(". ")[0].rstrip(".")
                for f in entry.errors
                if f.code in ("external_id_not_mapped", "required_missing")
            ]
            if entry is not None
            else []
        )
        self.problem.setVisible(bool(blocking))
        self.problem.setText("Load waits: " + "; ".join(blocking) + "." if blocking else "")
        if entry is None or cols is None:
            self.summary.setText(
                "Select a file to see how its columns are sent." if entry is None
                else "The columns show once the file is checked (choose the object and External ID)."
            )  # fmt: skip
            if encoding_problem:
                self.summary.setText(f"{entry.path.name} is not UTF-8: read it as Windows-1252 to check it.")  # type: ignore[union-attr]
            return
        needs = [c for c in cols.columns if c.how == "unmatched"]
        ignored = [c for c in cols.columns if c.how in ("ignored", "unlisted")]
        sent = len(cols.columns) - len(needs) - len(ignored)
        text = f"{sent} column(s) sent, {len(ignored)} not sent"
        text += f", {len(needs)} need a choice: pick a field or “{NOT_SENT}”." if needs else "."
        if cols.encoding not in ("utf-8", "workbook"):  # a workbook says so in the Format column already
            text += f" Read as {_ENCODING_NAMES.get(cols.encoding, cols.encoding)}."
        self.summary.setText(text)
        self.table.setRowCount(len(cols.columns))
        labels = {f.name: f.label for f in cols.fields}
        for row, c in enumerate(cols.columns):
            self.table.setItem(row, 0, QTableWidgetItem(c.column))
            self.table.setItem(row, 1, QTableWidgetItem(", ".join(c.samples)))
            picker = self._picker(c.column, c.target, cols.fields, c.suggestions, c.how == "unmatched")
            self.table.setCellWidget(row, 2, picker)
            status = c.status + (f" ({c.kind}: {c.choice})" if c.kind and c.choice else "")
            if c.how == "unmatched" and c.suggestions:
                status += " — maybe " + ", ".join(labels.get(s, s) for s in c.suggestions)
            self.table.setItem(row, 3, QTableWidgetItem(status))
            arrows = [f"{a} → {b}" if a != b else a for a, b in zip(c.samples, c.sent, strict=False)]
            self.table.setItem(
                row, 4, QTableWidgetItem("; ".join(arrows) if c.sent or not c.samples else "—")
            )
        self.table.resizeColumnsToContents()
        for col, most in ((1, 200), (2, 260)):  # samples and long field names stay readable, not endless
            self.table.setColumnWidth(col, min(self.table.columnWidth(col), most))
        self._focus_again()

    def _forget_pickers(self) -> None:
        """Empty the table; a picker that had the focus is remembered (a choice made in it re-checks the
        file and rebuilds the table: the focus must not fall to the window's first button)."""
        focus = QApplication.focusWidget()
        picker = focus.parentWidget() if focus is not None and not isinstance(focus, QComboBox) else focus
        had_focus = isinstance(picker, QComboBox) and self.table.isAncestorOf(picker)
        column = str(picker.property("column")) if had_focus and picker is not None else ""
        self.table.setRowCount(0)
        if had_focus:
            self._refocus = (column, QApplication.focusWidget())

    def _focus_again(self) -> None:
        if self._refocus is None:
            return
        column, fallback = self._refocus
        self._refocus = None
        if QApplication.focusWidget() is not fallback:
            return  # the user moved on while the file was checked again
        try:
            self.picker_for(column).setFocus(Qt.FocusReason.OtherFocusReason)
        except KeyError:
            pass

    def _picker(
        self,
        column: str,
        target: str | None,
        fields: list[FieldChoice],
        suggestions: tuple[str, ...],
        unmatched: bool = False,
    ) -> QComboBox:
        box = QComboBox()
        box.setEditable(True)
        box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        box.addItem(NOT_SENT, None)
        for f in fields:  # the required fields still missing come first (field_choices sorts them)
            mark = MISSING_MARK if f.missing else ""
            box.addItem(f"{mark}{f.label} ({f.name})", f.name)
            if f.missing:
                box.setItemData(
                    box.count() - 1, "Required: no column is sent to it yet", Qt.ItemDataRole.ToolTipRole
                )
        if target is not None and box.findData(target) < 0:
            box.addItem(target, target)  # a relationship column (Account.External_Id__c)
        # A column waiting for a choice shows none: "(not sent)" there read as chosen while Load waited.
        box.setCurrentIndex(-1 if unmatched else box.findData(target) if target is not None else 0)
        edit = box.lineEdit()
        if edit is not None:  # a long name shows its start ("Shipment Number (Ship…"), not its end
            edit.setCursorPosition(0)
            if unmatched:
                edit.setPlaceholderText(f"Pick a field or {NOT_SENT}")
        if target is None and suggestions:
            box.setToolTip("Suggestions: " + ", ".join(suggestions))
        completer = box.completer()
        if completer is not None:  # search labels and API names anywhere in the text
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        box.setProperty("column", column)
        box.activated.connect(lambda _i, b=box: self.pick(str(b.property("column")), b.currentData()))
        return box

    def picker_for(self, column: str) -> QComboBox:
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.text() == column:
                box = self.table.cellWidget(row, 2)
                assert isinstance(box, QComboBox)
                return box
        raise KeyError(column)

    # -- the user's choices ----------------------------------------------------------------------------------
    def pick(self, column: str, target: str | None) -> None:
        """Send ``column`` to the field ``target`` (None: not sent)."""
        if self.entry is None or self.entry.columns is None:
            return
        base = self.entry.mapping or self.entry.columns.mapping
        self.mapping_edited.emit(self.entry.path, base.with_target(column, target))

    def _convert(self) -> None:
        if self.entry is not None:
            self.convert_requested.emit(self.entry.path, "cp1252")

    def save_sdl(self, path: Path) -> Path:
        assert self.entry is not None and self.entry.columns is not None
        mapping = self.entry.mapping or self.entry.columns.mapping
        return write_sdl(mapping, path, f"sfloader mapping for {self.entry.path.name}")

    def load_sdl(self, path: Path) -> None:
        assert self.entry is not None and self.entry.columns is not None
        header = [c.column for c in self.entry.columns.mapping.columns]
        mapping, _notes = apply_sdl(header, read_sdl(path))
        self.mapping_edited.emit(self.entry.path, mapping)

    def _save_clicked(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Save mapping", "", "Data Loader mapping (*.sdl)")
        if name:
            try:
                self.save_sdl(Path(name))
            except (OSError, FileExistsError) as exc:
                self.summary.setText(f"The mapping could not be saved: {exc}")

    def _load_clicked(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Load mapping", "", "Data Loader mapping (*.sdl)")
        if name:
            try:
                self.load_sdl(Path(name))
            except SdlError as exc:
                self.summary.setText(str(exc))
