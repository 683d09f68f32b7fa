"""Background processing of closed jobs: UploadComplete -> InProgress -> JobComplete/Failed, in batches."""

from __future__ import annotations

import csv
import itertools
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sfloader_gui.emulator import csvdata
from sfloader_gui.emulator.csvdata import DELIMITERS, JobDataError
from sfloader_gui.emulator.faults import Faults
from sfloader_gui.emulator.header import Plan, plan_header
from sfloader_gui.emulator.jobs import Job, JobRegistry, sf_time
from sfloader_gui.emulator.loader import CHUNK, Batch, transaction_runs
from sfloader_gui.emulator.private import opener
from sfloader_gui.emulator.schema import find_object
from sfloader_gui.emulator.store import Store

FORCED_FAILURE = "InternalServerError : Batch processing failed after 10 retries"
# Job data up to this size is parsed once and held in memory (roughly 4 bytes of memory per byte of CSV).
IN_MEMORY_BYTES = 64 * 1024 * 1024


@dataclass
class Pace:
    rows_per_second: float | None
    batch_size: int
    start_delay: float
    count_only: bool


class Processor:
    """Starts one daemon thread per closed job; `stop` ends them all promptly."""

    def __init__(self, registry: JobRegistry, store: Store, faults: Faults, pace: Pace) -> None:
        self.registry, self.store, self.faults, self.pace = registry, store, faults, pace
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []
        self._running: dict[str, threading.Thread] = {}
        # Jobs are closed from several request threads at once: without this lock one close could drop
        # another's worker from the lists, and an abort of that job would not wait for its unprocessed file.
        self._threads_lock = threading.Lock()

    def data_path(self, job: Job) -> Path:
        return self.registry.folder(job) / "data.csv"

    def result_path(self, job: Job, kind: str) -> Path:
        return self.registry.folder(job) / f"{kind}.csv"

    def close_job(self, job: Job) -> None:
        """PATCH UploadComplete: queue the job (bench mode: count its records and finish now)."""
        self.registry.set_state(job, "UploadComplete")
        if self.pace.count_only:
            self._count_only(job)
            return
        self.start(job)

    def start(self, job: Job) -> None:
        t = threading.Thread(target=self._run, args=(job,), name=f"emulator-job-{job.id}", daemon=True)
        with self._threads_lock:
            # A thread not started yet (ident None) is another close's, about to run: keep it.
            self.threads = [x for x in self.threads if x.is_alive() or x.ident is None]
            self.threads.append(t)
            self._running = {k: x for k, x in self._running.items() if x.is_alive() or x.ident is None}
            self._running[job.id] = t
        t.start()

    def settle(self, job_id: str, timeout: float = 30.0) -> None:
        """Wait until the job's worker has stopped (after an abort it finishes the batch in hand)."""
        with self._threads_lock:
            t = self._running.get(job_id)
        if t is not None and t is not threading.current_thread():
            t.join(timeout)

    def resume_all(self) -> None:
        """After a restart, pick up jobs that were queued or in progress."""
        for job in self.registry.listing():
            if job.state in ("UploadComplete", "InProgress"):
                self.start(job)

    def _count_only(self, job: Job) -> None:
        path = self.data_path(job)
        if job.upload_error is not None:
            self._end(job, ("UploadComplete",), "Failed", job.upload_error)
            return
        if job.counted is not None:  # counted while the upload streamed in
            header, n = job.header, job.counted
        else:
            header, n = csvdata.count_records(path, job.delimiter) if path.exists() else ([], 0)
        self._write_headers(job, header)
        with self.registry.lock:
            job.processed = job.cursor = n
        self._end(job, ("UploadComplete",), "JobComplete")

    def _aborted(self, job: Job) -> bool:
        return job.state == "Aborted" or self.stop.is_set()

    def _run(self, job: Job) -> None:
        if self.pace.start_delay and self.stop.wait(self.pace.start_delay):
            return
        started = time.monotonic()
        if not self.registry.transition(job, ("UploadComplete", "InProgress"), "InProgress"):
            return
        fault = self.faults.take_job_fault()
        if fault == "stall":
            mark = self.faults.releases
            while not self._aborted(job) and self.faults.releases == mark:
                self.stop.wait(0.05)
            if self._aborted(job):
                self._finish(job, started)
                return
        try:
            self._process(job, fault == "fail", started)
        except JobDataError as e:
            self._end(job, ("InProgress",), "Failed", str(e))
        self._finish(job, started)

    def _process(self, job: Job, forced_failure: bool, started: float) -> None:
        obj = find_object(job.object)
        assert obj is not None
        path = self.data_path(job)
        if job.upload_error is not None:
            raise JobDataError(job.upload_error)
        if not path.exists():
            raise JobDataError("InvalidBatch : No data was uploaded for this job")
        csvdata.check_line_ending(path, job.line_ending)
        # Data of moderate size is parsed once and held (the duplicate-key check reads the same records);
        # bigger data is parsed twice, a key pass and then the batches, to keep memory bounded.
        held = _all_records(path, job.delimiter) if path.stat().st_size <= IN_MEMORY_BYTES else None
        reader: Iterator[Sequence[str]] = (
            iter(held) if held is not None else csvdata.records(path, job.delimiter)
        )
        first = next(reader, None)
        if first is None:
            raise JobDataError("ClientInputError : The uploaded CSV file is empty")
        header = job.header = list(first)
        plan = plan_header(obj, job.operation, job.external_id_field, header, DELIMITERS[job.delimiter])
        if plan.key_index is not None and job.operation != "insert":
            keys = _keys(held[1:], plan.key_index) if held is not None else None
            plan.chunk_dups = _repeated_keys(path, job.delimiter, plan, keys)
        if job.cursor == 0:
            self._write_headers(job, header)
        else:
            reader = itertools.islice(reader, job.cursor, None)
        for rows in _batches(reader, self.pace.batch_size):
            if self._aborted(job):
                return
            if forced_failure and job.cursor >= self.faults.fail_after_records:
                self._end(job, ("InProgress",), "Failed", FORCED_FAILURE)
                return
            for run, at in transaction_runs(plan, rows, job.cursor):
                result = Batch(self.store, plan, run, sf_time(self.registry.now()), at).run()
                self._append(job, result.success, result.failed, len(run), result.n_failed)
            self._pace(job, started)
        if forced_failure:
            self._end(job, ("InProgress",), "Failed", FORCED_FAILURE)

    def _pace(self, job: Job, started: float) -> None:
        rate = self.pace.rows_per_second
        if not rate:
            return
        due = started + job.cursor / rate
        while not self._aborted(job) and time.monotonic() < due:
            self.stop.wait(min(0.05, due - time.monotonic()))

    def _write_headers(self, job: Job, header: list[str]) -> None:
        sep = DELIMITERS[job.delimiter]
        with self.registry.lock:
            for kind, text in (
                ("success", csvdata.success_header(header, sep)),
                ("failed", csvdata.failed_header(header, sep)),
            ):
                with open(self.result_path(job, kind), "w", encoding="utf-8", opener=opener) as f:
                    f.write(text)

    def _append(self, job: Job, success: list[str], failed: list[str], n: int, n_failed: int) -> None:
        with self.registry.lock:
            for kind, lines in (("success", success), ("failed", failed)):
                if lines:
                    with open(
                        self.result_path(job, kind), "a", encoding="utf-8", newline="", opener=opener
                    ) as f:
                        f.write("\n".join(lines) + "\n")
            job.cursor += n
            job.processed += n
            job.failed += n_failed
            job.modstamp = self.registry.now()
            self.registry.save(job)
            self.registry.changed.notify_all()

    def _finish(self, job: Job, started: float) -> None:
        if self.stop.is_set() and job.state == "InProgress":
            return  # server shutting down: the job resumes on the next start
        with self.registry.lock:
            job.processing_ms = int((time.monotonic() - started) * 1000)
            if job.state == "InProgress" and job.processed and self.faults.take_miscount():
                job.processed -= 1  # the fault: the count reported is one short of the rows processed
        self._end(job, ("InProgress",), "JobComplete")

    def _end(self, job: Job, from_states: tuple[str, ...], state: str, error: str | None = None) -> None:
        """Write the unprocessed file first, then make the job terminal: a client that sees the state
        must find its result files complete (an abort that won the race writes its own)."""
        if job.state in from_states:
            self.write_unprocessed(job, job.cursor if state != "JobComplete" else None)
        if not self.registry.transition(job, from_states, state, error) and job.state == "Aborted":
            self.write_unprocessed(job)  # aborted while in progress: the rows this worker never reached

    def write_unprocessed(self, job: Job, skip: int | bool | None = True) -> None:
        """Header plus every record never processed (empty of rows for a completed job); ``skip`` the
        records already processed (True: as the job's current state says)."""
        path = self.data_path(job)
        if skip is True:
            skip = job.cursor if job.state in ("Failed", "Aborted") else None
        try:
            text = csvdata.unprocessed_text(path, job.delimiter, skip) if path.exists() else ""
        except FileNotFoundError:  # deleted by a client the moment it saw the job finish
            text = ""
        with self.registry.lock:
            if job.state != "Deleted":  # a deleted job's folder is gone and must stay gone
                target = self.result_path(job, "unprocessed")
                with open(target, "w", encoding="utf-8", newline="", opener=opener) as f:
                    f.write(text)


