"""The files list: size, rows (counted in the background), format and pre-flight findings per file."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from sfloader_gui.core.load.results import Manifest
from sfloader_gui.core.mapping.model import Mapping
from sfloader_gui.ui.plain import tooltip
from sfloader_gui.ui.table_model import FlatTableModel, Index

if TYPE_CHECKING:  # the bridge imports this module (FindingView)
    from sfloader_gui.ui.load.engine_bridge import FileColumns

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
NOT_CHECKED = "Not checked yet"  # short: the column keeps it whole at the default window size


@dataclass(frozen=True)
class FindingView:
    severity: str  # "error" blocks the file, "warning" does not
    message: str
    code: str = ""  # the engine's finding code ("encoding", "unknown_column", ...)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


@dataclass(frozen=True)
class LoadedMark:
    """The file went to Salesforce in this run (as it was then: same size and modification time)."""

    run_id: str
    folder: Path
    success: int
    failed: int  # failed and unprocessed rows
    size: int
    mtime: float
    fixed: int = 0  # failed rows a later retry loaded

    @property
    def left(self) -> int:
        return max(0, self.failed - self.fixed)


@dataclass
class FileFacts:
    """What reading a file found (off the UI thread): its shape, header, first rows and record count."""

    rows: int | None = None  # None until counted
    delimiter: str = ""
    encoding: str = ""
    line_ending: str = ""
    parts: int = 0
    header: list[str] = field(default_factory=list)
    preview: list[list[str]] = field(default_factory=list)
    read_error: str | None = None  # the file could not be read as CSV at all (known before pre-flight)
    sheets: list[str] = field(default_factory=list)  # a workbook's sheets, in order
    sheet: str = ""  # the workbook sheet these facts were read from


@dataclass(kw_only=True)
class FileEntry(FileFacts):
    """A file in the list: its facts, the last check's findings, the run that sent it, the user's choices."""

    path: Path
    size: int
    findings: list[FindingView] = field(default_factory=list)
    checked: bool = False  # pre-flight ran for the current object / External ID
    loaded: LoadedMark | None = None  # the last run that sent this file
    # Issue 11: the user's choices for this file (kept while it is in the list) and the last check's view.
    convert_from: str | None = None  # "cp1252" after a click on the encoding finding
    mapping: Mapping | None = None  # the mapping the user edited; None: auto-mapping
    sheet_choice: str | None = None  # the workbook sheet the user chose; None: the first
    updates_only_applied: bool = False  # its saved mapping's "Rows only update" was turned on (once only)
    columns: FileColumns | None = None  # the mapping view's content from the last check

    def loaded_now(self) -> LoadedMark | None:
        """The mark, if the file is still what was loaded (an edited file is a new file to load)."""
        if self.loaded is None:
            return None
        try:
            stat = self.path.stat()
        except OSError:
            return None
        same = stat.st_size == self.loaded.size and stat.st_mtime == self.loaded.mtime
        return self.loaded if same else None

    @property
    def errors(self) -> list[FindingView]:
        found = [f for f in self.findings if f.is_error]
        # Once pre-flight has read the file (a workbook, UTF-16, or after "Read as Windows-1252"),
        # its findings replace the quick reader's error.
        if self.read_error and not self.checked and all(f.message != self.read_error for f in found):
            found.insert(0, FindingView("error", self.read_error))
        return found

    @property
    def warnings(self) -> list[FindingView]:
        return [f for f in self.findings if not f.is_error]

    def status_text(self) -> str:
        mark = self.loaded_now()
        if mark is not None and not self.errors:
            # Counts first: the run id is long and the column may cut the end off (the tooltip has it all).
            text = f"Loaded: {mark.success + mark.fixed:,} succeeded"
            if mark.fixed:
                text += f" ({mark.fixed:,} on retry)"
            return text + (f", {mark.left:,} failed" if mark.left else "") + f" — run {mark.run_id}"
        if self.errors:
            n = len(self.errors)
            return f"{n} problem{'s' if n > 1 else ''}: {self.short_message(self.errors[0].message)}"
        if not self.checked:
            return NOT_CHECKED
        if self.warnings:
            n = len(self.warnings)
            return f"Ready, {n} warning{'s' if n > 1 else ''}: {self.short_message(self.warnings[0].message)}"
        return "Ready"

    def short_message(self, message: str) -> str:
        """The row already names the file: drop a leading "<file name>: " from the engine's sentence."""
        return message.removeprefix(f"{self.path.name}: ").removeprefix(f"{self.path.name} ")


def format_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} bytes"


class Col(IntEnum):
    FILE = 0
    SIZE = 1
    ROWS = 2
    FORMAT = 3
    CHECK = 4


HEADERS = ("File", "Size", "Rows", "Format", "Status")  # pre-flight verdict, then "Loaded: ..."


