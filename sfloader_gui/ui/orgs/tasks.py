"""Runs a login step off the GUI thread (a browser login can wait minutes) and reports back by signal."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from sfloader_gui.core.credentials import CredentialError
from sfloader_gui.core.logs import redact
from sfloader_gui.core.models import ConfigError
from sfloader_gui.core.salesforce.errors import SalesforceError

log = logging.getLogger(__name__)

# Errors whose message is written for the user; anything else is a bug, shown with its type name.
_USER_ERRORS = (SalesforceError, CredentialError, ConfigError, ValueError, OSError)


class TaskSignals(QObject):
    """Signals:
    succeeded(int, object): the task id and what the job returned.
    failed(int, str): the task id and a sentence for the user (secrets removed).
    """

    succeeded = Signal(int, object)
    failed = Signal(int, str)


class _Task(QRunnable):
    def __init__(self, task_id: int, job: Callable[[], object], signals: TaskSignals) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the runner keeps the reference until the signal arrived
        self.task_id, self.job, self.signals = task_id, job, signals

    def run(self) -> None:
        try:
            result = self.job()
        except _USER_ERRORS as exc:
            self.signals.failed.emit(self.task_id, redact(str(exc)))
        except Exception as exc:  # never let a worker die silently
            log.exception("login task failed")
            self.signals.failed.emit(self.task_id, redact(f"Unexpected error ({type(exc).__name__}): {exc}"))
        else:
            self.signals.succeeded.emit(self.task_id, result)


class TaskRunner(QObject):
    """One private pool (one thread: logins run one at a time) and the tasks in flight.

    Signals:
        succeeded(int, object), failed(int, str): as ``TaskSignals``, after the task is released.
    """

    succeeded = Signal(int, object)
    failed = Signal(int, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.signals = TaskSignals(self)
        self.signals.succeeded.connect(self._on_succeeded)
        self.signals.failed.connect(self._on_failed)
        self._tasks: dict[int, _Task] = {}
        self._next = 0

    def start(self, job: Callable[[], object]) -> int:
        self._next += 1
        task = _Task(self._next, job, self.signals)
        self._tasks[task.task_id] = task
        self.pool.start(task)
        return task.task_id

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    def _on_succeeded(self, task_id: int, result: object) -> None:
        self._tasks.pop(task_id, None)
        self.succeeded.emit(task_id, result)

    def _on_failed(self, task_id: int, message: str) -> None:
        self._tasks.pop(task_id, None)
        self.failed.emit(task_id, message)

    def wait(self, msecs: int = 10_000) -> bool:
        return self.pool.waitForDone(msecs)