def _all_records(path: Path, delimiter: str) -> list[tuple[str, ...]]:
    """Every record, header first, in one parse. Tuples of strings: the garbage collector soon stops
    tracking them, so holding a few hundred thousand does not slow every later collection (lists would)."""
    with csvdata.open_text(path) as f:
        reader = csv.reader(f, delimiter=DELIMITERS[delimiter], quotechar='"', doublequote=True)
        return list(map(tuple, filter(None, reader)))  # a blank line is not a record


def _keys(rows: Sequence[Sequence[str]], index: int) -> list[str]:
    return [row[index] if len(row) > index else "" for row in rows]


def _repeated_keys(
    path: Path, delimiter: str, plan: Plan, keys: list[str] | None = None
) -> set[tuple[int, str]]:
    """(transaction, key) pairs used by more than one record of that 200-record transaction: every such
    row fails, whichever processing batch it is in. Keys of a field that folds case are lower-cased.

    Without `keys` (data too big to hold), they come from a parse of their own.
    """
    assert plan.key_index is not None and plan.key_field is not None
    if keys is None:
        with csvdata.open_text(path) as f:
            reader = csv.reader(f, delimiter=DELIMITERS[delimiter], quotechar='"', doublequote=True)
            rows = filter(None, reader)  # blank lines are not records
            next(rows, None)  # the header
            keys = _keys(list(rows), plan.key_index)
    if plan.key_field.folds_case:
        keys = [k.lower() for k in keys]
    if len(set(keys)) == len(keys):  # the usual case: no key repeats
        return set()
    counts = Counter((r // CHUNK, k) for r, k in enumerate(keys) if k)
    return {pair for pair, n in counts.items() if n > 1}


def _batches(reader: Iterator[Sequence[str]], size: int) -> Iterator[list[Sequence[str]]]:
    while True:
        chunk = list(itertools.islice(reader, size))
        if not chunk:
            return
        yield chunk
