"""Desktop-app test set-up: garbage is collected on the UI thread only, as in the app; no worker may outlive
its test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication

from sfloader_gui.ui.tasks import live_pools
from sfloader_gui.ui.ui_thread_gc import UiThreadCollector


@pytest.fixture(autouse=True, scope="session")
def _ui_thread_gc(qapp: QApplication) -> Iterator[UiThreadCollector]:
    """What ``ui.app.run`` installs: pytest-qt's deleteLater'd windows sit in reference cycles, and a
    collection on a pool or emulator thread deleted them there (the segfaults of issue 15)."""
    collector = UiThreadCollector(qapp)
    yield collector
    collector.stop()


@pytest.fixture(autouse=True)
def _no_worker_left_running(qapp: QApplication) -> Iterator[None]:
    """Autouse fixtures are set up first and torn down last: after qtbot has closed the test's windows."""
    yield
    pools = [*live_pools(), QThreadPool.globalInstance()]
    busy = [p for p in pools if p.activeThreadCount()]
    for pool in busy:
        pool.waitForDone(30_000)  # clean up before failing, so the next test starts clean
    assert not busy, f"{len(busy)} thread pool(s) still had workers running after the test"
