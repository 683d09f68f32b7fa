"""After a crash: abort the Open jobs the journal points at, and list journalled jobs still to reattach."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sfloader_gui.core.load.journal import Intent, Journal
from sfloader_gui.core.salesforce import bulk, orgstate
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.salesforce.errors import SalesforceError
from sfloader_gui.core.salesforce.orgstate import user_id as current_user_id

log = logging.getLogger(__name__)

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
    ambiguous: list[FoundJob] = field(default_factory=list)  # Open, could be a stray of ours: left alone
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Plain-language lines for a log or a terminal."""
        out = [f"aborted stray job {j.job_id} ({j.object_name}): {j.note}" for j in self.aborted]
        out += [f"job {j.job_id} ({j.object_name}) is still {j.state}: {j.note}" for j in self.running]
        out += [f"job {j.job_id} ({j.object_name}) ended {j.state}: {j.note}" for j in self.finished]
        out += [
            f"job {j.job_id} ({j.object_name}) is Open and {j.note}: left alone (abort it in Setup if it is "
            "yours; the org closes it after 24 hours, having processed nothing)"
            for j in self.ambiguous
        ]
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
    """Intents with no job id: the POST may have made a job whose id was never recorded.

    That job is aborted only if exactly one Open job can be it (same user, object, operation and
    External ID, created inside the POST's window on the org's clock, unknown to every process here)
    and no other interrupted or running create-job POST of this machine overlaps that window. When more
    than one could be it, none is aborted: they are reported (an Open job processes nothing, and the
    org closes it after 24 hours).
    """
    url = conn.instance_url
    dangling = journal.intents(url, dangling=True)
    if not dangling:
        return
    if report.user_id is None:
        report.problems.append(
            f"{len(dangling)} job creation(s) were interrupted, but the org did not say which user this "
            "login is, so no job was aborted for them."
        )
        return
    known = journal.known_job_ids(url)
    for intent in dangling:
        window = _window(conn, intent)
        found = orgstate.stray_candidates(
            listed.values(), instance_url=url, object_name=intent.object_name,
            external_id_field=intent.external_id_field, user_id=report.user_id, window=window, known=known,
        )  # fmt: skip
        others = [*dangling, *journal.in_flight(url, intent.object_name, intent.external_id_field)]
        rivals = [
            o for o in others
            if o.id != intent.id and _same_target(o, intent) and _overlap(_window(conn, o), window)
        ]  # fmt: skip
        what = f"create-job for {intent.file.name} part {intent.part}"
        if not found:
            journal.settle_intent(intent.id, "no stray job found")
            continue
        if len(found) > 1 or rivals:
            note = (
                f"may be the job of an interrupted {what}, but so may {len(found) + len(rivals) - 1} other(s)"
            )
            report.ambiguous += [FoundJob(j.id, j.object, j.state, note) for j in found]
            continue
        (match,) = found
        if _abort(conn, match, f"{what} was interrupted before its id was saved", report):
            listed[match.id] = bulk.JobInfo(match.id, "Aborted", match.object, match.operation)
            journal.set_intent_job(intent.id, match.id)
            journal.settle_intent(intent.id, "stray aborted by reconcile")


def _window(conn: SalesforceConnection, intent: Intent) -> tuple[datetime, datetime]:
    """When the intent's POST could have made its job, on the org's clock."""
    longest = timedelta(seconds=conn.timeouts.connect_s + conn.timeouts.read_s)
    return orgstate.post_window(conn, intent.created_at, intent.created_at + longest)


def _same_target(a: Intent, b: Intent) -> bool:
    return a.object_name == b.object_name and a.external_id_field.lower() == b.external_id_field.lower()


def _overlap(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


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
