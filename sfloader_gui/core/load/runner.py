"""One part, end to end, as one Bulk API 2.0 upsert job: create, one upload, close, poll, fetch results.

The steps are in ``core/load/part/``: ``submit`` (with ``create``, ``upload`` and ``close``), ``polling``,
``gzip_redo``, ``fetch`` and ``accounting``, sharing one ``state.PartRun``.
"""

from __future__ import annotations

from sfloader_gui.core.load.journal import RunJournal
from sfloader_gui.core.load.part.accounting import finish_accounting
from sfloader_gui.core.load.part.fetch import fetch_results
from sfloader_gui.core.load.part.gzip_redo import gzip_unreadable, redo_uncompressed
from sfloader_gui.core.load.part.plan import PartPlan, part_plans
from sfloader_gui.core.load.part.polling import wait
from sfloader_gui.core.load.part.state import EventSink, PartRun, PartStopped
from sfloader_gui.core.load.part.submit import submit
from sfloader_gui.core.load.results import RunFolder
from sfloader_gui.core.models import CancelToken, JobOutcome, LoadOptions
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.salesforce.errors import ApiLimitError, AuthError, SalesforceError

__all__ = ["EventSink", "PartPlan", "part_plans", "run_part"]


def run_part(
    conn: SalesforceConnection,
    part_plan: PartPlan,
    options: LoadOptions,
    run_folder: RunFolder,
    on_event: EventSink,
    cancel: CancelToken,
    journal: RunJournal | None = None,
) -> JobOutcome:
    """Run one part as one upsert job and return what became of every one of its records.

    Synchronous and thread-safe; never raises for a Salesforce or network problem (the outcome says it).
    With a ``journal``, an intent is written before each create-job POST, the job id right after, and
    every state of the job as it moves.
    """
    part = PartRun(conn, part_plan, options, run_folder, on_event, cancel, journal)
    try:
        submit(part)
        wait(part)
        if gzip_unreadable(part.outcome):
            redo_uncompressed(part)
        fetch_results(part)
    except PartStopped:
        pass
    except (AuthError, ApiLimitError, SalesforceError) as exc:
        part.fail(str(exc))
    finish_accounting(part)
    return part.outcome
