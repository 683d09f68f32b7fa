"""The job rows ``sfloader --json`` prints, which scripts read: from a run's manifest, or a fetched job."""

from __future__ import annotations

from pathlib import Path
from typing import NotRequired, Required, TypedDict

from sfloader_gui.core.load.results import ApiUse, ManifestJob, Totals


class JobCounts(TypedDict):
    job_id: str | None
    state: str
    error_message: str | None
    records_processed: int
    records_failed: int


class ResultFiles(TypedDict):
    """A job's result files as full paths (None: not saved)."""

    success_file: str | None
    failed_file: str | None
    unprocessed_file: str | None


class JobRow(JobCounts, ResultFiles):
    """One job of a load, a retry or a resume."""

    file: str
    part: int


class RunDoc(TypedDict):
    """The document ``upsert``, ``retry`` and ``resume`` print last with ``--json``."""

    run_dir: str
    jobs: list[JobRow]
    totals: Totals
    mappings: NotRequired[list[dict[str, str]]]  # where each file's mapping came from
    error: NotRequired[str]  # the manifest could not be written
    api: NotRequired[ApiUse]  # the API calls the load made (not for a resume of a run from before them)


class ResultsRow(TypedDict, total=False):
    """One job of ``sfloader results``: only its id and why when it could not be read or saved; a result
    file the org refused to give is left out."""

    job_id: Required[str | None]
    state: str
    error_message: str | None
    records_processed: int
    records_failed: int
    success_file: str | None
    failed_file: str | None
    unprocessed_file: str | None
    run_dir: str  # when its results were saved in its run's folder


def job_counts(job: ManifestJob) -> JobCounts:
    return {
        "job_id": job["job_id"],
        "state": job["state"],
        "error_message": job["error_message"],
        "records_processed": job["records_processed"],
        "records_failed": job["records_failed"],
    }


def result_files(run_dir: Path, job: ManifestJob) -> ResultFiles:
    return {
        "success_file": _full(run_dir, job["success_file"]),
        "failed_file": _full(run_dir, job["failed_file"]),
        "unprocessed_file": _full(run_dir, job["unprocessed_file"]),
    }


def _full(run_dir: Path, relative: str | None) -> str | None:
    return str(run_dir / relative) if relative else None


def job_row(run_dir: Path, job: ManifestJob) -> JobRow:
    return {"file": job["file"], "part": job["part"], **job_counts(job), **result_files(run_dir, job)}


def run_row(run_dir: Path, job: ManifestJob) -> tuple[ResultsRow, bool]:
    """The row of a job whose results were saved in its run's folder; and whether it is not clean."""
    row: ResultsRow = {**job_counts(job), **result_files(run_dir, job), "run_dir": str(run_dir)}
    return row, job["state"] != "JobComplete" or job["records_failed"] > 0
