"""The failed-record workbench: review, fix, export and retry the failed rows of a run."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget

from sfloader_gui.ui.failures.window import RetryLauncher, WorkbenchWindow

__all__ = ["WorkbenchWindow", "open_workbench"]


def open_workbench(
    run_dir_or_csv: Path | str | None,
    parent: QWidget | None = None,
    *,
    retry_launcher: RetryLauncher | None = None,
) -> WorkbenchWindow:
    """Make (not show) a workbench over a run folder or a failed-results CSV.

    ``retry_launcher(session, batches) -> new run folder`` runs the retry upsert; the main window passes one
    bound to the connected org. Without it the workbench still reviews, edits and exports, and says why it
    cannot retry. A path that cannot be opened gives an empty workbench with the reason shown.
    """
    window = WorkbenchWindow(parent, retry_launcher=retry_launcher)
    if run_dir_or_csv is not None:
        window.quiet = True  # the reason shows in the banner; no modal box before the window is up
        window.open_path(Path(run_dir_or_csv))
        window.quiet = False
    return window
