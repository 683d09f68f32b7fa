"""One load run from start to finish: run folder, manifest, journal, concurrency gate, outcomes, cancel.

Every front end drives the same object: the headless engine runs ``LoadRun.run`` on a thread pool, the
desktop app calls ``LoadRun.run_part`` from its QRunnable workers (and ``skip`` for parts it drops from
its queue), the workbench's retry is a ``LoadRun`` started through the app's load controller. So a part
that never started is "not sent" and counted the same way everywhere, and the manifest is the same.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from sfloader_gui.core.load.arenas import share_malloc_arenas
from sfloader_gui.core.load.journal import Journal, RunJournal
from sfloader_gui.core.load.links import remember_level
from sfloader_gui.core.load.part.plan import PartPlan, part_plans
from sfloader_gui.core.load.part.state import EventSink
from sfloader_gui.core.load.part.upload import tuner_for
from sfloader_gui.core.load.plan import LoadPlan
from sfloader_gui.core.load.results import ApiUse, Manifest, RunFolder, unbalanced
from sfloader_gui.core.load.runner import run_part
from sfloader_gui.core.models import CancelToken, EventKind, JobEvent, JobOutcome, JobState, LoadOptions
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.salesforce.meter import ApiMeter, metered

log = logging.getLogger(__name__)

NEVER_SENT = "never reached UploadComplete"  # the note that marks a part whose records were not sent


@dataclass
class RunResult:
    """What a load did: the run folder, every part's outcome and the manifest written for it."""

    run_folder: RunFolder
    outcomes: list[JobOutcome]
    manifest: Manifest

    @property
    def run_dir(self) -> Path:
        return self.run_folder.path

    @property
    def ok(self) -> bool:
        """Every job completed, no record failed, and the manifest and every result file are on disk."""
        if MANIFEST_ERROR in self.manifest:
            return False
        return all(
            o.state is JobState.JOB_COMPLETE and o.records_failed == 0 and o.unprocessed_file is not None
            for o in self.outcomes
        )


MANIFEST_ERROR: Final = (
    "manifest_error"  # in a manifest that could not be written: why (disk full, read-only)
)


def not_sent(
    part: PartPlan, state: JobState, message: str, on_event: EventSink, why: str = NEVER_SENT
) -> JobOutcome:
    """The outcome of a part none of whose records reached Salesforce: all of them count as unprocessed."""
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


class PartGate:
    """Runs parts, at most ``limit`` at once; one fewer each time the org refused concurrent requests."""

    def __init__(self, conn: SalesforceConnection, limit: int) -> None:
        self.conn, self.limit = conn, limit
        self.running = 0
        self.seen = conn.concurrency_refusals
        self.cond = threading.Condition()

    def run(self, step: Callable[[], JobOutcome], on_event: EventSink) -> JobOutcome:
        with self.cond:
            self.cond.wait_for(lambda: self.running < self.limit)
            self.running += 1
        try:
            outcome = step()
        finally:
            with self.cond:
                self.running -= 1
                self.cond.notify_all()
        with self.cond:
            self._adapt(outcome, on_event)
        return outcome

    def _adapt(self, outcome: JobOutcome, on_event: EventSink) -> None:
        refusals = self.conn.concurrency_refusals
        if refusals > self.seen and self.limit > 1:
            self.limit -= 1
            message = (
                f"The org refused concurrent requests; from now on at most {self.limit} jobs run at once."
            )
            log.warning(message)
            on_event(JobEvent(EventKind.LOG, outcome.part, outcome.state, message=message))
        self.seen = refusals


def _all_results(o: JobOutcome) -> bool:
    return None not in (o.success_file, o.failed_file, o.unprocessed_file)


