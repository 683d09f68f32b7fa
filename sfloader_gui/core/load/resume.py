"""Resume or abort a run folder: wait for its jobs, fetch their results into it, complete its manifest.

Nothing is sent again: a part whose job never reached UploadComplete is "not sent" (``sfloader retry``
sends it), a job left Open by a crash is aborted (nothing of it was processed), and every other job of the
run is waited for and its three result files saved where the run would have saved them.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sfloader_gui.core.load.journal import Journal
from sfloader_gui.core.load.results import (
    RESULT_KEYS,
    Manifest,
    ManifestJob,
    accounting,
    count_records,
    delimiter_of,
    iso_utc,
    load_manifest,
    safe_name,
    write_atomic,
)
from sfloader_gui.core.load.run import NEVER_SENT
from sfloader_gui.core.models import CancelToken
from sfloader_gui.core.salesforce import bulk
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.salesforce.errors import SalesforceError, is_transient

log = logging.getLogger(__name__)

_ENDED = frozenset({"JobComplete", "Failed", "Aborted"})
_RUNNING = frozenset({"UploadComplete", "InProgress"})
Say = Callable[[str], None]


@dataclass
class ResumeResult:
    """The completed manifest of a resumed (or aborted) run."""

    run_dir: Path
    manifest: Manifest

    @property
    def ok(self) -> bool:
        """Every job completed with its results saved and no record failed or left unprocessed."""
        jobs = self.manifest["jobs"]
        return all(j["state"] == "JobComplete" and j["unprocessed_file"] for j in jobs) and not any(
            j["records_failed"] or j["records_unprocessed"] for j in jobs
        )


def runs_to_resume(journal: Journal, instance_url: str) -> dict[Path, int]:
    """Run folders of this org whose jobs are still running or unsaved, by the journal: jobs of each.

    The app's hook for "N jobs of an earlier load are still running or unsaved: Resume" (on start and on
    connect); folders that are gone are left out (their jobs are still listed by ``jobs --unsettled``).
    """
    runs: dict[Path, int] = {}
    for entry in journal.unsettled(instance_url):
        if (entry.run_dir / "manifest.json").is_file():
            runs[entry.run_dir] = runs.get(entry.run_dir, 0) + 1
    return runs


def resume_line(run_dir: Path, jobs: int) -> str:
    """One sentence for the log or a banner."""
    what = "1 job" if jobs == 1 else f"{jobs} jobs"
    return (
        f"{what} of an earlier load ({run_dir.name}) are still running or unsaved: Resume to wait for them "
        f"and save their results in that run folder (sfloader resume {run_dir})"
    )


def unfinished(run_dir: Path) -> list[ManifestJob]:
    """The run's jobs still running or whose results are not saved (what a resume would work on)."""
    return [j for j in load_manifest(run_dir)["jobs"] if pending(j)]


def resume_run(
    conn: SalesforceConnection,
    run_dir: Path,
    journal: Journal | None = None,
    *,
    abort: bool = False,
    poll_interval_s: float = 5.0,
    timeout_s: float = 7200.0,
    cancel: CancelToken | None = None,
    say: Say = lambda _m: None,
) -> ResumeResult:
    """Wait for the run's jobs, save their results in ``run_dir`` and complete its manifest.

    With ``abort``, the run's jobs still running are aborted first (their processed rows stay loaded and
    are fetched). Only jobs the run's own manifest (or this machine's journal, for the run) names are
    touched. A job still running after ``timeout_s`` is left running and stays pending.
    """
    manifest = load_manifest(run_dir)
    if manifest.get("instance_url") and manifest["instance_url"].rstrip("/") != conn.instance_url:
        where = manifest["instance_url"]
        raise ValueError(f"{run_dir} was loaded into {where}, not {conn.instance_url}: connect to that org.")
    cancel = cancel or CancelToken()
    known = _journalled_ids(journal, run_dir)
    index = {f["path"]: n for n, f in enumerate(manifest["files"], start=1)}
    delimiters = {f["path"]: delimiter_of(f) for f in manifest["files"]}
    deadline = time.monotonic() + timeout_s
    for job in manifest["jobs"]:
        if not pending(job):
            continue
        job["job_id"] = job["job_id"] or known.get((job["file"], job["part"]))
        if not job["job_id"]:
            _not_sent(job, "the run ended before its job was created")
            continue
        try:
            _settle(conn, run_dir, job, index[job["file"]], delimiters[job["file"]], abort, poll_interval_s,
                    deadline, cancel, say)  # fmt: skip
        except SalesforceError as exc:
            job.setdefault("notes", []).append(f"resume: could not reach job {job['job_id']}: {exc}")
            say(f"job {job['job_id']}: {exc}")
        _write(run_dir, manifest)  # as each job settles: an interrupted resume keeps what it learned
    manifest["finished_at"] = manifest.get("finished_at") or iso_utc(datetime.now(UTC))
    _write(run_dir, manifest)
    if journal is not None:
        journal.mark_saved(j["job_id"] for j in manifest["jobs"] if j["job_id"] and j["unprocessed_file"])
    return ResumeResult(run_dir, manifest)


