"""A window left in a reference cycle is deleted on the UI thread, never by a pool thread (issue 15)."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

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


def test_stop_gives_collection_back_to_python(qtbot: QtBot) -> None:
    gc.enable()
    collector = UiThreadCollector()
    assert not gc.isenabled()
    collector.stop()
    assert gc.isenabled()
    gc.disable()  # the session's collector stays in charge for the other tests