class LoadRun:
    """One run of a plan. Thread-safe: ``run_part`` is called from many threads at once.

    The manifest is written when the run is made (every part queued), rewritten whenever a part changes
    state, and written a last time by ``finish``, so a crash leaves a folder that says what was under way.
    """

    def __init__(
        self,
        conn: SalesforceConnection,
        plan: LoadPlan,
        options: LoadOptions,
        folder: RunFolder,
        *,
        journal: Journal | None,
        retry_of: str | None = None,
        cancel: CancelToken | None = None,
    ) -> None:
        self.conn, self.plan, self.options, self.folder = conn, plan, options, folder
        self.retry_of = retry_of
        self.cancel_token = cancel or CancelToken()
        self.parts = part_plans(plan)
        self._journal: RunJournal | None = (
            journal.for_run(conn.instance_url, folder.path) if journal else None
        )
        share_malloc_arenas()  # before this run's part threads allocate
        self._gate = PartGate(conn, options.max_concurrent_jobs)
        # The link's gzip level chooser (one per org in this process), and the level this run starts at.
        self._tuner = tuner_for(conn.instance_url) if options.use_gzip else None
        self._gzip_start = self._tuner.level if self._tuner else None
        self.meter = ApiMeter()  # the calls of this run's parts (the connection may serve other loads too)
        self._lock = threading.Lock()
        self._now: dict[str, JobOutcome] = {p.ref.key: self._queued(p) for p in self.parts}
        self._done: dict[str, JobOutcome] = {}
        self._manifest_broken = False
        self._write_manifest()

    @classmethod
    def create(
        cls,
        conn: SalesforceConnection,
        plan: LoadPlan,
        options: LoadOptions,
        out_dir: Path,
        *,
        journal: Journal | None,
    ) -> LoadRun:
        """A new run folder under ``out_dir`` (never an existing one) and the run that fills it."""
        return cls(conn, plan, options, RunFolder.create(out_dir, options.object_name), journal=journal)

    @property
    def cancelled(self) -> bool:
        return self.cancel_token.cancelled

    # ---- driving it --------------------------------------------------------------------------------------

    def run(self, on_event: EventSink) -> RunResult:
        """Headless: every part on a thread pool (``max_concurrent_jobs`` at most), then ``finish``."""
        for part in self.parts:
            on_event(JobEvent(EventKind.STATE, part.ref, JobState.QUEUED))
        with ThreadPoolExecutor(self.options.max_concurrent_jobs, thread_name_prefix="sfloader-job") as pool:
            for future in [pool.submit(self.run_part, p, on_event) for p in self.parts]:
                future.result()
        return self.finish()

    def run_part(self, part: PartPlan, on_event: EventSink) -> JobOutcome:
        """One part through the gate and the runner; never raises. A part not started when the run was
        cancelled is not sent."""
        sink = self._sink(on_event)
        try:
            with metered(self.meter):
                outcome = self._cancelled_before_start(part, sink) or self._gate.run(
                    lambda: self._cancelled_before_start(part, sink) or self._send(part, sink), sink
                )
        except Exception as exc:  # a bug must not lose the other parts' outcomes or the manifest
            log.exception("Unexpected error while loading %s", part.ref.describe())
            message = f"Unexpected error: {type(exc).__name__}: {exc}"
            outcome = not_sent(part, JobState.ERROR, message, sink, "unexpected client error")
        self._settle(outcome)
        return outcome

    def skip(self, part: PartPlan, on_event: EventSink) -> JobOutcome:
        """A part its front end will never run (dropped from a queue on cancel): not sent, counted."""
        outcome = not_sent(part, JobState.CANCELLED, "Cancelled before it was sent.", self._sink(on_event))
        self._settle(outcome)
        return outcome

    def cancel(self, abort_jobs: bool = False, reason: str = "") -> None:
        """No part starts from now on; running ones stop waiting, or their jobs are aborted on the server
        (``reason``: the user's, which their parts report)."""
        self.cancel_token.cancel(abort_jobs=abort_jobs, reason=reason)

    def finish(self) -> RunResult:
        """The last manifest (parts without an outcome count as not sent) and the accounting check."""
        outcomes = [self._done.get(p.ref.key) or self.skip(p, lambda _e: None) for p in self.parts]
        finished = datetime.now(UTC)
        manifest = self._manifest(outcomes, finished)
        try:
            with self._lock:  # after any update still being written
                self.folder.write_manifest(manifest)
        except OSError as exc:  # disk full, read-only folder: say so, still tell what every job did
            log.error("Could not write the manifest of run %s: %s", self.folder.run_id, exc)
            manifest[MANIFEST_ERROR] = f"manifest.json could not be written in {self.folder.path}: {exc}"
        else:
            # Only now, with the manifest that lists them on disk, are a job's results findable again.
            if self._journal is not None:
                self._journal.mark_saved(o.job_id for o in outcomes if o.job_id and _all_results(o))
        if self._tuner is not None and not self._tuner.fixed and self._tuner.decisions:
            # where the next run starts, and the link's rate (with its age when this run only kept it)
            tuner = self._tuner
            remember_level(self.conn.instance_url, tuner.level, link=tuner.link, seen=tuner.measured)
        problem = unbalanced(manifest)
        if problem is not None:
            log.warning("Run %s: %s", self.folder.run_id, problem)
        return RunResult(self.folder, outcomes, manifest)

    # ---- inside -----------------------------------------------------------------------------------------

    def _send(self, part: PartPlan, sink: EventSink) -> JobOutcome:
        if (
            self.conn.fatal_error is not None
        ):  # a dead session or used-up API limit stops the parts not started
            return not_sent(part, JobState.CANCELLED, f"Not sent: {self.conn.fatal_error}", sink)
        return run_part(self.conn, part, self.options, self.folder, sink, self.cancel_token, self._journal)

    def _cancelled_before_start(self, part: PartPlan, sink: EventSink) -> JobOutcome | None:
        if not self.cancel_token.no_new_parts:
            return None
        return not_sent(part, JobState.CANCELLED, "Cancelled before it was sent.", sink)

    def _sink(self, on_event: EventSink) -> EventSink:
        """The manifest first, then the caller (the runner has journalled the event already)."""

        def sink(event: JobEvent) -> None:
            self._track(event)
            on_event(event)

        return sink

    def _track(self, event: JobEvent) -> None:
        if event.kind not in (EventKind.STATE, EventKind.PROCESSING):
            return
        with self._lock:
            now = self._now.get(event.part.key)
            if now is None or event.part.key in self._done:
                return
            now.records_processed, now.records_failed = event.records_processed, event.records_failed
            changed = (event.state, event.job_id) != (now.state, now.job_id)
            if changed:
                now.state, now.job_id = event.state, event.job_id or now.job_id
        if changed:
            self._write_manifest()

    def _settle(self, outcome: JobOutcome) -> None:
        with self._lock:
            self._done.setdefault(outcome.part.key, outcome)
        self._write_manifest()

    def _queued(self, part: PartPlan) -> JobOutcome:
        return JobOutcome(
            part=part.ref, state=JobState.QUEUED, rows=part.records, first_record=part.first_record
        )

    def _manifest(self, outcomes: list[JobOutcome], finished_at: datetime | None) -> Manifest:
        return self.folder.build_manifest(
            self.plan, outcomes, instance_url=self.conn.instance_url, retry_of=self.retry_of,
            finished_at=finished_at, gzip_start=self._gzip_start, api=self._api_use(),
        )  # fmt: skip

    def _api_use(self) -> ApiUse:
        used, allowed = self.conn.api_usage or (None, None)
        return {"calls": self.meter.calls, "org_used": used, "org_max": allowed}

    def _write_manifest(self) -> None:
        """The manifest as the run stands; one that cannot be written is logged once and the load goes on
        (``finish`` tells the user when the last one cannot be written)."""
        with self._lock:
            outcomes = [self._done.get(p.ref.key) or self._now[p.ref.key] for p in self.parts]
            try:
                self.folder.write_manifest(self._manifest(outcomes, None))
            except OSError as exc:
                if not self._manifest_broken:
                    log.warning("Could not update %s: %s", self.folder.manifest_path, exc)
                self._manifest_broken = True
