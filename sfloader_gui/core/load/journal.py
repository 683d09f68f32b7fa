"""The job journal: every job this app created, in SQLite, so a later start can find jobs left running."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sfloader_gui.core import paths
from sfloader_gui.core.models import EventKind, JobEvent, JobState

EventSink = Callable[[JobEvent], None]
# The server works on a job once it is closed; until its results are on disk it is "unsettled".
_CLOSED_STATES = frozenset(
    {JobState.UPLOAD_COMPLETE, JobState.IN_PROGRESS, JobState.JOB_COMPLETE, JobState.FAILED}
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY, instance_url TEXT NOT NULL, run_dir TEXT NOT NULL, file TEXT NOT NULL,
    part INTEGER NOT NULL, state TEXT NOT NULL, closed INTEGER NOT NULL DEFAULT 0,
    saved INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL
)
"""


_UPSERT = """
INSERT INTO jobs (job_id, instance_url, run_dir, file, part, state, closed, saved, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(job_id) DO UPDATE SET state = excluded.state, closed = MAX(closed, excluded.closed),
    saved = MAX(saved, excluded.saved), updated_at = excluded.updated_at
"""


@dataclass(frozen=True)
class JournalEntry:
    job_id: str
    instance_url: str
    run_dir: Path
    file: Path
    part: int
    state: str
    updated_at: str


class Journal:
    """Thread-safe; one row per job id, updated at every state change the engine reports."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.data_dir() / "journal.sqlite3"
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def listener(self, instance_url: str, run_dir: Path, inner: EventSink) -> EventSink:
        """Wrap an event sink so that every job's states are journalled before the caller sees them."""

        def on_event(event: JobEvent) -> None:
            self.record(event, instance_url, run_dir)
            inner(event)

        return on_event

    def record(self, event: JobEvent, instance_url: str, run_dir: Path) -> None:
        if event.job_id is None or event.kind not in (EventKind.STATE, EventKind.RESULTS_SAVED):
            return
        closed = int(event.state in _CLOSED_STATES)
        saved = int(event.kind is EventKind.RESULTS_SAVED)
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self._lock:
            row = (event.job_id, instance_url, str(run_dir), str(event.part.file), event.part.part)
            self._db.execute(_UPSERT, (*row, event.state.value, closed, saved, now))

    def settle(self, job_id: str) -> None:
        """The job's results were fetched some other way (``sfloader results``)."""
        with self._lock:
            self._db.execute("UPDATE jobs SET saved = 1 WHERE job_id = ?", (job_id,))

    def unsettled(self, instance_url: str | None = None) -> list[JournalEntry]:
        """Closed jobs whose results were never saved: left running (timed out, cancelled) or interrupted."""
        sql = "SELECT job_id, instance_url, run_dir, file, part, state, updated_at FROM jobs"
        sql += " WHERE closed = 1 AND saved = 0"
        args: tuple[str, ...] = ()
        if instance_url is not None:
            sql += " AND instance_url = ?"
            args = (instance_url,)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY updated_at", args).fetchall()
        return [JournalEntry(r[0], r[1], Path(r[2]), Path(r[3]), r[4], r[5], r[6]) for r in rows]
