"""One part, end to end, as one Bulk API 2.0 upsert job: create, one upload, close, poll, fetch results."""

from __future__ import annotations

import logging
import os
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from sfloader_gui.core.csvio.cutter import PartSpan
from sfloader_gui.core.csvio.dialect import CsvDialect
from sfloader_gui.core.csvio.parts import iter_part, part_size
from sfloader_gui.core.csvio.pgzip import GzipTuner, segmented_gzip
from sfloader_gui.core.load.journal import RunJournal
from sfloader_gui.core.load.plan import FilePlan, LoadPlan
from sfloader_gui.core.load.results import RunFolder, count_records
from sfloader_gui.core.models import (
    CancelToken,
    EventKind,
    JobEvent,
    JobOutcome,
    JobState,
    LoadOptions,
    PartRef,
)
from sfloader_gui.core.salesforce import bulk, orgstate
from sfloader_gui.core.salesforce.backoff import worth_logging
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.salesforce.errors import (
    ApiLimitError,
    AuthError,
    ConcurrencyLimitError,
    ForeignUrlError,
    GzipRefusedError,
    SalesforceError,
    TransportError,
    is_transient,
)
from sfloader_gui.core.salesforce.wire import WireCancelled

log = logging.getLogger(__name__)

EventSink = Callable[[JobEvent], None]
MAX_SUBMIT_ATTEMPTS = 3  # jobs per part: first try, a gzip fallback, one redo after a dropped upload
ABORT_TRIES = 6  # an abandoned job's abort, tried again while the network is down
MAX_REFUSALS = 8  # uploads refused in a row as "too many requests at once" before the part gives up
POLL_BACKOFF_CAP = 12  # failed checks of a job pause at most this many poll intervals (5 s -> 1 min)
_SERVER_TERMINAL = frozenset({JobState.JOB_COMPLETE, JobState.FAILED, JobState.ABORTED})
_PROGRESS_STEP = 1 << 20  # upload progress events at most once per MiB (or 1% of the part)


@dataclass(frozen=True)
class PartPlan:
    """One part of one planned file: what ``run_part`` sends as one job."""

    file: FilePlan
    span: PartSpan
    file_index: int  # 1-based position of the file in the load (names the job folder)

    @property
    def dialect(self) -> CsvDialect:
        assert self.file.dialect is not None, "only planned, unblocked files have parts"
        return self.file.dialect

    @property
    def ref(self) -> PartRef:
        return PartRef(self.file.path, self.span.index, len(self.file.parts))

    @property
    def records(self) -> int:
        return self.span.records

    @property
    def first_record(self) -> int:
        return self.span.first_record

    @property
    def size(self) -> int:
        """Raw bytes of the upload: the header line plus the part's records (at most, when converted)."""
        if self.file.transform is not None:
            return self.file.transform.part_size(self.span)
        return part_size(self.dialect, self.span)

    def chunks(self) -> Iterator[bytes]:
        if self.file.transform is not None:  # mapped, converted, another encoding or a workbook
            return self.file.transform.iter_part(self.span)
        return iter_part(self.file.path, self.dialect, self.span)


def part_plans(plan: LoadPlan) -> list[PartPlan]:
    """Every part of every file that may be sent (blocked files have none), in file order."""
    return [
        PartPlan(fp, span, index)
        for index, fp in enumerate(plan.files, start=1)
        if not fp.blocked and fp.dialect is not None
        for span in fp.parts
    ]


class _Cancelled(Exception):
    """Raised inside the upload body so the PUT stops at once when the user cancels."""


class _SourceChanged(Exception):
    """The file changed or became unreadable after it was planned: the part must not be sent."""


class _Stop(Exception):
    """Ends the part early with the outcome already filled in."""


def run_part(
    conn: SalesforceConnection,
    part_plan: PartPlan,
    options: LoadOptions,
    run_folder: RunFolder,
    on_event: EventSink,
    cancel: CancelToken,
    journal: RunJournal | None = None,
) -> JobOutcome:
    """Run one part as one upsert job and return what became of every one of its records.

    Synchronous and thread-safe; never raises for a Salesforce or network problem (the outcome says it).
    With a ``journal``, an intent is written before each create-job POST, the job id right after, and
    every state of the job as it moves.
    """
    return _PartRun(conn, part_plan, options, run_folder, on_event, cancel, journal).run()


