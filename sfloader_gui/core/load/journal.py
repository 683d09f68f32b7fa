"""The job journal: every job this app created, in SQLite, so a later start can find jobs left running.

It is write-ahead: an intent row is written before each create-job POST and gets the job id as soon as the
POST answers, so a crash at any point leaves either an intent without an id or a known job id.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sfloader_gui.core import paths
from sfloader_gui.core.load import liveness
from sfloader_gui.core.models import EventKind, JobEvent, JobState, PartRef
from sfloader_gui.core.private import private_file

log = logging.getLogger(__name__)

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


_INTENTS = """
CREATE TABLE IF NOT EXISTS intents (
    id INTEGER PRIMARY KEY AUTOINCREMENT, instance_url TEXT NOT NULL, run_dir TEXT NOT NULL,
    file TEXT NOT NULL, part INTEGER NOT NULL, object TEXT NOT NULL, external_id_field TEXT NOT NULL,
    created_at TEXT NOT NULL, job_id TEXT, settled INTEGER NOT NULL DEFAULT 0, note TEXT, owner TEXT
)
"""
_INTENT_COLUMNS = "i.id, i.instance_url, i.run_dir, i.file, i.part, i.object, i.external_id_field, "
_INTENT_COLUMNS += "i.created_at, i.job_id, i.owner"

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


@dataclass(frozen=True)
class Intent:
    """A create-job POST about to be (or already) sent; ``job_id`` is None until the POST answered."""

    id: int
    instance_url: str
    run_dir: Path
    file: Path
    part: int
    object_name: str
    external_id_field: str
    created_at: datetime
    job_id: str | None


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _intent(r: tuple[object, ...]) -> Intent:
    created = datetime.strptime(str(r[7]), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return Intent(
        int(str(r[0])), str(r[1]), Path(str(r[2])), Path(str(r[3])), int(str(r[4])), str(r[5]), str(r[6]),
        created, None if r[8] is None else str(r[8]),
    )  # fmt: skip


class RunJournal:
    """The journal bound to one run: the load records each job's states and its write-ahead intents here."""

    def __init__(self, journal: Journal, instance_url: str, run_dir: Path) -> None:
        self.journal, self.instance_url, self.run_dir = journal, instance_url, run_dir

    def record(self, event: JobEvent) -> None:
        """A job's state change or saved results (other events carry nothing the journal keeps)."""
        try:
            self.journal.record(event, self.instance_url, self.run_dir)
        except sqlite3.Error as exc:  # a journal that cannot write must not stop the load
            log.warning("Could not record job %s in the journal: %s", event.job_id, exc)

    def intent(self, part: PartRef, object_name: str, external_id_field: str) -> int | None:
        """Before a create-job POST. A journal that cannot write must not stop the load: None then."""
        try:
            return self.journal.add_intent(
                self.instance_url, self.run_dir, part, object_name, external_id_field
            )
        except sqlite3.Error as exc:
            log.warning("Could not write the job intent to the journal: %s", exc)
            return None

    def job_created(self, intent_id: int | None, job_id: str) -> None:
        if intent_id is not None:
            self._safely(self.journal.set_intent_job, intent_id, job_id)

    def settle_intent(self, intent_id: int | None, note: str) -> None:
        if intent_id is not None:
            self._safely(self.journal.settle_intent, intent_id, note)

    def mark_saved(self, job_ids: Iterable[str]) -> None:
        try:
            self.journal.mark_saved(job_ids)
        except sqlite3.Error as exc:
            log.warning("Could not mark results saved in the journal: %s", exc)

    def settle(self, job_id: str) -> None:
        """A closed job with nothing left to fetch (its part was sent again in another job)."""
        try:
            self.journal.settle(job_id)
        except sqlite3.Error as exc:
            log.warning("Could not mark job %s settled in the journal: %s", job_id, exc)

    def known_job_ids(self) -> set[str]:
        """Every job id any process on this machine recorded for this org (never a stray of ours)."""
        try:
            return self.journal.known_job_ids(self.instance_url)
        except sqlite3.Error as exc:
            log.warning("Could not read the journal: %s", exc)
            return set()

    def others_in_flight(self, intent_id: int | None, object_name: str, external_id_field: str) -> bool:
        """Another create-job POST of a live process (this one included) for the same object is unanswered."""
        try:
            flying = self.journal.in_flight(self.instance_url, object_name, external_id_field)
        except sqlite3.Error as exc:
            log.warning("Could not read the journal: %s", exc)
            return True  # cannot tell: assume a competitor, so nothing is aborted on a guess
        return any(i.id != intent_id for i in flying)

    @staticmethod
    def _safely(write: Callable[[int, str], None], intent_id: int, value: str) -> None:
        try:
            write(intent_id, value)
        except sqlite3.Error as exc:
            log.warning("Could not update job intent %s in the journal: %s", intent_id, exc)


