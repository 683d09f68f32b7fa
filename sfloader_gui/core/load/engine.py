"""Headless loads: run every part of a plan on a thread pool, write the manifest, retry failed rows."""

from __future__ import annotations

import csv
import logging
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sfloader_gui.core.csvio.dialect import DELIMITERS
from sfloader_gui.core.load.journal import Journal
from sfloader_gui.core.load.plan import LoadPlan, plan_load
from sfloader_gui.core.load.results import RunFolder, load_manifest, run_file, safe_name, source_file
from sfloader_gui.core.load.runner import PartPlan, part_plans, run_part
from sfloader_gui.core.models import CancelToken, EventKind, JobEvent, JobOutcome, JobState, LoadOptions
from sfloader_gui.core.salesforce.connection import SalesforceConnection

log = logging.getLogger(__name__)

EventSink = Callable[[JobEvent], None]


@dataclass
class RunResult:
    """What a load did: the run folder, every part's outcome and the manifest written for it."""

    run_folder: RunFolder
    outcomes: list[JobOutcome]
    manifest: dict[str, Any]

    @property
    def run_dir(self) -> Path:
        return self.run_folder.path

    @property
    def ok(self) -> bool:
        """Every job completed and no record failed."""
        return all(o.state is JobState.JOB_COMPLETE and o.records_failed == 0 for o in self.outcomes)


def run_load(
    conn: SalesforceConnection,
    plan: LoadPlan,
    options: LoadOptions,
    out_dir: Path,
    on_event: EventSink,
    cancel: CancelToken,
    retry_of: str | None = None,
    run_folder: RunFolder | None = None,
    journal: Journal | None = None,
) -> RunResult:
    """Send every part of every unblocked file, at most ``max_concurrent_jobs`` jobs at once.

    Blocked files are not sent (the manifest lists them with their findings). Returns when every part
    has an outcome; the manifest accounts for each record of each part. With a ``journal``, every job's
    states are recorded there too, so jobs left running can be found later.
    """
    folder = run_folder or RunFolder.create(out_dir, options.object_name)
    if journal is not None:
        on_event = journal.listener(conn.instance_url, folder.path, on_event)
    parts = part_plans(plan)
    for part in parts:
        on_event(JobEvent(EventKind.STATE, part.ref, JobState.QUEUED))
    gate = PartGate(conn, options.max_concurrent_jobs, on_event)
    with ThreadPoolExecutor(options.max_concurrent_jobs, thread_name_prefix="sfloader-job") as pool:
        futures = [pool.submit(gate.run, p, options, folder, cancel) for p in parts]
        outcomes = [f.result() for f in futures]
    manifest = folder.write_manifest(
        plan, outcomes, instance_url=conn.instance_url, retry_of=retry_of, finished_at=datetime.now(UTC)
    )
    if not manifest["accounting"]["balanced"]:
        log.warning("Run %s: %s records are not accounted for", folder.run_id, manifest["accounting"])
    return RunResult(folder, outcomes, manifest)


class PartGate:
    """Runs parts, at most ``limit`` at once; one fewer each time the org refused concurrent requests.

    ``run_load`` drives it from a thread pool; the desktop app calls ``run`` from its QRunnables, so both
    front ends get the same limiter and the same stop after a dead session or a used-up API limit.
    """

    def __init__(self, conn: SalesforceConnection, limit: int, on_event: EventSink) -> None:
        self.conn, self.limit, self.on_event = conn, limit, on_event
        self.running = 0
        self.seen = conn.concurrency_refusals
        self.cond = threading.Condition()

    def run(self, part: PartPlan, options: LoadOptions, folder: RunFolder, cancel: CancelToken) -> JobOutcome:
        with self.cond:
            self.cond.wait_for(lambda: self.running < self.limit)
            self.running += 1
        outcome = _run_guarded(self.conn, part, options, folder, self.on_event, cancel)  # never raises
        with self.cond:
            self.running -= 1
            self._adapt(outcome)
            self.cond.notify_all()
        return outcome

    def _adapt(self, outcome: JobOutcome) -> None:
        refusals = self.conn.concurrency_refusals
        if refusals > self.seen and self.limit > 1:
            self.limit -= 1
            message = (
                f"The org refused concurrent requests; from now on at most {self.limit} jobs run at once."
            )
            log.warning(message)
            self.on_event(JobEvent(EventKind.LOG, outcome.part, outcome.state, message=message))
        self.seen = refusals


def _run_guarded(
    conn: SalesforceConnection,
    part: PartPlan,
    options: LoadOptions,
    folder: RunFolder,
    on_event: EventSink,
    cancel: CancelToken,
) -> JobOutcome:
    """``run_part``, except that a dead session or used-up API limit stops the parts not yet started."""
    if conn.fatal_error is not None:
        message = f"Not sent: {conn.fatal_error}"
        return _unsent(part, JobState.CANCELLED, message, "never reached UploadComplete", on_event)
    try:
        return run_part(conn, part, options, folder, on_event, cancel)
    except Exception as exc:  # a bug must not lose the other parts' outcomes or the manifest
        log.exception("Unexpected error while loading %s", part.ref.describe())
        message = f"Unexpected error: {type(exc).__name__}: {exc}"
        return _unsent(part, JobState.ERROR, message, "unexpected client error", on_event)


def _unsent(part: PartPlan, state: JobState, message: str, why: str, on_event: EventSink) -> JobOutcome:
    on_event(JobEvent(EventKind.STATE, part.ref, state, message=message, error_message=message))
    return JobOutcome(
        part=part.ref,
        state=state,
        rows=part.records,
        first_record=part.first_record,
        error_message=message,
        records_unprocessed=part.records,
        notes=[f"{why}: all {part.records} records count as unprocessed (not sent)"],
    )


