"""Cyclic garbage is collected on the UI thread only, so no pool thread ever deletes a Qt widget."""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

from sfloader_gui.ui.tasks import live_pools

# Why (issue 15): Python's automatic collection runs on whichever thread happens to allocate: a pool
# worker or an emulator thread. When it frees the wrapper of a window left in a reference cycle, Shiboken
# either deletes the widget right there, off the UI thread (a Python subclass such as MainWindow), or queues
# the deletion for the UI thread, where it can run after Qt has already deleted that widget (a plain Qt
# class). A core dump of the 3.12.1 segfault showed the second: Shiboken's runDeletionInMainThread crashing
# in a QtWidgets destructor. Collecting only here, from a UI-thread timer, removes both paths.
CHECK_MS = 250


class UiThreadCollector(QObject):
    """Turns automatic collection off; a UI-thread timer collects instead, at Python's own thresholds."""

    def __init__(self, parent: QObject | None = None, check_ms: int = CHECK_MS) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        gc.disable()
        # Python's rule for a full collection, which gc.get_count() alone does not show: only when the
        # objects moved to the oldest generation since the last one exceed a quarter of those that survived
        # it. Without it every eleventh middle collection walked the whole heap, on the UI thread, during a
        # load: 25-100 ms in one go in the test process (issue 9's responsiveness tests). Counted here as
        # Python counts them.
        self._long_lived_total = len(gc.get_objects(2))
        self._long_lived_pending = 0
        self._timer = QTimer(self)
        self._timer.setInterval(check_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> None:
        """Collect the generation Python would have collected, if any (``gc.collect`` otherwise)."""
        counts = gc.get_count()
        if counts[0] <= self._thresholds[0]:
            return
        # While the UI's pools work (a load, a file check), the user watches the window: a full walk of
        # the heap (tens of ms, on this thread) waits for them to be idle, unless the oldest generation
        # has doubled meanwhile (a load of hours still has its memory bounded).
        busy = any(pool.activeThreadCount() for pool in live_pools())
        due = self._long_lived_total if busy else self._long_lived_total // 4
        full = self._thresholds[2] > 0 and counts[2] > self._thresholds[2] and self._long_lived_pending > due
        if full:
            gc.collect(2)
            self._long_lived_total = len(gc.get_objects(2))
            self._long_lived_pending = 0
        elif self._thresholds[1] and counts[1] > self._thresholds[1]:
            young = len(gc.get_objects(0)) + len(gc.get_objects(1))
            found = gc.collect(1)
            self._long_lived_pending += max(0, young - found)  # what survived moved to the oldest
        else:
            gc.collect(0)

    def stop(self) -> None:
        """Back to automatic collection (tests; the app keeps the collector for its whole life)."""
        self._timer.stop()
        if self._was_enabled:
            gc.enable()
