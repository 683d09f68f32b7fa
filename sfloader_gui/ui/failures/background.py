"""Slow review work (counting errors, indexing sources, retry runs) on a private thread pool."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class TaskSignals(QObject):
    """Signals of every background task of one workbench; lives on the UI thread.

    Signals:
        done(str, object): the task's name and its result.
        failed(str, str): the task's name and the error in plain words.
    """

    done = Signal(str, object)
    failed = Signal(str, str)


class _Task(QRunnable):
    def __init__(self, name: str, fn: Callable[[], Any], signals: TaskSignals) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the runner keeps it until it reports (PySide lifetime rule)
        self.name, self._fn, self._signals = name, fn, signals

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:  # noqa: BLE001 - a worker must report, never raise into Qt
            self._signals.failed.emit(self.name, str(exc) or type(exc).__name__)
            return
        self._signals.done.emit(self.name, result)


class TaskRunner(QObject):
    """Starts named tasks and keeps each one referenced until it has reported."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self.signals = TaskSignals(self)
        self._running: dict[str, _Task] = {}
        self.signals.done.connect(self._forget)
        self.signals.failed.connect(self._forget)

    def start(self, name: str, fn: Callable[[], Any]) -> bool:
        """Start ``fn`` unless a task of that name is still running."""
        if name in self._running:
            return False
        task = _Task(name, fn, self.signals)
        self._running[name] = task
        self.pool.start(task)
        return True

    def busy(self, name: str) -> bool:
        return name in self._running

    def _forget(self, name: str, _result: object) -> None:
        self._running.pop(name, None)

    def wait(self, msecs: int = 30000) -> bool:
        return self.pool.waitForDone(msecs)
