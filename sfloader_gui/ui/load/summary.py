"""The summary line under the jobs table: totals and throughput, in words a user reads at a glance."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sfloader_gui.core.load.run import MANIFEST_ERROR
from sfloader_gui.core.models import JobState
from sfloader_gui.ui.load.controller import RunResult
from sfloader_gui.ui.load.jobs_model import JobRow, format_elapsed


@dataclass(frozen=True)
class Totals:
    jobs: int
    jobs_done: int
    jobs_failed: int
    records: int
    processed: int
    failed: int

    @property
    def succeeded(self) -> int:
        return self.processed - self.failed


def totals(rows: list[JobRow]) -> Totals:
    return Totals(
        jobs=len(rows),
        jobs_done=sum(1 for r in rows if r.state.is_terminal),
        jobs_failed=sum(1 for r in rows if r.state.is_terminal and not r.state.is_success),
        records=sum(r.rows for r in rows),
        processed=sum(r.processed for r in rows),
        failed=sum(r.failed for r in rows),
    )


def summary_text(rows: list[JobRow], elapsed_s: float, running: bool) -> str:
    if not rows:
        return "No load yet. Choose an object and an External ID, add CSV or Excel files, then press Load."
    t = totals(rows)
    rate = t.processed / elapsed_s if elapsed_s > 0 else 0.0
    parts = [
        f"{t.jobs_done} of {t.jobs} jobs done" if running else f"{t.jobs} job{'' if t.jobs == 1 else 's'}",
        f"{t.succeeded:,} records loaded",
        f"{t.failed:,} failed",
    ]
    if t.jobs_failed:
        parts.append(f"{t.jobs_failed} job(s) did not complete")
    parts.append(f"{rate:,.0f} records/s")
    parts.append(f"{format_elapsed(elapsed_s)} elapsed")
    return " · ".join(parts)


APP_TITLE = "sfloader — load CSV files into Salesforce"


def window_title(rows: list[JobRow], running: bool) -> str:
    """The main window's title: while a load runs, its progress, which the taskbar shows when minimized."""
    if not running or not rows:
        return APP_TITLE
    t = totals(rows)
    share = min(100, t.processed * 100 // t.records) if t.records else 0
    return f"Loading {share}% · {t.jobs_done} of {t.jobs} jobs done — sfloader"


def run_verdict(rows: list[JobRow], cancelled: bool) -> str:
    """One sentence for the end of a run (status bar and notification)."""
    t = totals(rows)
    if cancelled:
        return _cancelled_verdict(rows, t)
    if t.jobs_failed:
        bad = [r for r in rows if r.state.is_terminal and not r.state.is_success]
        states = ", ".join(sorted({r.state.value for r in bad}))
        return (
            f"Load finished with problems: {t.jobs_failed} job(s) ended {states}; "
            f"{t.succeeded:,} records loaded."
        )
    if t.failed:
        return (
            f"Load finished: {t.succeeded:,} records loaded, {t.failed:,} failed — review the failed records."
        )
    if all(r.state is JobState.JOB_COMPLETE for r in rows):
        return f"Load finished: all {t.succeeded:,} records loaded."
    return f"Load finished: {t.succeeded:,} records loaded."


def _cancelled_verdict(rows: list[JobRow], t: Totals) -> str:
    """What a cancel left: loaded (as the org counted after the jobs stopped), failed, not processed (sent
    again by Retry) and jobs left running in Salesforce (their results come with Resume)."""
    running = [r for r in rows if r.state is JobState.CANCELLED and r.job_id]
    left = sum(r.rows - r.processed for r in rows if r not in running)
    aborted = any(r.state is JobState.ABORTED for r in rows)
    head = f"{t.succeeded:,} records loaded before the abort" if aborted else (
        f"Load cancelled: {t.succeeded:,} records loaded"
    )  # fmt: skip
    parts = [head if not aborted else f"Load aborted: {head}", f"{t.failed:,} failed"]
    if left:
        parts.append(f"{left:,} not processed: Retry them")
    if running:
        parts.append(f"{len(running)} job(s) left running in Salesforce: Resume to get their results")
    return ", ".join(parts) + "."


def not_saved_line(folder: Path | None, problem: str) -> str:
    """The run's summary (manifest) could not be written: what is kept, and how its results come later."""
    where = folder.name if folder else "this run"
    return (
        f"Manifest not saved: {problem}. The jobs keep their ids and states (table above, and the journal), "
        f"but the results of run {where} are not saved: free some space or make its folder writable, then "
        "Resume it from Recent runs."
    )


@dataclass(frozen=True)
class RunEnd:
    """What the window says when a run ended."""

    summary: str  # under the jobs table
    verdict: str  # the status line, the notification and the log
    reviewable: bool  # failed rows to review, in a folder whose manifest is on disk


def run_end(rows: list[JobRow], result: RunResult) -> RunEnd:
    summary = summary_text(rows, result.elapsed_s, False)
    api = result.manifest.get("api") if result.manifest else None
    if api is not None:
        summary += f" · {api['calls']:,} API call{'' if api['calls'] == 1 else 's'}"
    verdict = run_verdict(rows, result.cancelled)
    unsaved = result.finalize_error or (result.manifest.get(MANIFEST_ERROR) if result.manifest else None)
    if unsaved:
        line = not_saved_line(result.run_folder, str(unsaved))
        summary, verdict = f"{summary}\n{line}", f"{verdict} {line}"
    has_failures = any(r.failed or not r.state.is_success for r in rows)
    # Without its manifest the folder tells an old story: no review of it until a Resume completes it.
    return RunEnd(summary, verdict, reviewable=has_failures and not unsaved)
