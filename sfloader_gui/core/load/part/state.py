"""One part's run as it goes: its outcome, the events it sends, and what its steps tell each other."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from sfloader_gui.core.load.journal import RunJournal
from sfloader_gui.core.load.part.plan import PartPlan
from sfloader_gui.core.load.results import RunFolder
from sfloader_gui.core.models import CancelToken, EventKind, JobEvent, JobOutcome, JobState, LoadOptions
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.salesforce.errors import SalesforceError

log = logging.getLogger(__name__)

EventSink = Callable[[JobEvent], None]
SERVER_TERMINAL = frozenset({JobState.JOB_COMPLETE, JobState.FAILED, JobState.ABORTED})


class PartStopped(Exception):
    """Ends the part early with the outcome already filled in."""


class PartRun:
    """The state one part's steps share; ``emit``/``set_state``/``say`` journal and report each change."""

    def __init__(
        self,
        conn: SalesforceConnection,
        plan: PartPlan,
        options: LoadOptions,
        run_folder: RunFolder,
        on_event: EventSink,
        cancel: CancelToken,
        journal: RunJournal | None = None,
    ) -> None:
        self.conn = conn
        self.journal = journal
        self.plan = plan
        self.options = options
        self.run_folder = run_folder
        self.on_event = on_event
        self.cancel = cancel
        self.outcome = JobOutcome(
            part=plan.ref, state=JobState.QUEUED, rows=plan.records, first_record=plan.first_record,
            gzip=options.use_gzip,
        )  # fmt: skip
        self.closed = False
        self.close_unconfirmed = False  # the close's answer was lost: read the job, close again if Open
        self.gzip_breaks = 0  # gzip uploads of this part that failed without an answer
        self.refusal: SalesforceError | None = None  # the last try's upload refused as "too many at once"
        self.refusals = 0  # refusals in a row
        self.unreachable: SalesforceError | None = None  # the last try's create-job call got no answer
        self.create_failures = 0  # create-job calls in a row that got no answer

    def emit(self, kind: EventKind, **fields: object) -> None:
        o = self.outcome
        base = JobEvent(
            kind=kind, part=o.part, state=o.state, job_id=o.job_id, records_processed=o.records_processed,
            records_failed=o.records_failed, error_message=o.error_message,
        )  # fmt: skip
        event = replace(base, **fields)  # type: ignore[arg-type]
        if self.journal is not None:  # first: a crash right after must still find the job
            self.journal.record(event)
        try:
            self.on_event(event)
        except Exception:  # a broken listener must not break the load
            log.exception("Progress listener failed")

    def set_state(self, state: JobState, message: str = "") -> None:
        if state is self.outcome.state and not message:
            return
        self.outcome.state = state
        self.emit(EventKind.STATE, message=message)

    def say(self, message: str, note: bool = False) -> None:
        log.info("%s: %s", self.outcome.part.describe(), message)
        if note:
            self.outcome.notes.append(message)
        self.emit(EventKind.LOG, message=message)

    def fail(self, message: str) -> None:
        self.outcome.error_message = message
        self.set_state(JobState.ERROR, message)


def server_state(state: str) -> JobState:
    """A job state as Salesforce names it; one we do not know is still processing."""
    try:
        return JobState(state)
    except ValueError:
        return JobState.IN_PROGRESS