class _PartRun:
    def __init__(
        self,
        conn: SalesforceConnection,
        plan: PartPlan,
        options: LoadOptions,
        run_folder: RunFolder,
        on_event: EventSink,
        cancel: CancelToken,
        journal: RunJournal | None = None,
    ) -> None:
        self.conn = conn
        self.journal = journal
        self.plan = plan
        self.options = options
        self.run_folder = run_folder
        self.on_event = on_event
        self.cancel = cancel
        self.outcome = JobOutcome(
            part=plan.ref, state=JobState.QUEUED, rows=plan.records, first_record=plan.first_record,
            gzip=options.use_gzip,
        )  # fmt: skip
        self.closed = False
        self.close_unconfirmed = False  # the close's answer was lost: read the job, close again if Open
        self.gzip_breaks = 0  # gzip uploads of this part that failed without an answer
        self.refusal: SalesforceError | None = None  # the last try's upload refused as "too many at once"
        self.refusals = 0  # refusals in a row
        self.unreachable: SalesforceError | None = None  # the last try's create-job call got no answer
        self.create_failures = 0  # create-job calls in a row that got no answer

    # ---- events -------------------------------------------------------------------------------------

    def emit(self, kind: EventKind, **fields: object) -> None:
        o = self.outcome
        base = JobEvent(
            kind=kind, part=o.part, state=o.state, job_id=o.job_id, records_processed=o.records_processed,
            records_failed=o.records_failed, error_message=o.error_message,
        )  # fmt: skip
        event = replace(base, **fields)  # type: ignore[arg-type]
        if self.journal is not None:  # first: a crash right after must still find the job
            self.journal.record(event)
        try:
            self.on_event(event)
        except Exception:  # a broken listener must not break the load
            log.exception("Progress listener failed")

    def set_state(self, state: JobState, message: str = "") -> None:
        if state is self.outcome.state and not message:
            return
        self.outcome.state = state
        self.emit(EventKind.STATE, message=message)

    def say(self, message: str, note: bool = False) -> None:
        log.info("%s: %s", self.outcome.part.describe(), message)
        if note:
            self.outcome.notes.append(message)
        self.emit(EventKind.LOG, message=message)

    # ---- the part -----------------------------------------------------------------------------------

    def run(self) -> JobOutcome:
        try:
            self.submit()
            self.wait()
            if self.gzip_unreadable():
                self.redo_uncompressed()
            self.fetch_results()
        except _Stop:
            pass
        except (AuthError, ApiLimitError, SalesforceError) as exc:
            self.fail(str(exc))
        self.finish_accounting()
        return self.outcome

    def fail(self, message: str) -> None:
        self.outcome.error_message = message
        self.set_state(JobState.ERROR, message)

    def submit(self) -> None:
        """Create a job and upload the part once; a refused or broken upload goes to a new job.

        An upload the org refused for too many requests at once (nothing of it was taken) goes to a new
        job after a pause that grows with each refusal in a row; those do not use up the attempts.
        """
        attempt = 0
        deadline = time.monotonic() + self.options.timeout_s
        while attempt < MAX_SUBMIT_ATTEMPTS:
            attempt += 1
            if self.cancel.cancelled:
                self.set_state(JobState.CANCELLED, "Cancelled before it was sent.")
                raise _Stop
            self.check_unchanged()
            if self.try_submit(attempt):
                return
            if self.refusal is not None:
                attempt -= 1
                self.pause_after_refusal(self.refusal)
            elif self.unreachable is not None and time.monotonic() < deadline:
                # No answer to the create-job call (network down): wait for the org, growing the pauses;
                # that is no reason to give the part up while the run's timeout lasts.
                attempt -= 1
                self.create_failures += 1
                self.cancel.wait(_poll_backoff(self.options.poll_interval_s, self.create_failures, None))
        self.fail(
            f"Gave up after {MAX_SUBMIT_ATTEMPTS} jobs: "
            + "; ".join(j["reason"] for j in self.outcome.abandoned_jobs)
        )
        raise _Stop

    def check_unchanged(self) -> None:
        """The checks were made on the file as it was: refuse to send it if it changed since."""
        fp = self.plan.file
        try:
            st = os.stat(fp.path)
            same = (st.st_size, st.st_mtime) == (fp.size, fp.mtime)
        except OSError:
            same = False
        if not same:
            self.fail(
                f"{fp.path.name} changed or disappeared after it was checked: check it again, then load."
            )
            raise _Stop

    def pause_after_refusal(self, exc: SalesforceError) -> None:
        self.refusals += 1
        if self.refusals > MAX_REFUSALS:
            self.fail(f"The org refused the upload {self.refusals} times in a row: {exc}")
            raise _Stop
        delay = self.conn.retry.delay(self.refusals, exc.retry_after)
        self.say(
            f"The org refused the upload ({exc.error_code or exc.status}: too many requests at once); "
            f"sending to a new job in {delay:.1f} s."
        )
        self.cancel.wait(delay)  # a cancel ends the pause; the loop then stops the part

    def try_submit(self, attempt: int) -> bool:
        """One job for the part, once one of the load's upload slots on the wire is free."""
        try:
            with self.conn.wire.slot(self.options.max_concurrent_uploads, lambda: self.cancel.cancelled):
                return self.submit_once(attempt)
        except WireCancelled:
            self.set_state(JobState.CANCELLED, "Cancelled before it was sent.")
            raise _Stop from None

    def submit_once(self, attempt: int) -> bool:
        self.refusal = self.unreachable = None
        use_gzip = self.options.use_gzip and not orgstate.gzip_refused_by(self.conn.instance_url)
        if use_gzip and attempt == MAX_SUBMIT_ATTEMPTS and self.gzip_breaks == attempt - 1:
            # A server that refuses gzip may just close the connection on a big body instead of
            # answering 415: the last chance goes uncompressed (for this part only).
            use_gzip = False
            self.say("Every gzip upload of this part broke off; the last try goes uncompressed.", note=True)
        self.outcome.gzip = use_gzip
        info = self.create_job()
        if info is None:
            return False
        self.outcome.job_id = info.id
        self.set_state(JobState.OPEN, f"Job {info.id} created" + (" (gzip)" if use_gzip else ""))
        try:
            self.upload(info, use_gzip)
        except _Cancelled:
            self.abandon(info.id, "cancelled during upload", keep=False)
            self.set_state(JobState.CANCELLED, "Cancelled during the upload; the job was aborted.")
            raise _Stop from None
        except _SourceChanged as exc:
            self.abandon(info.id, "source file changed", keep=False)
            self.fail(
                f"{self.plan.file.path.name} could not be read for sending ({exc}); the job was aborted."
            )
            raise _Stop from None
        except GzipRefusedError as exc:
            orgstate.remember_gzip_refused(self.conn.instance_url)
            self.abandon(info.id, f"org refused gzip ({exc.error_code or exc.status})")
            self.say(
                "The org refused a gzip-compressed upload; this part is sent again uncompressed, and "
                "every later job to this org goes uncompressed.",
                note=True,
            )
            return False
        except (AuthError, ApiLimitError) as exc:
            self.abandon(info.id, str(exc))
            raise
        except ForeignUrlError as exc:  # a new job would name the same URL: stop this part, say why
            self.abandon(info.id, "the org named an upload URL outside the org", keep=False)
            self.fail(str(exc))
            raise _Stop from None
        except SalesforceError as exc:  # dropped connection, timeout, server error: never PUT again
            if _refused(exc):
                self.abandon(info.id, f"upload refused: {exc.error_code or exc.status}")
                self.refusal = exc
                return False
            self.gzip_breaks += use_gzip
            self.abandon(info.id, f"upload failed: {exc}")
            if attempt < MAX_SUBMIT_ATTEMPTS:
                self.say(
                    f"Upload to job {info.id} failed ({exc}); the job was aborted, sending to a new job."
                )
            return False
        self.refusals = 0
        try:
            closed = bulk.close_job(self.conn, info.id)
        except SalesforceError:  # refused, not lost: the job is still Open and nothing of it was processed
            self.abandon(info.id, "could not mark the upload complete", keep=False)  # no orphan Open job
            raise
        self.closed = True  # or maybe: from here on the job is never aborted unless the user asks
        if closed is None:
            self.close_unconfirmed = True
            self.say(
                f"The answer to closing job {info.id} was lost; reading the job until its state is known "
                "(it may be processing, so it is not aborted).",
                note=True,
            )
            return True
        self.set_state(_server_state(closed.state), f"Upload complete ({self.plan.size:,} bytes)")
        return True

    def create_job(self) -> bulk.JobInfo | None:
        """POST a new job. If the answer is lost, abort the job it made if only it can be that one."""
        opts, dialect = self.options, self.plan.dialect
        # Write-ahead: a crash from here on leaves an intent (or a job id) that a later start reconciles.
        wal = self.journal
        intent = wal.intent(self.plan.ref, opts.object_name, opts.external_id_field) if wal else None
        started = datetime.now(UTC)
        try:
            info = orgstate.create_upsert_job(
                self.conn, opts.object_name, opts.external_id_field,
                column_delimiter=dialect.delimiter_name, line_ending=dialect.line_ending,
            )  # fmt: skip
        except TransportError as exc:
            self.after_lost_create(exc, wal, intent, started)
            return None
        if wal is not None:
            wal.job_created(intent, info.id)
        return info

    def after_lost_create(
        self, exc: TransportError, wal: RunJournal | None, intent: int | None, started: datetime
    ) -> None:
        """The create-job POST may have made a job: find it, and abort it only if it can only be ours."""
        self.unreachable = exc
        opts = self.options
        window = orgstate.post_window(self.conn, started, datetime.now(UTC))
        competing = orgstate.creating(self.conn.instance_url, opts.object_name, opts.external_id_field) > 0
        if wal is not None:
            competing = competing or wal.others_in_flight(intent, opts.object_name, opts.external_id_field)
        known = wal.known_job_ids() if wal is not None else set()
        strays = orgstate.abort_stray(
            self.conn, opts.object_name, opts.external_id_field, window,
            user_id=orgstate.user_id(self.conn), known=known, competing=competing,
        )  # fmt: skip
        for job_id in strays.aborted:
            self.outcome.abandoned_jobs.append(
                {"job_id": job_id, "state": "Aborted", "reason": "create-job answer lost"}
            )
        if strays.aborted:
            if wal is not None:
                wal.job_created(intent, strays.aborted[0])
                wal.settle_intent(intent, "create-job answer lost; its job was found and aborted")
            found = f"its job {strays.aborted[0]} was found and aborted"
        elif strays.ambiguous:
            # Left for a later reconcile (the intent stays open), when the other POSTs have their answers.
            found = (
                f"{len(strays.ambiguous)} Open job(s) could be the one it made "
                f"({', '.join(strays.ambiguous)}), but not only ours: none was aborted"
            )
            self.outcome.notes.append(f"create-job answer lost; {found}")
        else:
            if wal is not None and strays.problem is None:
                wal.settle_intent(intent, "create-job answer lost; it made no job")
            found = strays.problem or "it made no job"
        line = f"Creating a job failed ({exc}); {found}. Trying again with a new job."
        if strays.aborted or strays.ambiguous or worth_logging(self.create_failures + 1):
            self.say(line)  # an outage fails every try: its 1st, 2nd, 4th... are told
        else:
            log.debug("%s: %s", self.outcome.part.describe(), line)

    def upload(self, info: bulk.JobInfo, use_gzip: bool) -> None:
        total = self.plan.size
        last = [0]
        step = max(_PROGRESS_STEP, total // 100)

        def progress(sent: int) -> None:
            if sent - last[0] >= step or sent >= total:
                last[0] = sent
                self.emit(EventKind.UPLOAD_PROGRESS, bytes_sent=sent, bytes_total=total)

        body = self.raw_body(progress)
        self.outcome.gzip_levels = {}
        wire = segmented_gzip(body, tuner_for(self.conn.instance_url), self.note_level) if use_gzip else body
        bulk.upload_job_data(self.conn, info, wire, gzip=use_gzip)

    def note_level(self, level: int, raw: int) -> None:
        levels = self.outcome.gzip_levels
        levels[level] = levels.get(level, 0) + raw

    def raw_body(self, progress: Callable[[int], None]) -> Iterator[bytes]:
        sent = 0
        chunks = self.plan.chunks()
        while True:
            if self.cancel.cancelled:
                raise _Cancelled
            try:
                chunk = next(chunks, None)
            except OSError as exc:  # raised as-is so requests does not mistake it for a network error
                raise _SourceChanged(str(exc)) from exc
            if chunk is None:
                return
            yield chunk
            sent += len(chunk)
            progress(sent)

    def abandon(self, job_id: str, reason: str, keep: bool = True) -> None:
        """Abort a job whose upload did not complete (nothing of it was processed) and record it.

        An abort without an answer (network down) is tried again a few times with growing pauses: an
        Open job left behind processes nothing, but a later reconcile would have to find it.
        """
        state = "Aborted"
        for tries in range(1, ABORT_TRIES + 1):
            try:
                state = bulk.abort_job(self.conn, job_id).state
                break
            except SalesforceError as exc:
                state = f"abort failed: {exc}"
                if not is_transient(exc) or tries == ABORT_TRIES:
                    log.warning("Could not abort job %s: %s", job_id, exc)
                    break
                self.cancel.wait(_poll_backoff(self.options.poll_interval_s, tries, exc.retry_after))
        if keep:
            self.outcome.abandoned_jobs.append({"job_id": job_id, "state": state, "reason": reason})
        self.outcome.job_id = None if keep else job_id

    # ---- waiting ------------------------------------------------------------------------------------

    def wait(self) -> None:
        """Poll until the job ends, the timeout passes (job left running) or the user cancels.

        Checks that fail (network down, server busy) are repeated after pauses that grow with each
        failure in a row, up to ``POLL_BACKOFF_CAP`` times the poll interval, or longer if the org asks
        (Retry-After); the part logs the first failure and the recovery, not every try.
        """
        job_id = self.outcome.job_id
        assert job_id is not None
        interval = self.options.poll_interval_s
        deadline = time.monotonic() + self.options.timeout_s
        delay, failures = interval, 0
        while self.outcome.state not in _SERVER_TERMINAL:
            if self.cancel.wait(min(delay, max(0.0, deadline - time.monotonic()))):
                self.on_cancel(job_id)
                return
            try:
                info = self.read_job(job_id)
            except SalesforceError as exc:
                if not is_transient(exc):
                    raise
                failures += 1
                delay = _poll_backoff(interval, failures, exc.retry_after)
                if failures == 1:
                    self.say(
                        f"Could not check job {job_id} ({exc}); checking again with growing pauses "
                        f"(at most {interval * POLL_BACKOFF_CAP:g} s apart)."
                    )
            else:
                if failures:
                    self.say(f"Job {job_id} answered again after {failures} failed check(s).")
                delay, failures = interval, 0
                if info is not None:
                    self.note_progress(info)
                if self.outcome.state in _SERVER_TERMINAL:
                    return
            if time.monotonic() >= deadline:
                self.set_state(
                    JobState.TIMED_OUT,
                    f"Stopped waiting after {self.options.timeout_s:g} s; job {job_id} keeps running on "
                    f"the server. Fetch its results later with: sfloader results {job_id}",
                )
                self.outcome.notes.append(f"timed out after {self.options.timeout_s:g} s; job not aborted")
                raise _Stop

    def read_job(self, job_id: str) -> bulk.JobInfo | None:
        """The job now; after a lost close answer, close it again if (and only if) it is still Open.

        None: that close's answer was lost too, so the state is still unknown.
        """
        info = bulk.get_job(self.conn, job_id)
        if not self.close_unconfirmed:
            return info
        if info.state != "Open":
            self.close_unconfirmed = False
            self.say(f"Job {job_id} is {info.state}: the close had arrived.")
            return info
        again = bulk.close_if_open(self.conn, info)
        if again is not None and again.state != "Open":
            self.close_unconfirmed = False
            self.say(f"Job {job_id} was still Open; closed it again.")
        return again

    def note_progress(self, info: bulk.JobInfo) -> None:
        o = self.outcome
        o.records_processed, o.records_failed = info.records_processed, info.records_failed
        if info.error_message:
            o.error_message = info.error_message
        self.emit(EventKind.PROCESSING, state=_server_state(info.state))
        self.set_state(_server_state(info.state))

    def on_cancel(self, job_id: str) -> None:
        if not self.cancel.abort_jobs:
            self.set_state(
                JobState.CANCELLED,
                f"Stopped waiting (cancelled); job {job_id} keeps running on the server. "
                f"Fetch its results later with: sfloader results {job_id}",
            )
            self.outcome.notes.append("cancelled: stopped waiting, job not aborted")
            raise _Stop
        self.say(f"Cancelled: aborting job {job_id} on the server; its processed rows are kept.", note=True)
        try:
            bulk.abort_job(self.conn, job_id)  # the answer carries no counts (as in Salesforce): read below
        except SalesforceError as exc:
            self.say(f"Could not abort job {job_id} ({exc}); reading what it did.")
        self.read_until_stopped(job_id)

    def read_until_stopped(self, job_id: str) -> None:
        """The job's state and counts as the org reports them once it stopped (after an abort)."""
        deadline = time.monotonic() + self.options.timeout_s
        while True:
            self.note_progress(bulk.get_job(self.conn, job_id))
            if self.outcome.state in _SERVER_TERMINAL:
                return
            if time.monotonic() >= deadline:
                self.set_state(JobState.CANCELLED, f"Job {job_id} did not stop; it may still be running.")
                self.outcome.notes.append("cancelled: abort asked, job still running")
                raise _Stop
            time.sleep(self.options.poll_interval_s)  # the abort is on its way: read again shortly

    # ---- an org that ignored Content-Encoding ------------------------------------------------------

    def gzip_unreadable(self) -> bool:
        """A gzip upload whose job failed on its header or line endings with nothing processed: the org
        kept the compressed bytes as they came (it accepted the PUT but ignored Content-Encoding)."""
        o = self.outcome
        return (
            o.gzip
            and o.state is JobState.FAILED
            and o.records_processed == 0
            and _GARBLED.search(o.error_message or "") is not None
        )

    def redo_uncompressed(self) -> None:
        """Treat it as a refusal of gzip: remember it for the org and send the part again uncompressed."""
        o = self.outcome
        job_id = o.job_id
        assert job_id is not None
        orgstate.remember_gzip_refused(self.conn.instance_url)
        o.abandoned_jobs.append(
            {"job_id": job_id, "state": "Failed", "reason": f"gzip upload unreadable: {o.error_message}"}
        )
        if self.journal is not None:  # its results hold nothing to fetch
            self.journal.settle(job_id)
        self.say(
            f"Job {job_id} failed on its header or line endings with no record processed after a gzip "
            "upload: the org seems to ignore Content-Encoding. This part is sent again uncompressed in a "
            "new job, and every later job to this org goes uncompressed.",
            note=True,
        )
        o.error_message, o.records_processed, o.records_failed = None, 0, 0
        o.job_id, self.closed, self.close_unconfirmed = None, False, False
        self.submit()
        self.wait()

    # ---- results ------------------------------------------------------------------------------------

    def fetch_results(self) -> None:
        """The job's three result files. Downloads that fail for a passing reason (network down, server
        busy) are tried again with growing pauses until the run's timeout. A full disk or read-only folder
        keeps the job's id and state: its results are "not saved" and can be fetched later."""
        o = self.outcome
        assert o.job_id is not None
        files: dict[str, Path] = {}
        deadline = time.monotonic() + self.options.timeout_s
        failures = 0
        try:
            folder = self.run_folder.job_dir(o.part, self.plan.file_index, o.job_id)
            while True:
                problems = self.download_missing(o.job_id, folder, files)
                passing = all(is_transient(e) for e in problems.values())
                if not problems or not passing or time.monotonic() >= deadline:
                    break
                failures += 1
                if failures == 1:
                    self.say(
                        f"Could not download the results of job {o.job_id}; trying again with growing pauses."
                    )
                if self.cancel.wait(_poll_backoff(self.options.poll_interval_s, failures, None)):
                    problems = self.download_missing(o.job_id, folder, files)  # one last try, then stop
                    break
        except OSError as exc:
            self.say(
                f"Could not save the results of job {o.job_id} ({exc.strerror or exc}); fetch them later "
                f"with: sfloader results {o.job_id}",
                note=True,
            )
            problems = {}
        for name, problem in problems.items():
            self.say(f"Could not download {name} results of job {o.job_id}: {problem}", note=True)
        o.success_file, o.failed_file = files.get("success"), files.get("failed")
        o.unprocessed_file = files.get("unprocessed")
        if len(files) == len(bulk.RESULT_FILES):
            self.emit(EventKind.RESULTS_SAVED, message=f"Results saved in {folder}")

    def download_missing(
        self, job_id: str, folder: Path, files: dict[str, Path]
    ) -> dict[str, SalesforceError]:
        """Each result file not saved yet; returns the downloads that failed, by name."""
        problems: dict[str, SalesforceError] = {}
        for kind, name in bulk.RESULT_FILES:
            if name in files:
                continue
            dest = folder / f"{name}.csv"
            try:
                with self.conn.wire.slot(self.options.max_concurrent_uploads):  # result files are transfers
                    bulk.download_results(self.conn, job_id, kind, dest)
            except SalesforceError as exc:
                problems[name] = exc
                continue
            files[name] = dest
        return problems

    def finish_accounting(self) -> None:
        """Every record ends in success, failed or unprocessed; say how when the job never ran."""
        o = self.outcome
        if not self.closed:
            o.records_processed = o.records_failed = 0
            o.records_unprocessed = o.rows
            o.notes.append(
                f"never reached UploadComplete: all {o.rows} records count as unprocessed (not sent)"
            )
        elif o.unprocessed_file is not None:
            o.records_unprocessed = count_records(o.unprocessed_file, self.plan.dialect.delimiter)
        else:  # still running on the server (timed out, cancelled, session lost) or results unavailable
            o.records_unprocessed = max(0, o.rows - o.records_processed)
            o.notes.append(
                f"results not saved: the {o.records_unprocessed} records not yet processed count as "
                f"unprocessed; get the job's final results with: sfloader results {o.job_id}"
            )
        if o.records_processed + o.records_unprocessed != o.rows:
            o.notes.append(
                f"accounting mismatch: {o.rows} records sent, {o.records_processed} processed, "
                f"{o.records_unprocessed} unprocessed"
            )


def _refused(exc: SalesforceError) -> bool:
    """The org refused the call unprocessed for load: too many concurrent requests, or 429."""
    return isinstance(exc, ConcurrencyLimitError) or exc.status == 429


def _poll_backoff(interval: float, failures: int, retry_after: float | None) -> float:
    """Grows with the failures in a row (capped, jittered so parallel jobs spread out); Retry-After wins."""
    ceiling = min(interval * POLL_BACKOFF_CAP, interval * 2**failures)
    delay = random.uniform(ceiling / 2, ceiling)
    return max(delay, retry_after) if retry_after is not None else delay


_tuners: dict[str, GzipTuner] = {}
_tuners_lock = threading.Lock()


def tuner_for(instance_url: str) -> GzipTuner:
    """The gzip level chooser of one org's link, for every upload to it from this process."""
    with _tuners_lock:
        return _tuners.setdefault(instance_url, GzipTuner())


# Salesforce's errorMessage when an upload's header or line endings cannot be read (a doubled prefix
# has been seen in captures too).
_GARBLED = re.compile(r"InvalidBatch : Field name not found : |LineEnding is invalid on user data")


def _server_state(state: str) -> JobState:
    try:
        return JobState(state)
    except ValueError:
        return JobState.IN_PROGRESS
