"""Resume from Recent runs: wait for an earlier run's jobs and save their results, off the UI thread."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sfloader_gui.core.load.journal import Journal
from sfloader_gui.core.models import CancelToken
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.ui.tasks import BackgroundTasks

if TYPE_CHECKING:  # imported when first used
    from sfloader_gui.core.load.resume import ResumeResult

log = logging.getLogger(__name__)


class Resumer:
    """Resumes runs on the window's tasks; ``stop()`` (the window closing) stops those still waiting."""

    def __init__(self, tasks: BackgroundTasks, say: Callable[[str], None]) -> None:
        self._tasks = tasks
        self._say = say  # the window's status line
        self._cancel = CancelToken()

    def resume(
        self,
        conn: SalesforceConnection,
        folder: Path,
        *,
        poll_s: float,
        timeout_s: float,
        ended: Callable[[Path], None],
    ) -> None:
        """Resume ``folder``; ``ended(folder)`` is called on the UI thread however it went."""
        cancel = self._cancel
        log.info("Resuming %s: waiting for its jobs (nothing is sent again).", folder.name)

        def work() -> ResumeResult:
            from sfloader_gui.core.load.resume import resume_run

            with contextlib.closing(Journal()) as journal:
                return resume_run(
                    conn, folder, journal, poll_interval_s=poll_s, timeout_s=timeout_s, cancel=cancel,
                    say=lambda line: log.info("Resume %s: %s", folder.name, line),
                )  # fmt: skip

        def done(result: ResumeResult) -> None:
            line = resumed_line(folder, result)
            log.info("%s", line)
            self._say(line)
            ended(folder)

        def failed(message: str) -> None:
            log.warning("Resume of %s stopped: %s", folder.name, message)
            self._say(f"Resume of {folder.name} stopped: {message}")
            ended(folder)

        self._tasks.submit(work, done, failed)

    def stop(self) -> None:
        self._cancel.cancel(abort_jobs=False)


def resumed_line(folder: Path, result: ResumeResult) -> str:
    """The status line after a resume: its totals, or the jobs still running."""
    from sfloader_gui.core.load.resume import pending

    t = result.manifest["totals"]
    left = sum(1 for job in result.manifest["jobs"] if pending(job))
    if left:
        return (f"Resume of {folder.name} stopped: {left} job(s) still running in Salesforce; "
                "Resume again later to save their results.")  # fmt: skip
    return (f"Resumed {folder.name}: {t['success']:,} loaded, {t['failed']:,} failed, "
            f"{t['unprocessed']:,} not processed.")  # fmt: skip
