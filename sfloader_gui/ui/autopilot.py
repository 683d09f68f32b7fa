"""Scripted runs of the real window (smoke test, screenshots): add the samples, pick, load, grab, quit."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

from sfloader_gui.core.models import JobState
from sfloader_gui.ui.load.controller import RunResult
from sfloader_gui.ui.main_window import MainWindow

log = logging.getLogger(__name__)

STEP_MS = 50
DEFAULT_DEADLINE_S = 180.0


class Autopilot(QObject):
    """Drives the window through the steps a user would take; exits the app with a status code.

    Exit codes: 0 done, 1 a job ended in Error, 3 a step did not happen before the deadline.
    """

    def __init__(
        self,
        window: MainWindow,
        *,
        load_samples: bool,
        object_name: str,
        external_id: str,
        screenshot: Path | None = None,
        screenshot_when: str = "ready",
        quit_when_done: bool = False,
        with_errors: bool = False,
        deadline_s: float = DEFAULT_DEADLINE_S,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.load_samples = load_samples
        self.object_name, self.external_id = object_name, external_id
        self.screenshot, self.screenshot_when = screenshot, screenshot_when
        self.quit_when_done = quit_when_done
        self.with_errors = with_errors  # also the sample file with mistakes (screenshots of failures)
        self._deadline = time.monotonic() + deadline_s
        self._step = "samples" if load_samples else "settle"
        self._loaded = False
        self._timer = QTimer(self)
        self._timer.setInterval(STEP_MS)
        self._timer.timeout.connect(self._advance)
        window.load_finished.connect(self._finished)

    def start(self) -> None:
        self._timer.start()

    def _advance(self) -> None:
        if time.monotonic() > self._deadline:
            log.error("Autopilot: gave up at step %r (%s).", self._step, self.window.blocking_reason())
            self._exit(3)
            return
        w = self.window
        if self._step == "samples" and w.object_picker.choices():
            if self.object_name not in [name for name, _ in w.object_picker.choices()]:
                log.error("Autopilot: the org has no object %s.", self.object_name)
                self._exit(3)
                return
            w.settings = w.settings.with_changes(last_external_id=self.external_id)
            w.object_picker.select(self.object_name)
            self._step = "extid"
        elif self._step == "extid" and w.extid_picker.value == self.external_id:
            w.add_samples()
            if self.with_errors:
                w.add_samples(with_errors=True)
            self._step = "settle"
        elif self._step == "settle" and self._settled():
            self._ready()
        elif self._step == "running" and self.screenshot and self.screenshot_when == "running":
            rows = w.jobs_model.rows()
            if any(r.processed and not r.state.is_terminal for r in rows):
                self._grab()
                self.screenshot = None

    def _ready(self) -> None:
        w = self.window
        blocked = [row for row, e in enumerate(w.files_model.entries()) if e.errors]
        if blocked and self.load_samples:
            # What a user does with a file pre-flight refused: take it out of this load.
            names = ", ".join(w.files_model.entries()[r].path.name for r in blocked)
            log.info("Autopilot: leaving out %s (pre-flight found problems).", names)
            w.files_model.remove_rows(blocked)
            w.files_panel.files_changed.emit()
            return
        if self.screenshot and self.screenshot_when == "ready":
            self._grab()
            if not self.load_samples:
                self._exit(0)
                return
        if not self.load_samples:
            if self.quit_when_done:
                self._exit(0)
            return
        if not w.load_button.isEnabled():
            log.error("Autopilot: Load is disabled: %s", w.blocking_reason())
            self._exit(3)
            return
        w.start_load()
        self._step = "running"

    def _settled(self) -> bool:
        w = self.window
        return not (w.object_picker.is_loading or w.extid_picker.is_loading or w.checker.busy or w.tasks.busy)

    def _finished(self, result: RunResult) -> None:
        if self.screenshot and self.screenshot_when == "done":
            QTimer.singleShot(200, self._grab_and_finish)  # let the last repaint land
            return
        self._done(result)

    def _grab_and_finish(self) -> None:
        self._grab()
        if self.window.last_result is not None:
            self._done(self.window.last_result)

    def _done(self, result: RunResult) -> None:
        errors = [o for o in result.outcomes if o.state is JobState.ERROR]
        log.info("Autopilot: load finished, %d job(s), %d in error.", len(result.outcomes), len(errors))
        if self.quit_when_done or self.screenshot_when == "done":
            self._exit(1 if errors else 0)

    def _grab(self) -> None:
        if self.screenshot is None:
            return
        self.screenshot.parent.mkdir(parents=True, exist_ok=True)
        ok = self.window.grab().save(str(self.screenshot))
        log.info("Screenshot %s to %s.", "saved" if ok else "NOT saved", self.screenshot)

    def _exit(self, code: int) -> None:
        self._timer.stop()
        QApplication.instance().exit(code)  # type: ignore[union-attr]