_WAL_WAIT = 5.0  # seconds to keep trying to switch a new journal to WAL (sqlite3's own busy timeout)


def _use_wal(db: sqlite3.Connection) -> None:
    """Switch the journal to WAL, waiting for other connections that are doing the same.

    SQLite does not call its busy handler for a change of journal mode, so two connections opening a new
    journal at once (the window's and the org check's thread at the app's first start) got "database is
    locked" at once: 22 of 800 opens by 4 threads at a time failed. The loser retries for a while instead.
    """
    deadline = time.monotonic() + _WAL_WAIT
    delay = 0.002
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(delay)  # a short backoff on a lock SQLite will not wait for itself
        delay = min(delay * 2, 0.05)


class Journal:
    """Thread-safe; one row per job id, updated at every state change the engine reports."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.data_dir() / "journal.sqlite3"
        self._lock = threading.Lock()
        private_file(self.path)  # before SQLite creates it 0644; its -wal and -shm files take this mode
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        _use_wal(self._db)
        self._db.execute(_SCHEMA)
        self._db.execute(_INTENTS)
        columns = {r[1] for r in self._db.execute("PRAGMA table_info(intents)")}
        if "owner" not in columns:  # journals written before owners were recorded
            self._db.execute("ALTER TABLE intents ADD COLUMN owner TEXT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def for_run(self, instance_url: str, run_dir: Path) -> RunJournal:
        """This journal bound to one run folder (what ``LoadRun`` and ``run_part`` write through)."""
        return RunJournal(self, instance_url, run_dir)

    # ---- write-ahead intents ----------------------------------------------------------------------

    def add_intent(
        self, instance_url: str, run_dir: Path, part: PartRef, object_name: str, external_id_field: str
    ) -> int:
        """One INSERT before the create-job POST; returns the intent's id."""
        owner = liveness.this_process()
        row = (
            instance_url,
            str(run_dir),
            str(part.file),
            part.part,
            object_name,
            external_id_field,
            _now(),
            owner,
        )
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO intents (instance_url, run_dir, file, part, object, external_id_field,"
                " created_at, owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
        return int(cur.lastrowid or 0)

    def set_intent_job(self, intent_id: int, job_id: str) -> None:
        """One UPDATE right after the POST answered: from now on the job id is known."""
        with self._lock:
            self._db.execute("UPDATE intents SET job_id = ? WHERE id = ?", (job_id, intent_id))

    def settle_intent(self, intent_id: int, note: str) -> None:
        """Nothing of this intent can be left Open on the server any more (``note`` says why)."""
        with self._lock:
            self._db.execute("UPDATE intents SET settled = 1, note = ? WHERE id = ?", (note, intent_id))

    def intents(self, instance_url: str, *, dangling: bool) -> list[Intent]:
        """Unsettled intents of processes that have ended: without a job id (``dangling``), or with one the
        journal never saw closed. A running process's intents are its own business (it may be uploading)."""
        sql = f"SELECT {_INTENT_COLUMNS} FROM intents i LEFT JOIN jobs j ON j.job_id = i.job_id"
        sql += " WHERE i.settled = 0 AND i.instance_url = ?"
        if dangling:
            sql += " AND i.job_id IS NULL"
        else:
            sql += " AND i.job_id IS NOT NULL AND (j.job_id IS NULL OR (j.closed = 0 AND j.state = 'Open'))"
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY i.id", (instance_url,)).fetchall()
        return [_intent(r) for r in rows if not liveness.is_alive(None if r[9] is None else str(r[9]))]

    def in_flight(self, instance_url: str, object_name: str, external_id_field: str) -> list[Intent]:
        """Create-job POSTs of live processes still waiting for their answer (no job id, not settled)."""
        sql = f"SELECT {_INTENT_COLUMNS} FROM intents i WHERE i.settled = 0 AND i.job_id IS NULL"
        sql += " AND i.instance_url = ? AND i.object = ? AND lower(i.external_id_field) = lower(?)"
        with self._lock:
            rows = self._db.execute(sql, (instance_url, object_name, external_id_field)).fetchall()
        return [_intent(r) for r in rows if liveness.is_alive(None if r[9] is None else str(r[9]))]

    def known_job_ids(self, instance_url: str) -> set[str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT job_id FROM jobs WHERE instance_url = ? UNION "
                "SELECT job_id FROM intents WHERE instance_url = ? AND job_id IS NOT NULL",
                (instance_url, instance_url),
            ).fetchall()
        return {str(r[0]) for r in rows}

    def note_server_state(self, intent: Intent, state: str) -> None:
        """What the server says of an intent's job now (found by reconciling after a restart)."""
        assert intent.job_id is not None
        closed = int(state in {s.value for s in _CLOSED_STATES})
        row = (intent.job_id, intent.instance_url, str(intent.run_dir), str(intent.file), intent.part)
        with self._lock:
            self._db.execute(_UPSERT, (*row, state, closed, 0, _now()[:19] + "Z"))

    def record(self, event: JobEvent, instance_url: str, run_dir: Path) -> None:
        """A job's state. Results count as saved only through ``mark_saved``, once the manifest is on disk."""
        if event.job_id is None or event.kind not in (EventKind.STATE, EventKind.RESULTS_SAVED):
            return
        closed = int(event.state in _CLOSED_STATES)
        saved = 0
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self._lock:
            row = (event.job_id, instance_url, str(run_dir), str(event.part.file), event.part.part)
            self._db.execute(_UPSERT, (*row, event.state.value, closed, saved, now))

    def mark_saved(self, job_ids: Iterable[str]) -> None:
        """These jobs' three result files are saved and the manifest listing them is on disk."""
        with self._lock:
            self._db.executemany("UPDATE jobs SET saved = 1 WHERE job_id = ?", [(j,) for j in job_ids])

    def settle(self, job_id: str) -> None:
        """The job's results were fetched some other way (``sfloader results``)."""
        with self._lock:
            self._db.execute("UPDATE jobs SET saved = 1 WHERE job_id = ?", (job_id,))

    def jobs_of_run(self, run_dir: Path) -> list[JournalEntry]:
        """Every job the journal recorded for one run folder (newest state of each)."""
        sql = (
            "SELECT job_id, instance_url, run_dir, file, part, state, updated_at FROM jobs WHERE run_dir = ?"
        )
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY updated_at", (str(run_dir),)).fetchall()
        return [JournalEntry(r[0], r[1], Path(r[2]), Path(r[3]), r[4], r[5], r[6]) for r in rows]

    def entry(self, job_id: str) -> JournalEntry | None:
        """What the journal knows of one job (its run folder, file and part), None for a job it never saw."""
        sql = "SELECT job_id, instance_url, run_dir, file, part, state, updated_at FROM jobs WHERE job_id = ?"
        with self._lock:
            r = self._db.execute(sql, (job_id,)).fetchone()
        return None if r is None else JournalEntry(r[0], r[1], Path(r[2]), Path(r[3]), r[4], r[5], r[6])

    def run_owners_alive(self, run_dir: Path) -> bool:
        """Another process that sent parts of this run still runs (it may be writing the run's manifest)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT DISTINCT owner FROM intents WHERE run_dir = ?", (str(run_dir),)
            ).fetchall()
        return any(r[0] and liveness.is_other_alive(str(r[0])) for r in rows)

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
