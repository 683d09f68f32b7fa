"""The one background-task helper of the UI: calls on a private pool, per-call callbacks on the UI thread."""

from __future__ import annotations

import functools
import itertools
import logging
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QThreadPool, Signal

log = logging.getLogger(__name__)

_POOLS: weakref.WeakSet[QThreadPool] = weakref.WeakSet()

T = TypeVar("T")
OnError = Callable[[str], None]


def make_pool(parent: QObject, max_threads: int) -> QThreadPool:
    """A private pool (never the global one), registered so tests can prove no worker outlives them."""
    pool = QThreadPool(parent)
    pool.setMaxThreadCount(max_threads)
    _POOLS.add(pool)
    return pool


def live_pools() -> list[QThreadPool]:
    """Pools whose Qt object still exists (a deleted QThreadPool waited for its workers when it died)."""
    return [p for p in list(_POOLS) if shiboken6.isValid(p)]


class _TaskSignals(QObject):
    """One long-lived signals object for every task (a per-task QObject could die before its signal lands)."""

    done = Signal(int, object)
    failed = Signal(int, str)


def _call(task_id: int, fn: Callable[[], object], signals: _TaskSignals) -> None:
    """The body of one task on a pool thread: compute, then report through the long-lived signals."""
    try:
        result = fn()
    except Exception as exc:  # every failure is reported in place; the UI offers a retry
        log.debug("Background task %d failed", task_id, exc_info=True)
        signals.failed.emit(task_id, str(exc) or type(exc).__name__)
        return
    signals.done.emit(task_id, result)


class BackgroundTasks(QObject):
    """Runs callables off the UI thread; ``on_done(result)`` / ``on_error(message)`` run on the UI thread.

    Workers only compute; the callbacks (on the UI thread) are the only code that touches widgets. Every
    background pool of the app is made here (``make_pool``), so the tests' guard sees all leftover work.
    """

    def __init__(self, max_threads: int = 4, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = make_pool(self, max_threads)
        self._signals = _TaskSignals(self)
        self._signals.done.connect(self._on_done)
        self._signals.failed.connect(self._on_failed)
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[Callable[[], object], Callable[[Any], None], OnError]] = {}
        self._names: dict[str, int] = {}  # named tasks: at most one of each name at a time
        # Finished tasks' callables, dropped here on the UI thread once the pool is idle: the pool thread
        # lets go of its reference just after the result is sent, and the last reference to whatever a
        # callable holds (a dialog, a connection) must not be dropped on a pool thread.
        self._retired: list[Callable[[], object]] = []

    def submit(
        self, fn: Callable[[], T], on_done: Callable[[T], None], on_error: OnError, *, name: str | None = None
    ) -> bool:
        """Start ``fn``; with a ``name``, refuse (False) while a task of that name has not reported."""
        if name is not None and name in self._names:
            return False
        if self._pool.activeThreadCount() == 0:
            self._retired.clear()
        task_id = next(self._ids)
        self._pending[task_id] = (fn, on_done, on_error)
        if name is not None:
            self._names[name] = task_id
        # A plain callable, not a QRunnable subclass (issue 15): PySide wraps it in an auto-deleting C++
        # runnable that lets go of the callable when it returns. A Python QRunnable with autoDelete off is
        # taken over by C++ in start() and never freed: every task leaked itself and all it held.
        self._pool.start(functools.partial(_call, task_id, fn, self._signals))
        return True

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def running(self, name: str) -> bool:
        """A task of this name has not reported yet."""
        return name in self._names

    def wait(self, msecs: int = 30_000) -> bool:
        done = self._pool.waitForDone(msecs)
        if done:
            self._retired.clear()
        return done

    def _take(self, task_id: int) -> tuple[Callable[[], object], Callable[[Any], None], OnError] | None:
        entry = self._pending.pop(task_id, None)
        if entry is not None:
            self._retired.append(entry[0])
            self._names = {n: i for n, i in self._names.items() if i != task_id}
        return entry

    def _on_done(self, task_id: int, result: object) -> None:
        entry = self._take(task_id)
        if entry is not None:
            entry[1](result)

    def _on_failed(self, task_id: int, message: str) -> None:
        entry = self._take(task_id)
        if entry is not None:
            entry[2](message)
