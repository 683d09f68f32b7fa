"""Waiting for a part's job: polling with growing pauses after failed checks, the timeout, and cancel."""

from __future__ import annotations

import time

from sfloader_gui.core.load.part.pauses import POLL_BACKOFF_CAP, poll_backoff
from sfloader_gui.core.load.part.state import SERVER_TERMINAL, PartRun, PartStopped, server_state
from sfloader_gui.core.models import EventKind, JobState
from sfloader_gui.core.salesforce import bulk
from sfloader_gui.core.salesforce.errors import SalesforceError, is_transient


def wait(part: PartRun) -> None:
    """Poll until the job ends, the timeout passes (job left running) or the user cancels.

    Checks that fail (network down, server busy) are repeated after pauses that grow with each
    failure in a row, up to ``POLL_BACKOFF_CAP`` times the poll interval, or longer if the org asks
    (Retry-After); the part logs the first failure and the recovery, not every try.
    """
    job_id = part.outcome.job_id
    assert job_id is not None
    interval = part.options.poll_interval_s
    deadline = time.monotonic() + part.options.timeout_s
    delay, failures = interval, 0
    while part.outcome.state not in SERVER_TERMINAL:
        if part.cancel.wait(min(delay, max(0.0, deadline - time.monotonic()))):
            on_cancel(part, job_id)
            return
        try:
            info = read_job(part, job_id)
        except SalesforceError as exc:
            if not is_transient(exc):
                raise
            failures += 1
            delay = poll_backoff(interval, failures, exc.retry_after)
            if failures == 1:
                part.say(
                    f"Could not check job {job_id} ({exc}); checking again with growing pauses "
                    f"(at most {interval * POLL_BACKOFF_CAP:g} s apart)."
                )
        else:
            if failures:
                part.say(f"Job {job_id} answered again after {failures} failed check(s).")
            delay, failures = interval, 0
            if info is not None:
                note_progress(part, info)
            if part.outcome.state in SERVER_TERMINAL:
                return
        if time.monotonic() >= deadline:
            part.set_state(
                JobState.TIMED_OUT,
                f"Stopped waiting after {part.options.timeout_s:g} s; job {job_id} keeps running on "
                f"the server. Fetch its results later with: sfloader results {job_id}",
            )
            part.outcome.notes.append(f"timed out after {part.options.timeout_s:g} s; job not aborted")
            raise PartStopped


def read_job(part: PartRun, job_id: str) -> bulk.JobInfo | None:
    """The job now; after a lost close answer, close it again if (and only if) it is still Open.

    None: that close's answer was lost too, so the state is still unknown.
    """
    info = bulk.get_job(part.conn, job_id)
    if not part.close_unconfirmed:
        return info
    if info.state != "Open":
        part.close_unconfirmed = False
        part.say(f"Job {job_id} is {info.state}: the close had arrived.")
        return info
    again = bulk.close_if_open(part.conn, info)
    if again is not None and again.state != "Open":
        part.close_unconfirmed = False
        part.say(f"Job {job_id} was still Open; closed it again.")
    return again


def note_progress(part: PartRun, info: bulk.JobInfo) -> None:
    o = part.outcome
    o.records_processed, o.records_failed = info.records_processed, info.records_failed
    if info.error_message:
        o.error_message = info.error_message
    part.emit(EventKind.PROCESSING, state=server_state(info.state))
    part.set_state(server_state(info.state))


def on_cancel(part: PartRun, job_id: str) -> None:
    """The user cancelled: stop waiting (the job keeps running), or abort the job and read what it did."""
    if not part.cancel.abort_jobs:
        part.set_state(
            JobState.CANCELLED,
            f"Stopped waiting (cancelled); job {job_id} keeps running on the server. "
            f"Fetch its results later with: sfloader results {job_id}",
        )
        part.outcome.notes.append("cancelled: stopped waiting, job not aborted")
        raise PartStopped
    part.say(f"Cancelled: aborting job {job_id} on the server; its processed rows are kept.", note=True)
    part.outcome.user_abort = part.cancel.reason or "cancelled"
    try:
        bulk.abort_job(part.conn, job_id)  # the answer carries no counts (as in Salesforce): read below
    except SalesforceError as exc:
        part.say(f"Could not abort job {job_id} ({exc}); reading what it did.")
    read_until_stopped(part, job_id)


def read_until_stopped(part: PartRun, job_id: str) -> None:
    """The job's state and counts as the org reports them once it stopped (after an abort)."""
    deadline = time.monotonic() + part.options.timeout_s
    while True:
        note_progress(part, bulk.get_job(part.conn, job_id))
        if part.outcome.state in SERVER_TERMINAL:
            return
        if time.monotonic() >= deadline:
            part.set_state(JobState.CANCELLED, f"Job {job_id} did not stop; it may still be running.")
            part.outcome.notes.append("cancelled: abort asked, job still running")
            raise PartStopped
        time.sleep(part.options.poll_interval_s)  # the abort is on its way: read again shortly
