"""What this process learned about each org: refused gzip, its user, and which ingest jobs are its own.

Both are per instance URL and live for the process: an org that refused one gzip body gets no more, and
knowing our own job ids lets a lost create-job answer be reconciled without touching sibling jobs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import requests

from sfloader_gui.core.salesforce import bulk
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.salesforce.errors import SalesforceError

log = logging.getLogger(__name__)

_lock = threading.Lock()
_gzip_refused: set[str] = set()
_own_jobs: set[tuple[str, str]] = set()  # (instance URL, job id)
_users: dict[str, str] = {}  # instance URL -> the user id its token logs in
_creating: dict[tuple[str, str, str], int] = {}  # create-job POSTs under way: (URL, object, ext) -> count
# Clock skew allowed between this machine and the org when no Date header told the org's clock yet,
# and the slack around a window measured with one (the header has whole seconds).
_SKEW = timedelta(minutes=5)
_DATE_SLACK = timedelta(seconds=2)


def user_id(conn: SalesforceConnection) -> str | None:
    """The user id of the token (``/services/oauth2/userinfo``); None if the org will not say.

    Sent on the bare session (no retries, no refresh) so a refusal cannot mark the connection dead.
    Remembered per org for the process: a refreshed token logs in the same user.
    """
    with _lock:
        known = _users.get(conn.instance_url)
    if known is not None:
        return known
    try:
        resp = conn.session.get(
            conn.url("/services/oauth2/userinfo"), timeout=(conn.timeouts.connect_s, conn.timeouts.read_s)
        )
        if resp.status_code != 200:
            return None
        data = resp.json()
    except (requests.RequestException, ValueError):
        return None
    user = str(data.get("user_id") or str(data.get("sub", "")).rsplit("/", 1)[-1]) or None
    if user is not None:
        with _lock:
            _users[conn.instance_url] = user
    return user


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
        _creating.clear()
        _users.clear()


def create_upsert_job(
    conn: SalesforceConnection,
    object_name: str,
    external_id_field: str,
    *,
    column_delimiter: str,
    line_ending: str,
) -> bulk.JobInfo:
    """``bulk.create_upsert_job``, remembering the new id as ours (and the POST while it is under way)."""
    key = (conn.instance_url, object_name, external_id_field.lower())
    with _lock:
        _creating[key] = _creating.get(key, 0) + 1
    try:
        info = bulk.create_upsert_job(
            conn, object_name, external_id_field, column_delimiter=column_delimiter, line_ending=line_ending
        )
        with _lock:
            _own_jobs.add((conn.instance_url, info.id))
    finally:
        with _lock:
            _creating[key] -= 1
    return info


def creating(instance_url: str, object_name: str, external_id_field: str) -> int:
    """How many create-job POSTs of this process for that object are waiting for their answer now."""
    with _lock:
        return _creating.get((instance_url, object_name, external_id_field.lower()), 0)


@dataclass
class Strays:
    """What a look for the job of a lost create-job answer found."""

    aborted: list[str] = field(default_factory=list)  # the one job that could only be ours, aborted
    ambiguous: list[str] = field(default_factory=list)  # could be ours, but not only ours: left alone
    problem: str | None = None  # the org could not be asked (listing failed, unknown user)


def stray_candidates(
    jobs: Iterable[bulk.JobInfo],
    *,
    instance_url: str,
    object_name: str,
    external_id_field: str,
    user_id: str,
    window: tuple[datetime, datetime],
    known: Collection[str] = (),
) -> list[bulk.JobInfo]:
    """Open upsert jobs a create-job POST of ``user_id`` sent in ``window`` (server clock) could have made.

    Same user, object, operation and External ID, created inside the window, and not a job id any
    process on this machine (``known``) or this process already owns.
    """
    start, end = window
    found = []
    for job in jobs:
        with _lock:
            ours = (instance_url, job.id) in _own_jobs
        if ours or job.id in known or job.state != "Open" or job.operation != "upsert":
            continue
        if job.object != object_name or (job.external_id_field or "").lower() != external_id_field.lower():
            continue
        if job.raw.get("createdById") != user_id:
            continue
        created = _created(job)
        if created is not None and start <= created <= end:
            found.append(job)
    return found


def abort_stray(
    conn: SalesforceConnection,
    object_name: str,
    external_id_field: str,
    window: tuple[datetime, datetime],
    *,
    user_id: str | None,
    known: Collection[str] = (),
    competing: bool = False,
) -> Strays:
    """After a create-job POST whose answer was lost: abort the job it made, if only it can be that job.

    ``window`` is when the POST was under way, on the server's clock (``conn.server_time``). A job is
    aborted only when exactly one job matches (``stray_candidates``) and no other create-job POST of
    this machine was under way at the time (``competing``); otherwise none is aborted and the
    candidates are reported. Nothing of an Open job was processed, so aborting the right one loses
    nothing; aborting a guess could stop someone else's upload, so a doubt leaves them all alone.
    """
    if user_id is None:
        return Strays(problem="the org did not say which user this login is, so no job was aborted")
    try:
        jobs = list(bulk.list_jobs(conn))
    except SalesforceError as exc:
        log.warning("Could not list jobs to find a stray Open job: %s", exc)
        return Strays(problem=f"could not list the org's jobs ({exc})")
    found = stray_candidates(
        jobs, instance_url=conn.instance_url, object_name=object_name, external_id_field=external_id_field,
        user_id=user_id, window=window, known=known,
    )  # fmt: skip
    if len(found) != 1 or competing:
        return Strays(ambiguous=[j.id for j in found])
    job = found[0]
    try:
        bulk.abort_job(conn, job.id)
    except SalesforceError as exc:
        log.warning("Could not abort stray job %s: %s", job.id, exc)
        return Strays(ambiguous=[job.id], problem=f"could not abort job {job.id} ({exc})")
    with _lock:
        _own_jobs.add((conn.instance_url, job.id))
    return Strays(aborted=[job.id])


def post_window(conn: SalesforceConnection, started: datetime, ended: datetime) -> tuple[datetime, datetime]:
    """The server-clock window of a POST sent at ``started`` that failed at ``ended`` (this machine's clock).

    With a Date header seen, the offset is known to about a second; without one, allow for clock skew.
    """
    slack = _DATE_SLACK if conn.clock_offset_s is not None else _SKEW
    return conn.server_time(started) - slack, conn.server_time(ended) + slack


def _created(job: bulk.JobInfo) -> datetime | None:
    try:  # Salesforce writes 2026-11-26T09:33:17.082+0000
        return datetime.strptime(job.created_date, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)
    except ValueError:
        return None  # unknown creation time: never guess that it is ours
