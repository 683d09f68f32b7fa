"""The jobs table: one row per part, updated row by row from worker events."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QObject,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from sfloader_gui.core.models import EventKind, JobEvent, JobOutcome, JobState, PartRef
from sfloader_gui.ui.plain import tooltip
from sfloader_gui.ui.table_model import FlatTableModel, Index

STATE_LABELS = {
    JobState.QUEUED: "Queued",
    JobState.OPEN: "Uploading",
    JobState.UPLOAD_COMPLETE: "Waiting for Salesforce",
    JobState.IN_PROGRESS: "Processing",
    JobState.JOB_COMPLETE: "Complete",
    JobState.FAILED: "Failed",
    JobState.ABORTED: "Aborted",
    JobState.TIMED_OUT: "Timed out",
    JobState.CANCELLED: "Cancelled",
    JobState.ERROR: "Error",
}
_GOOD = QColor("#1b7a3d")
_BAD = QColor("#b3261e")
_MUTED = QColor("#6b6b6b")
_WARN = QColor("#8a5300")


class Col(IntEnum):
    FILE = 0
    PART = 1
    JOB_ID = 2
    STATE = 3
    PROGRESS = 4
    PROCESSED = 5
    FAILED = 6
    ELAPSED = 7
    ERROR = 8


HEADERS = ("File", "Part", "Job ID", "State", "Progress", "Processed", "Failed", "Elapsed", "Error")
# Custom roles: the row object (tests, delegates) and the progress fraction (0-100 or -1 for none).
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass
class JobRow:
    ref: PartRef
    rows: int = 0
    state: JobState = JobState.QUEUED
    job_id: str | None = None
    bytes_sent: int = 0
    bytes_total: int = 0
    processed: int = 0
    failed: int = 0
    error: str | None = None
    started_at: float | None = None
    ended_at: float | None = None

    def elapsed(self, now: float) -> float | None:
        if self.started_at is None:
            return None
        return (self.ended_at or now) - self.started_at

    def progress(self) -> int:
        """Upload progress first, then records processed out of the part's rows; -1 when not started."""
        if self.state is JobState.QUEUED:
            return -1
        if self.state is JobState.OPEN and self.bytes_total:
            return min(100, self.bytes_sent * 100 // self.bytes_total)
        if self.state.is_success:
            return 100
        if self.rows and self.state in (JobState.UPLOAD_COMPLETE, JobState.IN_PROGRESS):
            return min(100, self.processed * 100 // self.rows)
        return -1

    def progress_text(self) -> str:
        if self.state is JobState.OPEN:
            return f"Uploading {self.progress()}%" if self.bytes_total else "Uploading"
        if self.state in (JobState.UPLOAD_COMPLETE, JobState.IN_PROGRESS):
            return (
                f"{self.processed:,} of {self.rows:,} records" if self.rows else f"{self.processed:,} records"
            )
        if self.state.is_terminal and self.state is not JobState.CANCELLED:
            return f"{self.processed:,} records" if self.processed or self.rows else ""
        return ""


def format_elapsed(seconds: float | None) -> str:
    if seconds is None:
        return ""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


class JobsModel(FlatTableModel):
    """Rows are set once per run (``set_parts``); each event changes one row and emits its ``dataChanged``."""

    headers = HEADERS

    def __init__(self, parent: QObject | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self._rows: list[JobRow] = []
        self._index: dict[str, int] = {}
        self._clock = clock

    # -- filling -------------------------------------------------------------------------------------------
    def set_parts(self, parts: list[tuple[PartRef, int]]) -> None:
        """One row per (part, record count), all Queued."""
        self.beginResetModel()
        self._rows = [JobRow(ref=ref, rows=rows) for ref, rows in parts]
        self._index = {row.ref.key: i for i, row in enumerate(self._rows)}
        self.endResetModel()

    def rows(self) -> list[JobRow]:
        return list(self._rows)

    def row_for(self, ref: PartRef) -> JobRow | None:
        i = self._index.get(ref.key)
        return None if i is None else self._rows[i]

    def apply_event(self, event: JobEvent) -> None:
        found = self._moved(event.part, event.state, event.job_id)
        if found is None:
            return
        i, row = found
        if event.kind is EventKind.UPLOAD_PROGRESS:
            row.bytes_sent, row.bytes_total = event.bytes_sent, event.bytes_total
        elif event.kind is EventKind.PROCESSING:
            row.processed, row.failed = event.records_processed, event.records_failed
        if event.error_message:
            row.error = event.error_message
        self.row_changed(i)

    def apply_outcome(self, outcome: JobOutcome) -> None:
        found = self._moved(outcome.part, outcome.state, outcome.job_id)
        if found is None:
            return
        i, row = found
        row.processed, row.failed = outcome.records_processed, outcome.records_failed
        row.rows = outcome.rows or row.rows
        row.error = outcome.error_message or row.error
        if row.started_at is not None and row.ended_at is None:
            row.ended_at = self._clock()
        self.row_changed(i)

    def _moved(self, part: PartRef, state: JobState, job_id: str | None) -> tuple[int, JobRow] | None:
        """The row of ``part`` (and its index), now in ``state`` with its job id (None: not in this run)."""
        i = self._index.get(part.key)
        if i is None:
            return None
        row = self._rows[i]
        self._set_state(row, state)
        row.job_id = job_id or row.job_id
        return i, row

    def tick(self) -> None:
        """Refresh the Elapsed cell of running rows (called once a second by a timer)."""
        for i, row in enumerate(self._rows):
            if row.started_at is not None and row.ended_at is None:
                idx = self.index(i, Col.ELAPSED)
                self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DisplayRole])

    def _set_state(self, row: JobRow, state: JobState) -> None:
        if row.started_at is None and state is not JobState.QUEUED and state is not JobState.CANCELLED:
            row.started_at = self._clock()
        row.state = state
        if state.is_terminal and row.started_at is not None and row.ended_at is None:
            row.ended_at = self._clock()

    # -- Qt model API --------------------------------------------------------------------------------------
    def row_count(self) -> int:
        return len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        col = Col(index.column())
        if role == ROW_ROLE:
            return row
        if role == PROGRESS_ROLE:
            return row.progress() if col is Col.PROGRESS else None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, col, tooltip=False)
        if role == Qt.ItemDataRole.ToolTipRole:  # file names and server errors: shown as text, not HTML
            tip = self._text(row, col, tooltip=True)
            return tooltip(tip) if tip else tip
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._colour(row, col)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (
            Col.PART,
            Col.PROCESSED,
            Col.FAILED,
            Col.ELAPSED,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, row: JobRow, col: Col, tooltip: bool) -> str | None:
        if col is Col.FILE:
            return str(row.ref.file) if tooltip else row.ref.file.name
        if col is Col.PART:
            return f"{row.ref.part} of {row.ref.part_count}"
        if col is Col.JOB_ID:
            return row.job_id or ("" if not tooltip else None)
        if col is Col.STATE:
            if row.state.is_success and row.failed:
                return f"Complete, {row.failed:,} failed"
            return STATE_LABELS[row.state]
        if col is Col.PROGRESS:
            return row.progress_text()
        if col is Col.PROCESSED:
            return f"{row.processed:,}" if row.state is not JobState.QUEUED else ""
        if col is Col.FAILED:
            return f"{row.failed:,}" if row.state is not JobState.QUEUED else ""
        if col is Col.ELAPSED:
            return format_elapsed(row.elapsed(self._clock()))
        return row.error or ("" if not tooltip else None)

    @staticmethod
    def _colour(row: JobRow, col: Col) -> QBrush | None:
        if col is Col.ERROR or (col is Col.FAILED and row.failed):
            return QBrush(_BAD)
        if col is Col.STATE:
            if row.state.is_success:
                return QBrush(_WARN if row.failed else _GOOD)
            if row.state in (JobState.FAILED, JobState.ERROR, JobState.ABORTED, JobState.TIMED_OUT):
                return QBrush(_BAD)
            if row.state in (JobState.QUEUED, JobState.CANCELLED):
                return QBrush(_MUTED)
        return None
