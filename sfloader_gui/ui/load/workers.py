"""One load part per QRunnable: runs the LoadRun's per-part step, reports through a shared signals object."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, Signal

from sfloader_gui.core.load.part.plan import PartPlan
from sfloader_gui.core.models import JobOutcome, JobState

log = logging.getLogger(__name__)

# The run's per-part step (``LoadRun.run_part``) with the part and the event sink bound.
PartStep = Callable[[], JobOutcome]


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

    def __init__(self, part: PartPlan, step: PartStep, signals: WorkerSignals) -> None:
        super().__init__()
        # The controller holds the reference until ``finished``; Qt must not delete a Python-owned object.
        self.setAutoDelete(False)
        self.part = part
        self.ref = part.ref
        self._step = step
        self._signals = signals

    def run(self) -> None:
        self._signals.started.emit(self.ref)
        try:
            outcome = self._step()
        except Exception as exc:  # LoadRun.run_part never raises; this is the last resort
            log.exception("Unexpected error while loading %s", self.ref.describe())
            message = f"Unexpected error: {exc}" if str(exc) else f"Unexpected error: {type(exc).__name__}"
            self._signals.failed.emit(self.ref, message)
            outcome = JobOutcome(
                part=self.ref, state=JobState.ERROR, error_message=message, rows=self.part.records,
                first_record=self.part.first_record, records_unprocessed=self.part.records,
            )  # fmt: skip
        self._signals.finished.emit(outcome)
