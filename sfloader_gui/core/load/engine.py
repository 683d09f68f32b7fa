"""Headless loads: run every part of a plan on a thread pool, write the manifest, retry failed rows."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sfloader_gui.core.load.plan import LoadPlan
from sfloader_gui.core.load.results import RunFolder
from sfloader_gui.core.load.runner import PartPlan, part_plans, run_part
from sfloader_gui.core.models import CancelToken, EventKind, JobEvent, JobOutcome, JobState, LoadOptions
from sfloader_gui.core.salesforce.connection import SalesforceConnection

log = logging.getLogger(__name__)

EventSink = Callable[[JobEvent], None]


@dataclass
class RunResult:
    """What a load did: the run folder, every part's outcome and the manifest written for it."""

    run_folder: RunFolder
    outcomes: list[JobOutcome]
    manifest: dict[str, Any]

    @property
    def run_dir(self) -> Path:
        return self.run_folder.path

    @property
    def ok(self) -> bool:
        """Every job completed and no record failed."""
        return all(o.state is JobState.JOB_COMPLETE and o.records_failed == 0 for o in self.outcomes)


def run_load(
    conn: SalesforceConnection,
    plan: LoadPlan,
    options: LoadOptions,
    out_dir: Path,
    on_event: EventSink,
    cancel: CancelToken,
    retry_of: str | None = None,
    run_folder: RunFolder | None = None,
) -> RunResult:
    """Send every part of every unblocked file, at most ``max_concurrent_jobs`` jobs at once.

    Blocked files are not sent (the manifest lists them with their findings). Returns when every part
    has an outcome; the manifest accounts for each record of each part.
    """
    folder = run_folder or RunFolder.create(out_dir, options.object_name)
    parts = part_plans(plan)
    for part in parts:
        on_event(JobEvent(EventKind.STATE, part.ref, JobState.QUEUED))
    with ThreadPoolExecutor(options.max_concurrent_jobs, thread_name_prefix="sfloader-job") as pool:
        futures = [pool.submit(_run_guarded, conn, p, options, folder, on_event, cancel) for p in parts]
        outcomes = [f.result() for f in futures]
    manifest = folder.write_manifest(
        plan, outcomes, instance_url=conn.instance_url, retry_of=retry_of, finished_at=datetime.now(UTC)
    )
    if not manifest["accounting"]["balanced"]:
        log.warning("Run %s: %s records are not accounted for", folder.run_id, manifest["accounting"])
    return RunResult(folder, outcomes, manifest)


def _run_guarded(
    conn: SalesforceConnection,
    part: PartPlan,
    options: LoadOptions,
    folder: RunFolder,
    on_event: EventSink,
    cancel: CancelToken,
) -> JobOutcome:
    """``run_part``, except that a dead session or used-up API limit stops the parts not yet started."""
    if conn.fatal_error is not None:
        message = f"Not sent: {conn.fatal_error}"
        return _unsent(part, JobState.CANCELLED, message, "never reached UploadComplete", on_event)
    try:
        return run_part(conn, part, options, folder, on_event, cancel)
    except Exception as exc:  # a bug must not lose the other parts' outcomes or the manifest
        log.exception("Unexpected error while loading %s", part.ref.describe())
        message = f"Unexpected error: {type(exc).__name__}: {exc}"
        return _unsent(part, JobState.ERROR, message, "unexpected client error", on_event)


def _unsent(part: PartPlan, state: JobState, message: str, why: str, on_event: EventSink) -> JobOutcome:
    on_event(JobEvent(EventKind.STATE, part.ref, state, message=message, error_message=message))
    return JobOutcome(
        part=part.ref,
        state=state,
        rows=part.records,
        first_record=part.first_record,
        error_message=message,
        records_unprocessed=part.records,
        notes=[f"{why}: all {part.records} records count as unprocessed (not sent)"],
    )
