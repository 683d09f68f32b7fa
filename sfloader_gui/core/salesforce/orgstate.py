"""What this process learned about each org: refused gzip, and which ingest jobs are its own.

Both are per instance URL and live for the process: an org that refused one gzip body gets no more, and
knowing our own job ids lets a lost create-job answer be reconciled without touching sibling jobs.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from sfloader_gui.core.salesforce import bulk
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.salesforce.errors import SalesforceError

log = logging.getLogger(__name__)

_lock = threading.Lock()
_gzip_refused: set[str] = set()
_own_jobs: set[tuple[str, str]] = set()  # (instance URL, job id)
# Clock skew allowed between this machine and the org when matching a stray job's createdDate.
_SKEW = timedelta(minutes=5)


def gzip_refused_by(instance_url: str) -> bool:
    """True once the org refused a gzip body in this process: its later jobs go uncompressed."""
    with _lock:
        return instance_url in _gzip_refused


def remember_gzip_refused(instance_url: str) -> None:
    with _lock:
        _gzip_refused.add(instance_url)


def forget_everything() -> None:
    """Start over as a fresh process would (tests: emulators on a reused port reuse job ids too)."""
    with _lock:
        _gzip_refused.clear()
        _own_jobs.clear()


def create_upsert_job(
    conn: SalesforceConnection,
    object_name: str,
    external_id_field: str,
    *,
    column_delimiter: str,
    line_ending: str,
) -> bulk.JobInfo:
    """``bulk.create_upsert_job``, remembering the new id as ours."""
    info = bulk.create_upsert_job(
        conn, object_name, external_id_field, column_delimiter=column_delimiter, line_ending=line_ending
    )
    with _lock:
        _own_jobs.add((conn.instance_url, info.id))
    return info


def abort_strays(
    conn: SalesforceConnection, object_name: str, external_id_field: str, since: datetime
) -> list[str]:
    """After a create-job call whose answer was lost: abort Open upsert jobs we may have made but never saw.

    A stray is Open, for this object and External ID, created since ``since`` (minus clock skew), and not
    one of this process's known jobs. Nothing of an Open job was processed, so aborting it loses nothing;
    a sibling job caught in the tiny window before it was registered fails its upload and moves to a new
    job like any broken upload. Returns the ids aborted (best effort: listing problems are logged).
    """
    aborted: list[str] = []
    try:
        jobs = list(bulk.list_jobs(conn))
    except SalesforceError as exc:
        log.warning("Could not list jobs to find a stray Open job: %s", exc)
        return aborted
    for job in jobs:
        with _lock:
            ours = (conn.instance_url, job.id) in _own_jobs
        if ours or job.state != "Open" or job.object != object_name or job.operation != "upsert":
            continue
        if (job.external_id_field or "").lower() != external_id_field.lower():
            continue
        if _created(job) < since - _SKEW:
            continue
        try:
            bulk.abort_job(conn, job.id)
        except SalesforceError as exc:
            log.warning("Could not abort stray job %s: %s", job.id, exc)
            continue
        with _lock:
            _own_jobs.add((conn.instance_url, job.id))
        aborted.append(job.id)
    return aborted


def _created(job: bulk.JobInfo) -> datetime:
    try:  # Salesforce writes 2026-11-26T09:33:17.082+0000
        return datetime.strptime(job.created_date, "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        return datetime.now(UTC)  # unknown: treat as recent (an Open job with no date is suspicious too)
