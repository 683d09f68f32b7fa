"""How a job's upload ends: closed for processing (its lost answer handled), or the job aborted unused."""

from __future__ import annotations

import logging

from sfloader_gui.core.load.part.pauses import poll_backoff
from sfloader_gui.core.load.part.state import PartRun, server_state
from sfloader_gui.core.salesforce import bulk
from sfloader_gui.core.salesforce.errors import SalesforceError, is_transient

log = logging.getLogger(__name__)

ABORT_TRIES = 6  # an abandoned job's abort, tried again while the network is down


def close_uploaded(part: PartRun, info: bulk.JobInfo) -> None:
    """Mark the upload complete; from here on the job is never aborted unless the user asks."""
    try:
        closed = bulk.close_job(part.conn, info.id)
    except SalesforceError:  # refused, not lost: the job is still Open and nothing of it was processed
        abandon(part, info.id, "could not mark the upload complete", keep=False)  # no orphan Open job
        raise
    part.closed = True  # or maybe: from here on the job is never aborted unless the user asks
    if closed is None:
        part.close_unconfirmed = True
        part.say(
            f"The answer to closing job {info.id} was lost; reading the job until its state is known "
            "(it may be processing, so it is not aborted).",
            note=True,
        )
        return
    part.set_state(server_state(closed.state), f"Upload complete ({part.plan.size:,} bytes)")


def abandon(part: PartRun, job_id: str, reason: str, keep: bool = True) -> None:
    """Abort a job whose upload did not complete (nothing of it was processed) and record it.

    An abort without an answer (network down) is tried again a few times with growing pauses: an
    Open job left behind processes nothing, but a later reconcile would have to find it.
    """
    state = "Aborted"
    for tries in range(1, ABORT_TRIES + 1):
        try:
            state = bulk.abort_job(part.conn, job_id).state
            break
        except SalesforceError as exc:
            state = f"abort failed: {exc}"
            if not is_transient(exc) or tries == ABORT_TRIES:
                log.warning("Could not abort job %s: %s", job_id, exc)
                break
            part.cancel.wait(poll_backoff(part.options.poll_interval_s, tries, exc.retry_after))
    if keep:
        part.outcome.abandoned_jobs.append({"job_id": job_id, "state": state, "reason": reason})
    part.outcome.job_id = None if keep else job_id
