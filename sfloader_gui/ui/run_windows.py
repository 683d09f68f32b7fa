"""What the main window opens over earlier runs: failure workbenches, the Recent runs window, and Resume."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox, QWidget

from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.ui.resume import Resumer
from sfloader_gui.ui.tasks import BackgroundTasks

if TYPE_CHECKING:  # imported when first used
    from sfloader_gui.ui.failures.launcher import RetryLauncher
    from sfloader_gui.ui.runs import RecentRunsDialog


class RunWindows:
    """Keeps the workbenches alive while they are open, makes one Recent runs window, and resumes runs."""

    def __init__(self, parent: QWidget, tasks: BackgroundTasks, say: Callable[[str], None]) -> None:
        self._parent = parent
        self.workbenches: list[QWidget] = []
        self.recent: RecentRunsDialog | None = None  # made on first use
        self._tasks = tasks
        self._resumer = Resumer(tasks, say)

    def open_workbench(self, folder: Path, launcher: RetryLauncher | None) -> QWidget:
        """The failed-record workbench (its own window) over a run folder; its retries go to ``launcher``."""
        from sfloader_gui.ui.failures import open_workbench

        workbench = open_workbench(folder, self._parent, retry_launcher=launcher)
        self.workbenches.append(workbench)
        workbench.show()
        return workbench

    def open_recent(
        self, results_dir: Path, review: Callable[[Path], object], resume: Callable[[Path], object]
    ) -> RecentRunsDialog:
        """The runs in ``results_dir`` (one window, brought to the front if already open)."""
        from sfloader_gui.ui.runs import RecentRunsDialog

        dialog = self.recent
        if dialog is None or dialog.results_dir != results_dir:
            dialog = RecentRunsDialog(results_dir, self._parent, self._tasks)
            dialog.review_requested.connect(review)
            dialog.resume_requested.connect(resume)
            self.recent = dialog
        else:
            dialog.refresh()
        dialog.show()
        dialog.raise_()
        return dialog

    def resume(
        self, conn: SalesforceConnection | None, folder: Path, *, poll_s: float, timeout_s: float
    ) -> None:
        """Wait for an earlier run's jobs and save their results in its folder, off the UI thread."""
        dialog = self.recent
        ended = dialog.resumed if dialog is not None else (lambda _folder: None)
        if conn is None:
            QMessageBox.information(
                self._parent, "Resume", "Connect to the org of that run first, then Resume."
            )
            ended(folder)
            return
        self._resumer.resume(conn, folder, poll_s=poll_s, timeout_s=timeout_s, ended=ended)

    def stop(self) -> None:
        """The window closes: resumes still waiting stop."""
        self._resumer.stop()