# ---- retry only the failed and unprocessed rows of a run ---------------------------------------------------

_NEVER_SENT = "never reached UploadComplete"


@dataclass
class _Wanted:
    """Which records of one source file go into the retry: by External ID and by record-number range."""

    keys: set[str]
    ranges: list[tuple[int, int]]  # inclusive 1-based record numbers

    def wants(self, number: int, key: str) -> bool:
        return key in self.keys or any(lo <= number <= hi for lo, hi in self.ranges)


def build_retry_files(run_dir: Path, new_run: RunFolder | None = None) -> list[Path]:
    """Write the failed and unprocessed rows of ``run_dir`` into ``<new_run>/sources/``, one CSV per file.

    Without ``new_run`` a new run folder is made next to ``run_dir``.

    Rows are copied from the SOURCE files (original columns and values, matched by External ID, or by
    record number for parts that were never sent), not from Salesforce's result files, whose values
    are Salesforce's stored forms. Jobs still running on the server (timed out, cancelled without
    abort) are left out: their rows may still be processed. Returns the files written (none: nothing
    to retry).
    """
    manifest = load_manifest(run_dir)
    new_run = new_run or RunFolder.create(run_dir.parent, str(manifest["object"]))
    ext = str(manifest["external_id_field"])
    files = {f["path"]: f for f in manifest["files"]}
    wanted: dict[str, _Wanted] = {}
    for job in manifest["jobs"]:
        entry = files.get(job["file"], {})
        want = wanted.setdefault(job["file"], _Wanted(set(), []))
        if any(_NEVER_SENT in note for note in job.get("notes", [])):
            want.ranges.append((job["first_record"], job["first_record"] + job["records"] - 1))
            continue
        if job["state"] not in ("JobComplete", "Failed", "Aborted"):
            log.warning("Retry leaves out job %s (%s): it may still be running", job["job_id"], job["state"])
            continue
        delimiter = DELIMITERS.get(entry.get("delimiter") or "COMMA", ",")
        for key in ("failed_file", "unprocessed_file"):
            if job.get(key):  # run_file refuses a path that leaves the run folder (an edited manifest)
                want.keys.update(_result_keys(run_file(run_dir, job[key]), ext, delimiter))
    written: list[Path] = []
    for index, (source, want) in enumerate(wanted.items(), start=1):
        if want.keys or want.ranges:
            out = _copy_rows(
                source_file(source), files.get(source, {}), ext, want, new_run.sources_dir, index
            )
            if out is not None:
                written.append(out)
    return written


def _result_keys(path: Path, ext: str, delimiter: str) -> set[str]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f, delimiter=delimiter)
        header = next(reader, [])
        lowered = [h.lower() for h in header]
        if ext.lower() not in lowered:
            return set()
        col = lowered.index(ext.lower())
        return {row[col] for row in reader if len(row) > col}


def _copy_rows(
    source: Path, entry: dict[str, Any], ext: str, want: _Wanted, dest_dir: Path, index: int
) -> Path | None:
    """Stream ``source`` and write the wanted records (header first) to a new CSV in ``dest_dir``."""
    delimiter = DELIMITERS.get(entry.get("delimiter") or "COMMA", ",")
    terminator = "\r\n" if entry.get("line_ending") == "CRLF" else "\n"
    dest = dest_dir / f"{index:02d}_{safe_name(source.stem)}.csv"
    if not source.is_file():
        raise FileNotFoundError(f"{source} is gone: its failed rows cannot be copied for the retry.")
    kept = 0
    tmp = dest.with_name(f".{dest.name}.part")
    with (
        source.open(newline="", encoding="utf-8-sig") as src,
        tmp.open("x", newline="", encoding="utf-8") as out,
    ):
        reader = csv.reader(src, delimiter=delimiter)
        writer = csv.writer(out, delimiter=delimiter, lineterminator=terminator)
        header = next(reader, [])
        writer.writerow(header)
        lowered = [h.lower() for h in header]
        col = lowered.index(ext.lower()) if ext.lower() in lowered else -1
        for number, row in enumerate(reader, start=1):
            key = row[col] if 0 <= col < len(row) else ""
            if want.wants(number, key):
                writer.writerow(row)
                kept += 1
    if kept == 0:
        tmp.unlink()
        return None
    tmp.rename(dest)
    return dest


def retry_failed(
    conn: SalesforceConnection,
    run_dir: Path,
    options: LoadOptions,
    out_dir: Path,
    on_event: EventSink,
    cancel: CancelToken,
    journal: Journal | None = None,
) -> RunResult | None:
    """Send again only the failed and unprocessed rows of ``run_dir`` as a new run (None: nothing to do).

    Safe to repeat because the load is an upsert on the External ID: rows that did get in are updated.
    """
    manifest = load_manifest(run_dir)
    options = replace(
        options, object_name=manifest["object"], external_id_field=manifest["external_id_field"]
    )
    folder = RunFolder.create(out_dir, options.object_name)
    try:
        files = build_retry_files(run_dir, folder)
    except BaseException:
        shutil.rmtree(folder.path, ignore_errors=True)  # a refused manifest leaves no half-made run behind
        raise
    if not files:
        shutil.rmtree(folder.path)  # nothing to send: leave no empty run folder behind
        return None
    plan = plan_load(files, options)
    return run_load(conn, plan, options, out_dir, on_event, cancel, manifest["run_id"], folder, journal)
