"""An org that took a gzip upload but ignored Content-Encoding: the part goes again, uncompressed."""

from __future__ import annotations

import re

from sfloader_gui.core.load.part.polling import wait
from sfloader_gui.core.load.part.state import PartRun
from sfloader_gui.core.load.part.submit import submit
from sfloader_gui.core.models import JobOutcome, JobState
from sfloader_gui.core.salesforce import orgstate

# Salesforce's errorMessage when an upload's header or line endings cannot be read (a doubled prefix
# has been seen in captures too).
_GARBLED = re.compile(r"InvalidBatch : Field name not found : |LineEnding is invalid on user data")


def gzip_unreadable(o: JobOutcome) -> bool:
    """A gzip upload whose job failed on its header or line endings with nothing processed: the org
    kept the compressed bytes as they came (it accepted the PUT but ignored Content-Encoding)."""
    return (
        o.gzip
        and o.state is JobState.FAILED
        and o.records_processed == 0
        and _GARBLED.search(o.error_message or "") is not None
    )


def redo_uncompressed(part: PartRun) -> None:
    """Treat it as a refusal of gzip: remember it for the org and send the part again uncompressed."""
    o = part.outcome
    job_id = o.job_id
    assert job_id is not None
    orgstate.remember_gzip_refused(part.conn.instance_url)
    o.abandoned_jobs.append(
        {"job_id": job_id, "state": "Failed", "reason": f"gzip upload unreadable: {o.error_message}"}
    )
    if part.journal is not None:  # its results hold nothing to fetch
        part.journal.settle(job_id)
    part.say(
        f"Job {job_id} failed on its header or line endings with no record processed after a gzip "
        "upload: the org seems to ignore Content-Encoding. This part is sent again uncompressed in a "
        "new job, and every later job to this org goes uncompressed.",
        note=True,
    )
    o.error_message, o.records_processed, o.records_failed = None, 0, 0
    o.job_id, part.closed, part.close_unconfirmed = None, False, False
    submit(part)
    wait(part)
