"""Inspects added files; runs the engine's plan + pre-flight in the background whenever the inputs change."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from sfloader_gui.core.load.plan import LoadPlan
from sfloader_gui.core.models import LoadOptions
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.ui.files.files_model import FileEntry, FileFacts, FilesModel
from sfloader_gui.ui.files.mapping_view import MAPPING_CODES
from sfloader_gui.ui.load import engine_bridge as engine
from sfloader_gui.ui.tasks import BackgroundTasks

DEBOUNCE_MS = 150  # typing in a picker or adding many files triggers one check, not dozens


class FileChecker(QObject):
    """Signals:
    changed(): file facts or pre-flight results changed (the window re-evaluates Load).
    updates_only_remembered(str): a file got the mapping saved for its header, saved with "Rows only update
        existing records" on (the file's name): the window turns that on (once per file: the user may
        turn it off again).
    """

    changed = Signal()
    updates_only_remembered = Signal(str)

    def __init__(self, tasks: BackgroundTasks, model: FilesModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        # Reading whole files (row counts) gets its own two threads: a few big files must not delay
        # describe calls or the pre-flight of the current choice.
        self._readers = BackgroundTasks(max_threads=2, parent=self)
        self._model = model
        self._conn: SalesforceConnection | None = None
        self._inputs: tuple[str, str, LoadOptions | None] = ("", "", None)
        self._generation = 0
        self._plan: LoadPlan | None = None
        self._checking = False
        self._error = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._run_check)

    def set_connection(self, conn: SalesforceConnection | None) -> None:
        self._conn = conn

    # -- per-file facts ------------------------------------------------------------------------------------
    def inspect(self, entries: list[FileEntry]) -> None:
        for entry in entries:
            path, sheet, encoding = entry.path, entry.sheet_choice, entry.convert_from
            self._readers.submit(
                lambda p=path, s=sheet, c=encoding: engine.inspect_file(p, s, c),  # type: ignore[misc]
                lambda facts, e=entry: self._facts_arrived(e, facts),  # type: ignore[misc]
                lambda message, e=entry: self._facts_failed(e, message),  # type: ignore[misc]
            )

    def _facts_arrived(self, entry: FileEntry, facts: FileFacts) -> None:
        if self._model.entry(entry.path) is not entry:
            return  # removed meanwhile
        if facts.sheet and entry.sheet_choice not in (None, facts.sheet):
            return  # read from a sheet the user has since left; the new sheet's facts are on their way
        entry.rows, entry.delimiter, entry.encoding = facts.rows, facts.delimiter, facts.encoding
        entry.line_ending, entry.header, entry.preview = facts.line_ending, facts.header, facts.preview
        entry.read_error, entry.sheets, entry.sheet = facts.read_error, facts.sheets, facts.sheet
        self._model.entry_changed(entry)
        self.changed.emit()

    def _facts_failed(self, entry: FileEntry, message: str) -> None:
        if self._model.entry(entry.path) is entry:
            entry.delimiter, entry.rows = "unreadable", 0
            entry.read_error = f"{entry.path.name} could not be read: {message}"
            self._model.entry_changed(entry)
            self.changed.emit()

    # -- pre-flight ----------------------------------------------------------------------------------------
    def recheck(self) -> None:
        """Check again with the same inputs (after the user changed a file's mapping or encoding)."""
        if self._inputs[2] is not None:
            self.schedule(*self._inputs)

    def schedule(self, object_name: str, external_id: str, options: LoadOptions | None) -> None:
        self._inputs = (object_name, external_id, options)
        self._generation += 1
        self._plan, self._error = None, ""
        self._model.mark_unchecked()
        self._timer.start()
        self.changed.emit()

    def _run_check(self) -> None:
        object_name, external_id, options = self._inputs
        paths: list[Path] = self._model.paths()
        if self._conn is None or not object_name or not external_id or options is None or not paths:
            self._checking = False
            self.changed.emit()
            return
        generation, conn = self._generation, self._conn
        self._checking = True
        entries = self._model.entries()
        encodings = {e.path: e.convert_from for e in entries if e.convert_from}
        mappings = {e.path: e.mapping for e in entries if e.mapping is not None}
        sheets = {e.path: e.sheet_choice for e in entries if e.sheet_choice}
        self._tasks.submit(
            lambda: engine.check_files(conn, paths, options, encodings, mappings, sheets),
            lambda result: self._check_done(generation, result),
            lambda message: self._check_failed(generation, message),
        )
        self.changed.emit()

    def _check_done(self, generation: int, result: engine.CheckResult) -> None:
        if generation != self._generation:
            return
        self._checking = False
        self._plan = result.plan
        remembered = ""
        for entry in self._model.entries():
            if entry.path in result.updates_only and not entry.updates_only_applied:
                entry.updates_only_applied, remembered = True, entry.path.name
            entry.findings = result.findings.get(entry.path, [])
            entry.columns = result.columns.get(entry.path)
            entry.checked = True
            facts = result.facts.get(entry.path)
            if facts is not None:
                entry.parts = facts.parts
                if facts.rows is not None:
                    entry.rows = facts.rows
            read_as = entry.columns.encoding if entry.columns is not None else ""
            if read_as in engine.CONVERTED_LABELS:  # the quick sniff saw only the start of the file
                entry.encoding = engine.CONVERTED_LABELS[read_as]
            self._model.entry_changed(entry)
        self.changed.emit()
        if remembered:
            self.updates_only_remembered.emit(remembered)

    def _check_failed(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self._checking = False
        self._error = message
        self.changed.emit()

    # -- answers for the window ----------------------------------------------------------------------------
    @property
    def has_errors(self) -> bool:
        return bool(self._error) or any(e.errors for e in self._model.entries())

    def blocking_reason(self) -> str:
        for entry in self._model.entries():
            if entry.errors:
                first = entry.errors[0]
                if first.code in MAPPING_CODES:  # a choice comes first: the Columns tab settles it
                    text = entry.short_message(first.message)
                    where = "" if "Columns tab" in text else " Decide it in the Columns tab."
                    return f"{entry.path.name}: {text}{where}"
                return (
                    f"{entry.path.name} cannot be loaded: {entry.short_message(first.message)} "
                    "Fix the file or remove it from the list."
                )
        if self._error:
            return f"The files could not be checked: {self._error}"
        if self._checking or self._timer.isActive() or self._plan is None:
            return "Checking the files…"
        return ""

    def current_plan(self) -> LoadPlan | None:
        return self._plan

    @property
    def busy(self) -> bool:
        return self._checking or self._timer.isActive() or self._readers.busy

    def stop(self) -> None:
        self._timer.stop()
        self._generation += 1
        self._readers.wait()