def save_into_run(
    conn: SalesforceConnection, journal: Journal, job_id: str
) -> tuple[Path, ManifestJob] | None:
    """``sfloader results`` for a job of a run this machine journalled: once the job has ended, its three
    files are saved in that run's folder (where the run would have saved them), its manifest is completed
    and the job is settled, as ``resume`` would do for it. Returns the run folder and the job's manifest
    entry, or None when the results are not the run's to keep: a job the journal never saw, a run folder
    without a manifest, a run another live process is still writing, a job still running (its results are
    partial). Raises ``OSError`` when the disk refuses a file or the manifest (nothing is settled then).
    """
    entry = journal.entry(job_id)
    if entry is None or entry.instance_url.rstrip("/") != conn.instance_url.rstrip("/"):
        return None
    run_dir = entry.run_dir
    try:
        manifest = load_manifest(run_dir)
    except (OSError, ValueError):
        return None
    if journal.run_owners_alive(run_dir) and not manifest.get("finished_at"):
        return None
    job = next((j for j in manifest["jobs"] if j.get("job_id") == job_id), None) or next(
        (j for j in manifest["jobs"]
         if not j.get("job_id") and j["file"] == str(entry.file) and j["part"] == entry.part),
        None,
    )  # fmt: skip
    if job is None or bulk.get_job(conn, job_id).state not in _ENDED:
        return None
    job["job_id"] = job_id
    if pending(job):
        index = {f["path"]: n for n, f in enumerate(manifest["files"], start=1)}
        delimiter = {f["path"]: delimiter_of(f) for f in manifest["files"]}
        _settle(conn, run_dir, job, index[job["file"]], delimiter[job["file"]], False, 0.0, 0.0,
                CancelToken(), lambda _m: None)  # fmt: skip
        job["notes"][-1] = f"results saved by sfloader results ({job['state']})"
        if not any(pending(j) for j in manifest["jobs"]):
            manifest["finished_at"] = manifest.get("finished_at") or iso_utc(datetime.now(UTC))
        _write(run_dir, manifest)
    journal.mark_saved([job_id])  # only now: the manifest that lists its files is on disk
    return run_dir, job


def pending(job: ManifestJob) -> bool:
    """A job of the manifest a resume would work on: sent, but its three result files are not all saved."""
    if any(NEVER_SENT in n for n in job.get("notes", [])):
        return False
    return not (job.get("success_file") and job.get("failed_file") and job.get("unprocessed_file"))


def _journalled_ids(journal: Journal | None, run_dir: Path) -> dict[tuple[str, int], str]:
    """Job ids the journal saw for this run (a crash may have come before the manifest heard of them)."""
    if journal is None:
        return {}
    return {(str(e.file), e.part): e.job_id for e in journal.jobs_of_run(run_dir)}


def _not_sent(job: ManifestJob, why: str) -> None:
    job["state"] = "Cancelled"
    job["records_processed"] = job["records_failed"] = 0
    job["records_unprocessed"] = job["records"]
    job.setdefault("notes", []).append(
        f"{NEVER_SENT}: all {job['records']} records count as unprocessed (not sent); {why}"
    )


def _settle(
    conn: SalesforceConnection,
    run_dir: Path,
    job: ManifestJob,
    file_index: int,
    delimiter: str,
    abort: bool,
    poll_interval_s: float,
    deadline: float,
    cancel: CancelToken,
    say: Say,
) -> None:
    job_id = str(job["job_id"])
    info = bulk.get_job(conn, job_id)
    if info.state == "Open":  # the upload never completed: nothing of it was processed
        bulk.abort_job(conn, job_id)
        _not_sent(job, f"its job {job_id} was left Open (upload not completed) and has been aborted")
        say(f"job {job_id} was never closed: aborted, its records count as not sent")
        return
    if abort and info.state in _RUNNING:
        info = bulk.abort_job(conn, job_id)
        say(f"job {job_id} aborted in Salesforce; the rows it processed stay loaded")
    info = _wait(conn, info, poll_interval_s, deadline, cancel)
    job["state"], job["error_message"] = info.state, info.error_message
    job["records_processed"], job["records_failed"] = info.records_processed, info.records_failed
    if info.state not in _ENDED:
        job["records_unprocessed"] = max(0, job["records"] - info.records_processed)
        say(f"job {job_id} is still {info.state}: left running; run resume again later")
        return
    folder = (
        run_dir
        / "jobs"
        / f"{file_index:02d}_{safe_name(Path(job['file']).stem)}_p{job['part']}_{safe_name(job_id)}"
    )
    folder.mkdir(parents=True, exist_ok=True)
    for kind, name in bulk.RESULT_FILES:
        dest = folder / f"{name}.csv"
        if not dest.exists():
            bulk.download_results(conn, job_id, kind, dest)
        job[RESULT_KEYS[name]] = dest.relative_to(run_dir).as_posix()
    job["records_unprocessed"] = count_records(folder / "unprocessed.csv", delimiter)
    job.setdefault("notes", []).append(f"results saved by resume ({info.state})")
    say(f"job {job_id}: {info.state}, {info.records_processed:,} processed, {info.records_failed:,} failed")


def _wait(
    conn: SalesforceConnection, info: bulk.JobInfo, interval: float, deadline: float, cancel: CancelToken
) -> bulk.JobInfo:
    """Read the job until it ends (pauses growing across failed reads), the deadline passes, or a cancel."""
    failures = 0
    while info.state not in _ENDED and time.monotonic() < deadline:
        pause = min(interval * 12, interval * 2**failures)
        if cancel.wait(min(pause, max(0.0, deadline - time.monotonic()))):
            break
        try:
            info = bulk.get_job(conn, info.id)
            failures = 0
        except SalesforceError as exc:
            if not is_transient(exc):
                raise
            failures += 1
    return info


def _write(run_dir: Path, manifest: Manifest) -> None:
    manifest.update(accounting(manifest["jobs"]))
    data = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")
    write_atomic(run_dir / "manifest.json", data, replace=True)
