"""Where each of a part's records ended: success, failed or unprocessed, and why when the job never ran."""

from __future__ import annotations

from sfloader_gui.core.load.part.state import PartRun
from sfloader_gui.core.load.results import count_records


def finish_accounting(part: PartRun) -> None:
    """Every record ends in success, failed or unprocessed; say how when the job never ran."""
    o = part.outcome
    if not part.closed:
        o.records_processed = o.records_failed = 0
        o.records_unprocessed = o.rows
        o.notes.append(f"never reached UploadComplete: all {o.rows} records count as unprocessed (not sent)")
    elif o.unprocessed_file is not None:
        o.records_unprocessed = count_records(o.unprocessed_file, part.plan.dialect.delimiter)
    else:  # still running on the server (timed out, cancelled, session lost) or results unavailable
        o.records_unprocessed = max(0, o.rows - o.records_processed)
        o.notes.append(
            f"results not saved: the {o.records_unprocessed} records not yet processed count as "
            f"unprocessed; get the job's final results with: sfloader results {o.job_id}"
        )
    if o.records_processed + o.records_unprocessed != o.rows:
        o.notes.append(
            f"accounting mismatch: {o.rows} records sent, {o.records_processed} processed, "
            f"{o.records_unprocessed} unprocessed"
        )
