"""The failed-rows table: a QAbstractTableModel over the session's lazy index and a visible-rows array."""

from __future__ import annotations

from array import array
from collections import OrderedDict
from functools import lru_cache
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from sfloader_gui.core.review.errors import RowError
from sfloader_gui.core.review.explain import error_columns, explain
from sfloader_gui.core.review.retry import Outcome, RetryOutcomes
from sfloader_gui.core.review.session import ReviewSession, RowInfo
from sfloader_gui.core.review.sourcejoin import JoinStatus
from sfloader_gui.ui.plain import tooltip

INFO_HEADERS = ["Outcome", "Source file", "Row", "Job ID", "Error code", "Message", "Fields", "What it means"]
OUTCOME, SOURCE, ROW, JOB, CODE, MESSAGE, FIELDS, EXPLAIN = range(len(INFO_HEADERS))
# As the workbench shows them, after the row's own values: what happened to it and why in plain words,
# then Salesforce's text and where the row came from.
SHOWN_ORDER = (OUTCOME, EXPLAIN, CODE, MESSAGE, FIELDS, SOURCE, ROW, JOB)
CACHE_ROWS = 4000  # parsed rows kept: a few screens of scrolling; the file is re-read beyond that

_EDITED = QBrush(QColor("#fff4c2"))
_OK = QBrush(QColor("#dcf2dc"))
_BAD = QBrush(QColor("#f8dcdc"))
_MUTED = QBrush(QColor("#888888"))
_NAMED = QBrush(QColor("#ffd6cc"))  # the cell the error is about
AnyIndex = QModelIndex | QPersistentModelIndex
_READ_ONLY = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_EDITABLE = _READ_ONLY | Qt.ItemFlag.ItemIsEditable
_FIRST_DATA = len(INFO_HEADERS)


@lru_cache(maxsize=4096)  # a few distinct errors repeat on many rows; sorting asks for every row
def plain_words(error: RowError) -> str:
    """The one-line meaning and fix shown next to Salesforce's text ("" for codes without one)."""
    plain = explain(error)
    return plain.line() if plain else ""


