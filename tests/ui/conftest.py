"""Desktop-app test set-up: garbage is collected on the UI thread only, as in the app; no worker may outlive
its test."""

from __future__ import annotations

import logging
import re
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


class _Warnings(logging.Handler):
    """Keeps the WARNING (and worse) records of the app's own loggers (``sfloader_gui.*``)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def _no_unexpected_app_warning(request: pytest.FixtureRequest) -> Iterator[None]:
    """Like ``qt_log_level_fail`` for Qt: a WARNING line from the app's own loggers fails the test unless
    the test expects it with ``@pytest.mark.app_warnings("regex", ...)`` (each regex searched in the line)."""
    handler = _Warnings()
    logger = logging.getLogger("sfloader_gui")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    allowed = [re.compile(p) for m in request.node.iter_markers("app_warnings") for p in m.args]
    lines = [f"{r.name}: {r.getMessage()}" for r in handler.records]
    unexpected = [line for line in lines if not any(p.search(line) for p in allowed)]
    assert not unexpected, "unexpected WARNING from the app's loggers:\n" + "\n".join(unexpected)
