"""A window left in a reference cycle is deleted on the UI thread, never by a pool thread (issue 15)."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QEventLoop, QObject, Qt, QThreadPool, QTimer
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from sfloader_gui.ui.tasks import make_pool
from sfloader_gui.ui.ui_thread_gc import UiThreadCollector


class _Window(QWidget):
    """A Python subclass, like MainWindow: without the collector a worker's collection deleted it there."""


def _churn() -> int:
    junk = [[i] for i in range(50_000)]  # enough container allocations to pass every collection threshold
    return len(junk)


def test_a_window_in_a_cycle_is_deleted_on_the_ui_thread(
    qtbot: QtBot, _ui_thread_gc: UiThreadCollector
) -> None:
    assert not gc.isenabled(), "automatic collection would run on whichever thread allocates"
    deleted_on: list[str] = []
    window = _Window()
    window.cycle = [window]  # type: ignore[attr-defined]
    window.destroyed.connect(
        lambda *_: deleted_on.append(threading.current_thread().name), Qt.ConnectionType.DirectConnection
    )
    del window

    pool = QThreadPool()
    for _ in range(4):
        pool.start(_churn)
    assert pool.waitForDone(30_000)
    assert deleted_on == [], "a pool thread collected the window"

    keep = [[i] for i in range(50_000)]  # the UI thread passes the thresholds: the timer collects
    qtbot.waitUntil(lambda: bool(deleted_on), timeout=10_000)
    assert deleted_on == [threading.main_thread().name]
    assert len(keep) == 50_000


def test_no_double_delete_when_qt_deletes_a_widget_whose_wrapper_is_garbage(
    qtbot: QtBot, _ui_thread_gc: UiThreadCollector
) -> None:
    """The segfault of issue 15, made deterministic: with automatic collection, the pool thread's
    allocations free the plain widget's wrapper and Shiboken queues its C++ delete for the main thread;
    deleteLater then deletes it inside the event loop, and the queued delete runs on freed memory when
    Python code runs next (rc 139 on PySide6 6.11.3 and 6.12.0, Python 3.11 to 3.13)."""
    widget = QWidget()
    widget.cycle = [widget]  # type: ignore[attr-defined]
    delete_later = QTimer()
    delete_later.setSingleShot(True)
    delete_later.setInterval(300)
    delete_later.timeout.connect(widget.deleteLater)  # C++ to C++: no Python runs when it fires
    del widget
    loop = QEventLoop()
    QTimer.singleShot(600, loop.quit)
    pool = QThreadPool()
    for _ in range(4):
        pool.start(_churn)
    delete_later.start()
    loop.exec()
    assert pool.waitForDone(30_000)
    gc.collect()  # here, on the UI thread: the wrapper of the deleted widget goes without a second delete


def test_stop_gives_collection_back_to_python(qtbot: QtBot) -> None:
    gc.enable()
    collector = UiThreadCollector()
    assert not gc.isenabled()
    collector.stop()
    assert gc.isenabled()
    gc.disable()  # the session's collector stays in charge for the other tests


def _checks_until_a_full_collection() -> tuple[int, int]:
    """Checks by hand, each after a young generation that lives on, until a full collection: (checks, size
    of the oldest generation at the start). Thresholds of 1 make the generation counts alone ask for a full
    collection every fourth collection."""
    thresholds = gc.get_threshold()
    gc.set_threshold(700, 1, 1)
    collector = UiThreadCollector(check_ms=3_600_000)  # checked by hand below
    full: list[int] = []

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            full.append(1)

    gc.callbacks.append(on_gc)
    kept: list[list[list[int]]] = []
    try:
        total = len(gc.get_objects(2))
        checks = 0
        while not full and checks < 3000:
            kept.append([[i] for i in range(701)])
            collector.check()
            checks += 1
        assert full, "never a full collection"
        return checks, total
    finally:
        gc.callbacks.remove(on_gc)
        collector.stop()
        gc.set_threshold(*thresholds)
        gc.disable()  # the session's collector stays in charge for the other tests


def test_the_whole_heap_is_walked_only_when_a_quarter_more_objects_lived_on(qtbot: QtBot) -> None:
    """Python's rule for a full collection, kept on the UI thread: a full walk of the heap cost 55 to 100 ms
    of the UI thread in the test process (issue 9's responsiveness tests failed on it)."""
    checks, total = _checks_until_a_full_collection()
    assert checks * 701 > total // 4 * 0.9, f"a full collection after {checks} checks ({total} objects)"


def test_while_a_pool_works_the_whole_heap_waits_until_it_doubled(qtbot: QtBot) -> None:
    """A load's workers running: the window stays responsive; memory is still bounded."""
    owner = QObject()
    pool = make_pool(owner, 1)
    release = threading.Event()
    pool.start(lambda: release.wait(60))
    try:
        checks, total = _checks_until_a_full_collection()
    finally:
        release.set()
        assert pool.waitForDone(30_000)
    assert checks * 701 > total * 0.9, f"a full collection after {checks} checks ({total} objects)"
