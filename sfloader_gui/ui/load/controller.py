"""Drives a core LoadRun on a private QThreadPool: the jobs model, cancel and the end of a run."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from sfloader_gui.core.load.results import Manifest
from sfloader_gui.core.load.run import LoadRun
from sfloader_gui.core.load.run import RunResult as LoadRunResult
from sfloader_gui.core.models import MAX_CONCURRENT_JOBS, EventKind, JobEvent, JobOutcome, JobState
from sfloader_gui.ui.load.jobs_model import JobsModel
from sfloader_gui.ui.load.workers import PartWorker, WorkerSignals
from sfloader_gui.ui.tasks import BackgroundTasks, make_pool

log = logging.getLogger(__name__)

RAMP_MS = 50  # between two parts handed to the pool: 15 jobs are all running within 0.7 s


@dataclass
class RunResult:
    """What the window shows when a run ended."""

    outcomes: list[JobOutcome]
    cancelled: bool
    elapsed_s: float
    run_folder: Path | None = None
    finalize_error: str | None = None
    manifest: Manifest | None = None  # None: the run could not be finished (``finalize_error``)

    @property
    def retry_of(self) -> str | None:
        """The run whose failed rows this one sent again (a workbench retry), else None."""
        return self.manifest["retry_of"] if self.manifest is not None else None


class LoadController(QObject):
    """Drives a core ``LoadRun`` from the UI: its parts on the load pool, the jobs model, cancel, finish.

    Owns the pool, the worker signals object and every in-flight worker.

    Signals:
        run_started(): parts were queued.
        changed(): a part changed (for the summary line).
        part_failed(PartRef, str): a part could not be loaded (job failed, error, timeout).
        run_finished(RunResult): every part ended and the manifest was written.
    """

    run_started = Signal()
    changed = Signal()
    part_failed = Signal(object, str)
    run_finished = Signal(object)

    def __init__(self, model: JobsModel, tasks: BackgroundTasks, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._tasks = tasks
        self._pool = make_pool(self, MAX_CONCURRENT_JOBS)
        self._signals = WorkerSignals(self)
        self._signals.progress.connect(self._on_event)
        self._signals.finished.connect(self._on_finished)
        self._workers: dict[str, PartWorker] = {}
        # Finished workers may still be returning from run(): freed only once the pool is idle.
        self._retired: list[PartWorker] = []
        self._outcomes: list[JobOutcome] = []
        self._run: LoadRun | None = None
        self._label = ""
        self._started_at = 0.0
        self._finishing = False
        self._not_started: list[PartWorker] = []  # made, not yet handed to the pool (see RAMP_MS)
        self._ramp = QTimer(self)
        self._ramp.setInterval(RAMP_MS)
        self._ramp.timeout.connect(self._start_next)
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)

    # -- state -----------------------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._run is not None

    @property
    def cancelling(self) -> bool:
        return self._run is not None and self._run.cancelled

    @property
    def object_name(self) -> str:
        """The object the running (or last) run loads into."""
        return self._run.options.object_name if self._run is not None else ""

    @property
    def pool(self) -> QThreadPool:
        return self._pool

    def elapsed(self) -> float:
        return time.monotonic() - self._started_at if self._started_at else 0.0

    # -- commands --------------------------------------------------------------------------------------------
    def start(self, run: LoadRun, label: str = "") -> None:
        """Run ``run``'s parts on the pool (the window made it: folder, manifest and journal are ready)."""
        if self.running:
            raise RuntimeError("A load is already running.")
        self._pool.waitForDone(0)
        if self._pool.activeThreadCount() == 0:
            self._retired.clear()
        self._pool.setMaxThreadCount(max(1, min(run.options.max_concurrent_jobs, MAX_CONCURRENT_JOBS)))
        self._run, self._label = run, label or f"the load into {run.options.object_name}"
        self._outcomes = []
        self._finishing = False
        self._started_at = time.monotonic()
        self.model.set_parts([(p.ref, p.records) for p in run.parts])
        emit = self._signals.progress.emit
        for part in run.parts:
            self._workers[part.ref.key] = PartWorker(part, partial(run.run_part, part, emit), self._signals)
        # Parts go to the pool one every RAMP_MS, from the next turn of the event loop: the table paints
        # first, and 15 jobs do not upload, poll and download in lockstep (bursts that starve the UI
        # thread of the GIL, and hit the org's concurrent-request limit all at once).
        self._not_started = list(self._workers.values())
        self._ramp.start()
        self._ticker.start()
        log.info(
            "Started %s: %d job(s), up to %d at once.",
            self._label,
            len(run.parts),
            self._pool.maxThreadCount(),
        )
        self.run_started.emit()
        if not run.parts:
            self._maybe_finish()

    def _start_next(self) -> None:
        if not self._not_started:
            self._ramp.stop()
            return
        self._pool.start(self._not_started.pop(0))

    def cancel(self, abort_jobs: bool, reason: str = "") -> None:
        """Cancel the run; parts still queued here are not sent (the run counts them as unprocessed).
        ``reason``: the user's, logged with the jobs aborted at their request."""
        run = self._run
        if run is None:
            return
        run.cancel(
            abort_jobs=abort_jobs, reason=reason
        )  # first: a part that leaves the queue now is not sent either
        self._ramp.stop()
        never_queued, self._not_started = self._not_started, []
        dropped = 0
        for worker in list(self._workers.values()):
            # Not yet handed to the pool, or still waiting in its queue: it will not run, so report it here.
            if worker in never_queued or self._pool.tryTake(worker):
                dropped += 1
                self._on_finished(run.skip(worker.part, self._signals.progress.emit))
        what = "aborting running jobs on the server" if abort_jobs else "no longer waiting for running jobs"
        log.info("Cancel: %d queued job(s) not sent; %s.", dropped, what)
        self._maybe_finish()

    def shutdown(self, msecs: int = 30_000) -> bool:
        """Stop everything (without aborting server jobs) and wait for the pool; for app exit and tests."""
        if self.running:
            self.cancel(abort_jobs=False)
        done = self._pool.waitForDone(msecs)
        self._ticker.stop()
        return done

    # -- worker signals (UI thread) --------------------------------------------------------------------------
    def _on_event(self, event: JobEvent) -> None:
        # LOG events need nothing here: the engine logs the same line, and the log pane shows its logger.
        self.model.apply_event(event)
        if event.kind is EventKind.STATE:
            if event.message and not event.state.is_terminal:  # the outcome is logged once, below
                log.info("%s: %s", event.part.describe(), event.message)
            self.changed.emit()
        elif event.kind is EventKind.PROCESSING:
            self.changed.emit()  # the summary's record counts

    def _on_finished(self, outcome: JobOutcome) -> None:
        worker = self._workers.pop(outcome.part.key, None)
        if worker is None:
            return
        self._retired.append(worker)
        self._outcomes.append(outcome)
        self.model.apply_outcome(outcome)
        self._log_outcome(outcome)
        self.changed.emit()
        self._maybe_finish()

    def _log_outcome(self, o: JobOutcome) -> None:
        name = o.part.describe()
        if o.state is JobState.JOB_COMPLETE:
            unprocessed = f", {o.records_unprocessed:,} not processed" if o.records_unprocessed else ""
            log.info(
                "%s: finished — %s loaded, %s failed%s.",
                name, f"{o.records_succeeded:,}", f"{o.records_failed:,}", unprocessed,
            )  # fmt: skip
        elif o.state is JobState.CANCELLED:
            log.info("%s: not sent (cancelled).", name)
        elif o.aborted_by_user:  # the user's own choice, not a problem: their reason, at INFO
            log.info(
                "%s: aborted at your request (%s) — %s loaded before the abort, %s not processed.",
                name, o.user_abort, f"{o.records_succeeded:,}", f"{o.records_unprocessed:,}",
            )  # fmt: skip
        else:
            reason = o.error_message or "no reason given"
            log.warning("%s: %s — %s", name, o.state.value, reason)
            self.part_failed.emit(o.part, reason)

    def _maybe_finish(self) -> None:
        if self._workers or self._run is None or self._finishing:
            return
        self._finishing = True
        run, outcomes, cancelled = self._run, list(self._outcomes), self._run.cancelled
        elapsed = self.elapsed()

        def done(result: LoadRunResult) -> None:
            self._finish(
                RunResult(result.outcomes, cancelled, elapsed, result.run_dir, None, result.manifest)
            )

        def failed(message: str) -> None:
            self._finish(RunResult(outcomes, cancelled, elapsed, run.folder.path, finalize_error=message))

        self._tasks.submit(run.finish, done, failed)

    def _finish(self, result: RunResult) -> None:
        self._ticker.stop()
        self.model.tick()
        self._run = None
        if result.finalize_error:
            log.error("The results summary could not be written: %s", result.finalize_error)
        self.run_finished.emit(result)

    def _tick(self) -> None:
        self.model.tick()
        self.changed.emit()