class FailuresModel(QAbstractTableModel):
    """Rows are global row numbers of the session; only visible rows are parsed, and only once each.

    Signals:
        edit_not_saved(str): an edit could not be written to the working copy (read-only folder, full disk).
    """

    edit_not_saved = Signal(str)

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session
        self.rows: array[int] = array("q", range(session.row_count))
        self.outcomes: RetryOutcomes | None = None
        self._cache: OrderedDict[int, tuple[RowInfo, list[str]]] = OrderedDict()
        self._named: dict[RowError, frozenset[int]] = {}  # model columns each distinct error names

    # ----- shape -------------------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(INFO_HEADERS) + len(self.session.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal:
            note = self.session.column_note(self.column_name(section)) if section >= _FIRST_DATA else ""
            return tooltip(note) if note else None
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return self.column_name(section)

    def column_name(self, section: int) -> str:
        if section < len(INFO_HEADERS):
            return INFO_HEADERS[section]
        return self.session.columns[section - len(INFO_HEADERS)]

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        # Called for every cell Qt paints or checks: constants, no enum arithmetic per call.
        if index.column() < _FIRST_DATA:
            return _READ_ONLY
        if self.session.has_views and self.session.read_only_now(self.row_data(index.row())[0].file_index):
            return _READ_ONLY  # a mapped file's row until its source row is read (edits are of its values)
        return _EDITABLE

    # ----- content -----------------------------------------------------------------------------------
    def row_data(self, position: int) -> tuple[RowInfo, list[str]]:
        row = self.rows[position]
        hit = self._cache.get(row)
        if hit is None:
            hit = self.session.bundle(row)
            self._cache[row] = hit
            if len(self._cache) > CACHE_ROWS:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(row)
        return hit

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(index.row(), col)
        if role == Qt.ItemDataRole.EditRole:  # the file's own value, never the "→ as sent" beside it
            return self._text(index.row(), col, sent=False)
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._background(index.row(), col)
        if role == Qt.ItemDataRole.ToolTipRole:  # values and Salesforce's messages: text, never HTML
            tip = self._tooltip(index.row(), col)
            return tooltip(tip) if tip else tip
        if role == Qt.ItemDataRole.ForegroundRole and col == ROW:
            return _MUTED if self.row_data(index.row())[0].source_row is None else None
        return None

    def _text(self, position: int, col: int, *, sent: bool = True) -> str:
        info, values = self.row_data(position)
        if col >= len(INFO_HEADERS):
            i = col - len(INFO_HEADERS)
            edited = i in info.sent and self.session.is_edited(self.rows[position], self.column_name(col))
            if sent and i in info.sent and not edited:
                return f"{values[i]} → {info.sent[i]}"  # converted: the file's value, then what was sent
            return values[i]
        if col == OUTCOME:
            found = self.outcomes.outcome(info.external_id) if self.outcomes else None
            return found[0].value if found else ("Not processed" if info.kind == "unprocessed" else "Failed")
        if col == ROW:
            return ", ".join(map(str, info.source_rows)) or "—"
        return {
            SOURCE: info.source,
            JOB: info.job_id,
            CODE: info.error.code,
            MESSAGE: info.error.message,
            FIELDS: info.error.fields,
            EXPLAIN: plain_words(info.error),
        }[col]

    def named_columns(self, error: RowError) -> frozenset[int]:
        """Model columns of the data cells an error is about (a few distinct errors, many rows)."""
        hit = self._named.get(error)
        if hit is None:
            names = set(error_columns(error, self.session.columns))
            if self.session.has_views:  # a mapped file's column is named by the field it was sent as
                aliases = self.session.field_columns()
                names.update(c for n in error_columns(error, list(aliases)) for c in aliases[n])
            hit = frozenset(self.session.columns.index(n) + _FIRST_DATA for n in names)
            self._named[error] = hit
        return hit

    def _background(self, position: int, col: int) -> QBrush | None:
        info, _ = self.row_data(position)
        if col == OUTCOME and self.outcomes is not None:
            found = self.outcomes.outcome(info.external_id)
            if found:
                return _OK if found[0] is Outcome.SUCCEEDED else _BAD
        if col >= len(INFO_HEADERS):
            if self.session.is_edited(self.rows[position], self.column_name(col)):
                return _EDITED
            if col in self.named_columns(info.error):
                return _NAMED
        return None

    def _tooltip(self, position: int, col: int) -> str | None:
        info, _ = self.row_data(position)
        if col >= len(INFO_HEADERS) and self.session.is_edited(self.rows[position], self.column_name(col)):
            original = self.session.original_values(self.rows[position])[col - len(INFO_HEADERS)]
            where = "The file has" if info.from_source else "Salesforce returned"
            return f"Edited. {where}: {original!r}"
        if col in (CODE, MESSAGE, FIELDS, EXPLAIN) or (
            col >= _FIRST_DATA and col in self.named_columns(info.error)
        ):
            e = info.error
            plain = plain_words(e)
            return (
                f"{e.code}: {e.message}"
                + (f"\nFields: {e.fields}" if e.fields else "")
                + (f"\n\n{plain}" if plain else "")
                + (f"\n\n{self._sent_note(position, col)}" if col - _FIRST_DATA in info.sent else "")
            )
        if col - _FIRST_DATA in info.sent:
            return self._sent_note(position, col)
        if col == ROW and len(info.source_rows) > 1:
            return (
                f"{info.external_id} is on {len(info.source_rows)} rows of the source file: a duplicate key."
            )
        if col == ROW and info.source_row is None:
            join = self.session.join_for(info.file_index)
            if join is None:  # a results CSV opened on its own, or a source the manifest does not describe
                return "No run manifest: rows cannot be joined to a source file."
            if join.status is JoinStatus.PENDING:
                return "Indexing the source file…"
            return join.message or "This External ID is not in the source file."
        if col == OUTCOME and self.outcomes is not None:
            found = self.outcomes.outcome(info.external_id)
            if found:
                return f"{found[0].value} in run {found[1]}" + (f"\n{found[2]}" if found[2] else "")
        return None

    def _sent_note(self, position: int, col: int) -> str:
        info, values = self.row_data(position)
        i = col - _FIRST_DATA
        return f"The file has {values[i]}; it was sent to Salesforce as {info.sent[i]} (converted)."

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() < len(INFO_HEADERS):
            return False
        row = self.rows[index.row()]
        try:
            self.session.set_value(row, self.column_name(index.column()), str(value))
        except OSError as exc:  # the edit is kept in memory; the user must know it is not on disk
            self.edit_not_saved.emit(f"Your edit is kept for now but could not be saved: {exc}")
        self._cache.pop(row, None)
        self.dataChanged.emit(index, index)
        return True

    # ----- whole-model changes -----------------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the visible rows by any column (reads that column for every row once)."""
        from sfloader_gui.ui.failures.sorter import key_for

        key = key_for(self.session, column, self.outcomes)
        ordered = sorted(self.rows, key=key, reverse=order == Qt.SortOrder.DescendingOrder)
        self.layoutAboutToBeChanged.emit()
        self.rows = array("q", ordered)
        self.layoutChanged.emit()

    def set_rows(self, rows: array[int]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def refresh(self) -> None:
        """Joins or retry outcomes changed: drop parsed rows and repaint."""
        self._cache.clear()
        if self.rows:
            top = self.index(0, 0)
            bottom = self.index(len(self.rows) - 1, self.columnCount() - 1)
            self.dataChanged.emit(top, bottom)

    def global_rows(self, positions: list[tuple[int, int]]) -> list[int]:
        """Global rows for selection ranges (top, bottom) of the view, in view order."""
        out: list[int] = []
        for top, bottom in positions:
            out.extend(self.rows[top : bottom + 1])
        return out
