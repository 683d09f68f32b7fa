"""After a crash: abort the Open jobs the journal points at, and list journalled jobs still to reattach."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sfloader_gui.core.load.journal import Intent, Journal
from sfloader_gui.core.salesforce import bulk
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.salesforce.errors import SalesforceError
from sfloader_gui.core.salesforce.orgstate import user_id as current_user_id

log = logging.getLogger(__name__)

# A create-job POST's job carries the server's clock: allow for skew, and for the POST's own time.
_SKEW = timedelta(minutes=5)
_POST_WINDOW = timedelta(minutes=3)
_RUNNING = frozenset({"UploadComplete", "InProgress"})


@dataclass(frozen=True)
class FoundJob:
    """A job the reconcile acted on or reports: its id, object, state now, and why."""

    job_id: str
    object_name: str
    state: str
    note: str


@dataclass
class ReconcileReport:
    user_id: str | None = None
    aborted: list[FoundJob] = field(default_factory=list)  # Open strays the journal pointed at
    running: list[FoundJob] = field(default_factory=list)  # still processing: reattach later
    finished: list[FoundJob] = field(default_factory=list)  # ended, results never saved: fetch them
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Plain-language lines for a log or a terminal."""
        out = [f"aborted stray job {j.job_id} ({j.object_name}): {j.note}" for j in self.aborted]
        out += [f"job {j.job_id} ({j.object_name}) is still {j.state}: {j.note}" for j in self.running]
        out += [f"job {j.job_id} ({j.object_name}) ended {j.state}: {j.note}" for j in self.finished]
        return out + self.problems


def reconcile_strays(conn: SalesforceConnection, journal: Journal) -> ReconcileReport:
    """Abort Open jobs a crashed run left behind, and report journalled jobs whose results are unsaved.

    Only jobs the journal points at are aborted: a job id it recorded but never saw leave Open, or, for
    an intent whose POST answer was never recorded, one Open upsert job of this user for that object
    and External ID created around the intent's time that the journal does not know. Nothing of an
    Open job was processed, so aborting it loses nothing. Other tools' jobs are left alone.
    """
    report = ReconcileReport()
    url = conn.instance_url
    dangling = journal.intents(url, dangling=True)
    if not (dangling or journal.intents(url, dangling=False) or journal.unsettled(url)):
        return report  # the journal points at nothing: no call to the org at all
    if dangling:
        report.user_id = current_user_id(conn)
    try:
        listed = {j.id: j for j in bulk.list_jobs(conn)}
    except SalesforceError as exc:
        report.problems.append(f"Could not list the org's jobs to reconcile: {exc}")
        return report
    _abort_known(conn, journal, listed, report)
    _abort_dangling(conn, journal, listed, report)
    _report_unsettled(conn, journal, listed, report)
    for line in report.lines():
        log.info("Reconcile: %s", line)
    return report


def _abort(conn: SalesforceConnection, job: bulk.JobInfo, note: str, report: ReconcileReport) -> bool:
    try:
        state = bulk.abort_job(conn, job.id).state
    except SalesforceError as exc:
        report.problems.append(f"Could not abort stray job {job.id}: {exc}")
        return False
    report.aborted.append(FoundJob(job.id, job.object, state, note))
    return True


def _abort_known(
    conn: SalesforceConnection, journal: Journal, listed: dict[str, bulk.JobInfo], report: ReconcileReport
) -> None:
    """Job ids the journal recorded but never saw closed: abort those still Open, note the rest."""
    for intent in journal.intents(conn.instance_url, dangling=False):
        assert intent.job_id is not None
        job = listed.get(intent.job_id)
        if job is None:
            continue  # not listed (purged, or past the pages read): nothing to do now
        if job.state == "Open":
            note = f"created for {intent.file.name} part {intent.part}, never uploaded in full"
            if _abort(conn, job, note, report):
                journal.note_server_state(intent, "Aborted")
                journal.settle_intent(intent.id, "aborted by reconcile")
            continue
        journal.note_server_state(intent, job.state)  # closed ones now show as unsettled below
        journal.settle_intent(intent.id, f"server says {job.state}")


def _abort_dangling(
    conn: SalesforceConnection, journal: Journal, listed: dict[str, bulk.JobInfo], report: ReconcileReport
) -> None:
    """Intents with no job id: the POST may have made a job whose id was never recorded."""
    dangling = journal.intents(conn.instance_url, dangling=True)
    if not dangling:
        return
    if report.user_id is None:
        report.problems.append(
            f"{len(dangling)} job creation(s) were interrupted, but the org did not say which user this "
            "login is, so no job was aborted for them."
        )
        return
    known = journal.known_job_ids(conn.instance_url)
    candidates = sorted(
        (j for j in listed.values() if j.state == "Open" and j.id not in known and j.operation == "upsert"
         and j.raw.get("createdById") == report.user_id),
        key=lambda j: j.created_date,
    )  # fmt: skip
    for intent in dangling:
        match = next((j for j in candidates if _matches(j, intent)), None)
        if match is None:
            journal.settle_intent(intent.id, "no stray job found")
            continue
        candidates.remove(match)  # one POST makes at most one job
        note = f"create-job for {intent.file.name} part {intent.part} was interrupted before its id was saved"
        if _abort(conn, match, note, report):
            journal.set_intent_job(intent.id, match.id)
            journal.settle_intent(intent.id, "stray aborted by reconcile")


def _matches(job: bulk.JobInfo, intent: Intent) -> bool:
    if job.object != intent.object_name:
        return False
    if (job.external_id_field or "").lower() != intent.external_id_field.lower():
        return False
    created = _created(job)
    return created is not None and (
        intent.created_at - _SKEW <= created <= intent.created_at + _POST_WINDOW + _SKEW
    )


def _created(job: bulk.JobInfo) -> datetime | None:
    try:  # Salesforce writes 2026-11-26T09:33:17.082+0000
        return datetime.strptime(job.created_date, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)
    except ValueError:
        return None  # unknown creation time: never guess that it is ours


def _report_unsettled(
    conn: SalesforceConnection, journal: Journal, listed: dict[str, bulk.JobInfo], report: ReconcileReport
) -> None:
    """Closed jobs whose results were never saved: still running (reattach) or ended (fetch results)."""
    for entry in journal.unsettled(conn.instance_url):
        job = listed.get(entry.job_id)
        if job is None:
            try:
                job = bulk.get_job(conn, entry.job_id)
            except SalesforceError as exc:
                report.problems.append(f"Could not look up job {entry.job_id}: {exc}")
                continue
        note = f"{entry.file.name} part {entry.part}; fetch its results with: sfloader results {job.id}"
        found = FoundJob(job.id, job.object, job.state, note)
        (report.running if job.state in _RUNNING else report.finished).append(found)
