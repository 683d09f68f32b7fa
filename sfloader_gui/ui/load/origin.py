"""The window's last load, which the workbench's retries of it report back to."""

from __future__ import annotations

from pathlib import Path

from sfloader_gui.core.review.standing import RunStanding
from sfloader_gui.ui.load.controller import RunResult


class RunOrigin:
    """The run folder of the last load started from the window (not a retry)."""

    def __init__(self) -> None:
        self.folder: Path | None = None

    def retried(self, result: RunResult) -> Path | None:
        """The origin when ``result`` is a workbench retry of it (its totals then follow), else None."""
        retry_of = result.retry_of
        if result.run_folder is None or not retry_of or self.folder is None or retry_of != self.folder.name:
            return None
        return self.folder

    def took(self, result: RunResult) -> bool:
        """Remember ``result`` when it is a load of its own (not a retry); True when it is."""
        if result.run_folder is None or result.retry_of:
            return False
        self.folder = result.run_folder
        return True


def standing_line(where: RunStanding) -> str:
    return (
        f"Run {where.run_dir.name} after retries: {where.fixed:,} of its {where.rows:,} failed rows "
        f"now loaded, {where.left:,} still to fix."
    )
