"""Creating a part's job, written ahead in the journal; after a lost answer, claiming the job it made."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sfloader_gui.core.load.journal import RunJournal
from sfloader_gui.core.load.part.state import PartRun
from sfloader_gui.core.salesforce import bulk, orgstate
from sfloader_gui.core.salesforce.backoff import worth_logging
from sfloader_gui.core.salesforce.errors import TransportError

log = logging.getLogger(__name__)


def create_job(part: PartRun) -> bulk.JobInfo | None:
    """POST a new job. If the answer is lost, abort the job it made if only it can be that one."""
    opts, dialect = part.options, part.plan.dialect
    # Write-ahead: a crash from here on leaves an intent (or a job id) that a later start reconciles.
    wal = part.journal
    intent = wal.intent(part.plan.ref, opts.object_name, opts.external_id_field) if wal else None
    started = datetime.now(UTC)
    try:
        info = orgstate.create_upsert_job(
            part.conn, opts.object_name, opts.external_id_field,
            column_delimiter=dialect.delimiter_name, line_ending=dialect.line_ending,
        )  # fmt: skip
    except TransportError as exc:
        after_lost_create(part, exc, wal, intent, started)
        return None
    if wal is not None:
        wal.job_created(intent, info.id)
    return info


def after_lost_create(
    part: PartRun, exc: TransportError, wal: RunJournal | None, intent: int | None, started: datetime
) -> None:
    """The create-job POST may have made a job: find it, and abort it only if it can only be ours."""
    part.unreachable = exc
    opts, conn = part.options, part.conn
    window = orgstate.post_window(conn, started, datetime.now(UTC))
    competing = orgstate.creating(conn.instance_url, opts.object_name, opts.external_id_field) > 0
    if wal is not None:
        competing = competing or wal.others_in_flight(intent, opts.object_name, opts.external_id_field)
    known = wal.known_job_ids() if wal is not None else set()
    strays = orgstate.abort_stray(
        conn, opts.object_name, opts.external_id_field, window,
        user_id=orgstate.user_id(conn), known=known, competing=competing,
    )  # fmt: skip
    for job_id in strays.aborted:
        part.outcome.abandoned_jobs.append(
            {"job_id": job_id, "state": "Aborted", "reason": "create-job answer lost"}
        )
    if strays.aborted:
        if wal is not None:
            wal.job_created(intent, strays.aborted[0])
            wal.settle_intent(intent, "create-job answer lost; its job was found and aborted")
        found = f"its job {strays.aborted[0]} was found and aborted"
    elif strays.ambiguous:
        # Left for a later reconcile (the intent stays open), when the other POSTs have their answers.
        found = (
            f"{len(strays.ambiguous)} Open job(s) could be the one it made "
            f"({', '.join(strays.ambiguous)}), but not only ours: none was aborted"
        )
        part.outcome.notes.append(f"create-job answer lost; {found}")
    else:
        if wal is not None and strays.problem is None:
            wal.settle_intent(intent, "create-job answer lost; it made no job")
        found = strays.problem or "it made no job"
    line = f"Creating a job failed ({exc}); {found}. Trying again with a new job."
    if strays.aborted or strays.ambiguous or worth_logging(part.create_failures + 1):
        part.say(line)  # an outage fails every try: its 1st, 2nd, 4th... are told
    else:
        log.debug("%s: %s", part.outcome.part.describe(), line)
