"""Saving a part's three result files in the run folder, with growing pauses while downloads fail."""

from __future__ import annotations

import time
from pathlib import Path

from sfloader_gui.core.load.part.pauses import poll_backoff
from sfloader_gui.core.load.part.state import PartRun
from sfloader_gui.core.models import EventKind
from sfloader_gui.core.salesforce import bulk
from sfloader_gui.core.salesforce.errors import SalesforceError, is_transient


def fetch_results(part: PartRun) -> None:
    """The job's three result files. Downloads that fail for a passing reason (network down, server
    busy) are tried again with growing pauses until the run's timeout. A full disk or read-only folder
    keeps the job's id and state: its results are "not saved" and can be fetched later."""
    o = part.outcome
    assert o.job_id is not None
    files: dict[str, Path] = {}
    deadline = time.monotonic() + part.options.timeout_s
    failures = 0
    try:
        folder = part.run_folder.job_dir(o.part, part.plan.file_index, o.job_id)
        while True:
            problems = download_missing(part, o.job_id, folder, files)
            passing = all(is_transient(e) for e in problems.values())
            if not problems or not passing or time.monotonic() >= deadline:
                break
            failures += 1
            if failures == 1:
                part.say(
                    f"Could not download the results of job {o.job_id}; trying again with growing pauses."
                )
            if part.cancel.wait(poll_backoff(part.options.poll_interval_s, failures, None)):
                problems = download_missing(part, o.job_id, folder, files)  # one last try, then stop
                break
    except OSError as exc:
        part.say(
            f"Could not save the results of job {o.job_id} ({exc.strerror or exc}); fetch them later "
            f"with: sfloader results {o.job_id}",
            note=True,
        )
        problems = {}
    for name, problem in problems.items():
        part.say(f"Could not download {name} results of job {o.job_id}: {problem}", note=True)
    o.success_file, o.failed_file = files.get("success"), files.get("failed")
    o.unprocessed_file = files.get("unprocessed")
    if len(files) == len(bulk.RESULT_FILES):
        part.emit(EventKind.RESULTS_SAVED, message=f"Results saved in {folder}")


def download_missing(
    part: PartRun, job_id: str, folder: Path, files: dict[str, Path]
) -> dict[str, SalesforceError]:
    """Each result file not saved yet; returns the downloads that failed, by name."""
    problems: dict[str, SalesforceError] = {}
    for kind, name in bulk.RESULT_FILES:
        if name in files:
            continue
        dest = folder / f"{name}.csv"
        try:
            with part.conn.wire.slot(part.options.max_concurrent_uploads):  # result files are transfers
                bulk.download_results(part.conn, job_id, kind, dest)
        except SalesforceError as exc:
            problems[name] = exc
            continue
        files[name] = dest
    return problems
