"""One load part per QRunnable: calls the engine's job function, reports through a shared signals object."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, Signal

from sfloader_gui.core.models import CancelToken, JobEvent, JobOutcome, JobState, PartRef

log = logging.getLogger(__name__)

# The engine's per-part function with everything but the callback and the cancel token bound.
PartJob = Callable[[Callable[[JobEvent], None], CancelToken], JobOutcome]


class WorkerSignals(QObject):
    """Signals of every part worker; one long-lived instance owned by the controller on the UI thread.

    Signals:
        started(PartRef): the worker picked the part up (it left the queue).
        progress(JobEvent): a state change, upload progress, a poll, saved results or a log line.
        failed(PartRef, str): the job function raised (a bug, not a Salesforce outcome); ``finished`` follows.
        finished(JobOutcome): always the last signal of a worker, exactly once.
    """

    started = Signal(object)
    progress = Signal(object)  # not "event": that name would hide QObject.event()
    failed = Signal(object, str)
    finished = Signal(object)


class PartWorker(QRunnable):
    """Runs one part on a pool thread. Never touches a widget: it only emits plain data."""

    def __init__(self, ref: PartRef, job: PartJob, cancel: CancelToken, signals: WorkerSignals) -> None:
        super().__init__()
        # The controller holds the reference until ``finished``; Qt must not delete a Python-owned object.
        self.setAutoDelete(False)
        self.ref = ref
        self._job = job
        self._cancel = cancel
        self._signals = signals

    def run(self) -> None:
        self._signals.started.emit(self.ref)
        try:
            outcome = self._job(self._signals.progress.emit, self._cancel)
        except Exception as exc:  # run_part reports Salesforce failures as outcomes; this is the last resort
            log.exception("Unexpected error while loading %s", self.ref.describe())
            message = f"Unexpected error: {exc}" if str(exc) else f"Unexpected error: {type(exc).__name__}"
            self._signals.failed.emit(self.ref, message)
            outcome = JobOutcome(part=self.ref, state=JobState.ERROR, error_message=message)
        self._signals.finished.emit(outcome)