class FilesModel(FlatTableModel):
    """One row per file: size, records, format and pre-flight state."""

    headers = HEADERS

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: list[FileEntry] = []

    def entries(self) -> list[FileEntry]:
        return list(self._entries)

    def paths(self) -> list[Path]:
        return [e.path for e in self._entries]

    def entry(self, path: Path) -> FileEntry | None:
        return next((e for e in self._entries if e.path == path), None)

    def add(self, paths: list[Path]) -> list[FileEntry]:
        new = [FileEntry(path=p, size=p.stat().st_size) for p in paths]
        if new:
            first = len(self._entries)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            self._entries.extend(new)
            self.endInsertRows()
        return new

    def remove_rows(self, rows: list[int]) -> None:
        for row in sorted(set(rows), reverse=True):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._entries[row]
            self.endRemoveRows()

    def clear(self) -> None:
        self.beginResetModel()
        self._entries = []
        self.endResetModel()

    def entry_changed(self, entry: FileEntry) -> None:
        # By identity: list.index compares entries field by field (paths, previews), and two entries
        # may be equal.
        row = next(i for i, e in enumerate(self._entries) if e is entry)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))

    def mark_loaded(self, manifest: Manifest, folder: Path) -> list[FileEntry]:
        """Mark the listed files a run sent, with their counts from its manifest; returns them."""
        counts: dict[str, list[int]] = {}
        for job in manifest["jobs"]:
            c = counts.setdefault(job["file"], [0, 0])
            c[0] += job["records_processed"] - job["records_failed"]
            c[1] += job["records_failed"] + job["records_unprocessed"]
        sizes = {f["path"]: f for f in manifest["files"]}
        # The manifest names the paths this list handed to the run, so the same string is the same file;
        # only another spelling is resolved (a few file-system calls per path, on the UI thread).
        resolved: dict[Path, str] | None = None
        marked = []
        for entry in self._entries:
            key = str(entry.path)
            if key not in counts or key not in sizes:
                if resolved is None:
                    resolved = {Path(k).resolve(): k for k in counts.keys() & sizes.keys()}
                key = resolved.get(entry.path.resolve(), key)
            if key in counts and key in sizes:
                info = sizes[key]
                entry.loaded = LoadedMark(
                    manifest["run_id"] or folder.name, folder, counts[key][0], counts[key][1],
                    info["size"] or entry.size, info["mtime"],
                )  # fmt: skip
                marked.append(entry)
        if marked:  # one signal for the run's files, not one repaint (and details refresh) per file
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._entries) - 1, len(HEADERS) - 1))
        return marked

    def mark_fixed(self, folder: Path, fixed_by_source: dict[str, int]) -> None:
        """A retry of ``folder`` loaded some of its failed rows: the files' counts follow."""
        for entry in self._entries:
            if entry.loaded is not None and entry.loaded.folder == folder:
                entry.loaded = replace(entry.loaded, fixed=fixed_by_source.get(entry.path.name, 0))
                self.entry_changed(entry)

    def mark_unchecked(self) -> None:
        for e in self._entries:
            e.checked = False
            e.findings = []
        if self._entries:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._entries) - 1, len(HEADERS) - 1))

    # -- Qt model API --------------------------------------------------------------------------------------
    def row_count(self) -> int:
        return len(self._entries)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self._entries[index.row()]
        col = Col(index.column())
        if role == ENTRY_ROLE:
            return entry
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(entry, col)
        if role == Qt.ItemDataRole.ToolTipRole:  # names, headers and findings quote the file: never HTML
            return tooltip(self._tooltip(entry, col))
        if role == Qt.ItemDataRole.ForegroundRole and col is Col.CHECK:
            mark = entry.loaded_now()
            if mark is not None and not entry.errors:
                return QBrush(QColor("#b3261e" if mark.left else "#1b7a3d"))
            if entry.errors:
                return QBrush(QColor("#b3261e"))
            if entry.warnings:
                return QBrush(QColor("#8a5300"))
            if entry.checked:
                return QBrush(QColor("#1b7a3d"))
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (Col.SIZE, Col.ROWS):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @classmethod
    def _tooltip(cls, entry: FileEntry, col: Col) -> str:
        if col is Col.FILE:
            return str(entry.path)
        if col is Col.CHECK and entry.findings:
            return "\n".join(f"{f.severity.title()}: {f.message}" for f in entry.findings)
        if col is Col.CHECK and entry.status_text() == NOT_CHECKED:
            return "Pre-flight checks the file once the object and the External ID field are chosen."
        mark = entry.loaded_now()
        if mark is not None:
            more = " Double-click to review its failed records." if mark.left else ""
            return f"Loaded in run {mark.run_id} ({mark.folder}).{more}"
        return cls._text(entry, col)

    @staticmethod
    def _text(entry: FileEntry, col: Col) -> str:
        if col is Col.FILE:
            return entry.path.name
        if col is Col.SIZE:
            return format_size(entry.size)
        if col is Col.ROWS:
            return "counting…" if entry.rows is None else f"{entry.rows:,}"
        if col is Col.FORMAT:
            bits = [entry.delimiter, entry.encoding, entry.line_ending]
            if entry.parts > 1:
                bits.append(f"{entry.parts} parts")
            return ", ".join(b for b in bits if b) or "detecting…"
        return entry.status_text()
