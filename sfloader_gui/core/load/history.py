"""Recent runs: every run folder under the results folder, read from its manifest, with the journal's word."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, cast

from sfloader_gui.core.load.journal import JournalEntry
from sfloader_gui.core.load.results import MANIFEST, Manifest
from sfloader_gui.core.load.resume import pending as is_pending


class RunState(StrEnum):
    COMPLETE = "Complete"
    COMPLETE_AFTER_RETRIES = "Complete after retries"
    FAILED_ROWS = "Finished, with failed rows"
    JOB_ERRORS = "Finished, with job errors"
    TO_FETCH = "Stopped: results still to fetch"
    NOT_FINISHED = "Not finished"


@dataclass(frozen=True)
class RunSummary:
    """One line of the Recent runs view."""

    folder: Path
    run_id: str
    created_at: str  # ISO 8601 UTC, as the manifest has it
    instance_url: str
    object_name: str
    files: tuple[str, ...]
    records: int
    success: int
    failed: int
    unprocessed: int
    state: RunState
    retry_of: str | None = None
    to_fetch: tuple[str, ...] = field(default=())  # job ids the journal says were left unsettled
    pending: int = 0  # jobs whose results the run folder does not hold yet
    fixed: int = 0  # failed or unprocessed rows that a later retry of the run loaded (``fold_retries``)
    fixed_unprocessed: int = 0  # of ``fixed``, rows the run had left unprocessed

    @property
    def succeeded_now(self) -> int:
        """Rows loaded by the run or by its retries, as the main window counts them after a retry."""
        return self.success + self.fixed

    @property
    def failed_now(self) -> int:
        return self.failed - (self.fixed - self.fixed_unprocessed)

    @property
    def unprocessed_now(self) -> int:
        return self.unprocessed - self.fixed_unprocessed

    @property
    def resumable(self) -> bool:
        """Jobs of the run may still be running or have results to fetch (``core/load/resume.py``)."""
        return self.state in (RunState.TO_FETCH, RunState.NOT_FINISHED) or self.pending > 0

    @property
    def has_failures(self) -> bool:
        return self.failed + self.unprocessed > 0

    @property
    def when(self) -> str:
        """``2026-12-04 18:52`` for the table, in the computer's time zone (what the user's clock said)."""
        try:
            moment = datetime.fromisoformat(self.created_at)
        except ValueError:  # a manifest edited by hand: show what it says
            return self.created_at[:16].replace("T", " ")
        if moment.tzinfo is None:  # the manifest writes UTC; an older or edited one may omit the zone
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def read_run(folder: Path, unsettled: Iterable[JournalEntry] = ()) -> RunSummary | None:
    """The summary of one run folder, or None when it has no readable manifest."""
    try:
        data: object = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or "jobs" not in data:
        return None
    try:
        return _summary(folder, cast(Manifest, data), unsettled)
    except (AttributeError, TypeError, ValueError):
        return None  # hand-edited fields of the wrong kind: not a run the list can show


def _summary(folder: Path, manifest: Manifest, unsettled: Iterable[JournalEntry]) -> RunSummary:
    """Read leniently: an older or hand-edited manifest with missing keys still lists."""
    loose = cast(dict[str, Any], manifest)  # what a hand edit may have put there, null included
    totals: dict[str, Any] = loose.get("totals") or {}
    jobs = manifest.get("jobs") or []
    here = folder.resolve()
    to_fetch = tuple(e.job_id for e in unsettled if _same(e.run_dir, here))
    if to_fetch:
        state = RunState.TO_FETCH
    elif not manifest.get("finished_at"):
        state = RunState.NOT_FINISHED  # running now, or the app stopped in the middle of it
    elif any(j.get("state") != "JobComplete" for j in jobs):
        state = RunState.JOB_ERRORS
    elif int(totals.get("failed", 0)) + int(totals.get("unprocessed", 0)):
        state = RunState.FAILED_ROWS
    else:
        state = RunState.COMPLETE
    files = tuple(Path(str(f.get("path", ""))).name for f in manifest.get("files") or [])
    pending = sum(1 for j in jobs if isinstance(j, dict) and is_pending(j))
    return RunSummary(
        folder=folder,
        run_id=str(manifest.get("run_id") or folder.name),
        created_at=str(manifest.get("created_at") or ""),
        instance_url=str(manifest.get("instance_url") or ""),
        object_name=str(manifest.get("object") or ""),
        files=files,
        records=int(totals.get("records", 0)),
        success=int(totals.get("success", 0)),
        failed=int(totals.get("failed", 0)),
        unprocessed=int(totals.get("unprocessed", 0)),
        state=state,
        retry_of=manifest.get("retry_of"),
        to_fetch=to_fetch,
        pending=pending,
    )


def recent_runs(
    results_dir: Path, unsettled: Iterable[JournalEntry] = (), limit: int = 200
) -> list[RunSummary]:
    """The newest ``limit`` run folders directly under ``results_dir``, newest first, retries folded in."""
    return fold_retries(list_runs(results_dir, unsettled, limit))


def list_runs(
    results_dir: Path, unsettled: Iterable[JournalEntry] = (), limit: int = 200
) -> list[RunSummary]:
    """The newest ``limit`` run folders, from their manifests only (quick: no result file is read)."""
    try:
        folders = [p for p in results_dir.iterdir() if p.is_dir() and (p / MANIFEST).is_file()]
    except OSError:
        return []
    entries = list(unsettled)
    runs = [r for r in (read_run(f, entries) for f in folders) if r is not None]
    runs.sort(key=lambda r: (r.created_at, r.run_id), reverse=True)
    return runs[:limit]


def to_fold(runs: list[RunSummary]) -> list[RunSummary]:
    """The runs whose counts ``fold_retries`` would read result files for (none: nothing to wait for)."""
    retried = {r.retry_of for r in runs if r.retry_of}
    return [r for r in runs if r.has_failures and r.run_id in retried and r.state is not RunState.TO_FETCH]


def fold_retries(runs: list[RunSummary]) -> list[RunSummary]:
    """Runs with failed rows that a later run retried: the rows those retries loaded are counted as loaded
    (the workbench's and the main window's "N of its failed rows now loaded"), and a run with none left
    is "Complete after retries". Reads the result files of those runs only (``to_fold``): slow on big runs,
    so the app calls it off the UI thread."""
    from sfloader_gui.core.review.standing import standing  # the review reader, for a few runs only

    candidates = {id(r) for r in to_fold(runs)}
    folded = []
    for run in runs:
        if id(run) in candidates:
            try:
                where = standing(run.folder)
            except Exception:  # noqa: BLE001 - an unreadable run keeps its own counts
                where = None
            if where is not None and where.fixed:
                state = run.state
                if state is RunState.FAILED_ROWS and where.left == 0:
                    state = RunState.COMPLETE_AFTER_RETRIES
                run = replace(run, fixed=where.fixed, fixed_unprocessed=where.fixed_unprocessed, state=state)
        folded.append(run)
    return folded


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b
    except OSError:
        return False
