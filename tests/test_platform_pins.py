"""Guards the PySide6 pin: 6.12.0 on CPython 3.11 drops references to True/None and crashes."""

from __future__ import annotations

import sys
from importlib.metadata import version

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Emitter(QObject):
    fired = Signal(bool)


class _Job(QRunnable):
    def run(self) -> None:
        return None


def test_installed_pyside6_respects_the_pin() -> None:
    major, minor, *_ = (int(p) for p in version("PySide6-Essentials").split(".")[:3])
    assert (major, minor) >= (6, 11)
    if sys.version_info < (3, 12):
        assert (major, minor) < (6, 12), "PySide6 6.12 corrupts refcounts on Python 3.11"


def test_signal_emit_keeps_refcount_of_true(qapp: object) -> None:
    emitter = _Emitter()
    seen: list[bool] = []
    emitter.fired.connect(seen.append)
    before = sys.getrefcount(True)
    for _ in range(2000):
        emitter.fired.emit(True)
    seen.clear()
    assert abs(sys.getrefcount(True) - before) < 50


def test_pool_runnables_keep_refcount_of_none(qapp: object) -> None:
    pool = QThreadPool()
    jobs = [_Job() for _ in range(200)]
    for job in jobs:
        job.setAutoDelete(False)
    before = sys.getrefcount(None)
    for job in jobs:
        pool.start(job)
    assert pool.waitForDone(10_000)
    assert before - sys.getrefcount(None) < 50
