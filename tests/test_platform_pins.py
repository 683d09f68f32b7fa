"""Guards the PySide6 pin: 6.12.0 drops references to True/None on 3.11; one PySide6 for every Python."""

from __future__ import annotations

import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Emitter(QObject):
    fired = Signal(bool)


class _Job(QRunnable):
    def run(self) -> None:
        return None


def test_installed_pyside6_respects_the_pin() -> None:
    major, minor, *_ = (int(p) for p in version("PySide6-Essentials").split(".")[:3])
    assert (major, minor) >= (6, 11)
    # Every Python: 6.12.0 corrupts refcounts on 3.11, and uv.lock holds one version for all (issue 15).
    assert (major, minor) < (6, 12), "PySide6 6.12 is not proven safe on every supported Python"


def test_lock_resolves_one_pyside6_for_every_python() -> None:
    lock = tomllib.loads((Path(__file__).parents[1] / "uv.lock").read_text(encoding="utf-8"))
    for name in ("pyside6-essentials", "shiboken6"):
        versions = {p["version"] for p in lock["package"] if p["name"] == name}
        assert len(versions) == 1, f"uv.lock forks {name} by Python: {sorted(versions)}"
        assert version(name) in versions, f"installed {name} {version(name)} is not the locked one"


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
