"""One part's run as it goes: its outcome, the events it sends, and what its steps tell each other."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

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


@dataclass(eq=False)
class PartRun:
    """The state one part's steps share; ``emit``/``set_state``/``say`` journal and report each change."""

    conn: SalesforceConnection
    plan: PartPlan
    options: LoadOptions
    run_folder: RunFolder
    on_event: EventSink
    cancel: CancelToken
    journal: RunJournal | None = None
    outcome: JobOutcome = field(init=False)
    closed: bool = field(default=False, init=False)
    close_unconfirmed: bool = field(default=False, init=False)  # the close's answer was lost: read the job
    gzip_breaks: int = field(default=0, init=False)  # gzip uploads of this part that failed without an answer
    refusal: SalesforceError | None = field(default=None, init=False)  # the last upload refused: too many
    refusals: int = field(default=0, init=False)  # refusals in a row
    unreachable: SalesforceError | None = field(default=None, init=False)  # the last create-job: no answer
    create_failures: int = field(default=0, init=False)  # create-job calls in a row that got no answer

    def __post_init__(self) -> None:
        p = self.plan
        self.outcome = JobOutcome(
            part=p.ref,
            state=JobState.QUEUED,
            rows=p.records,
            first_record=p.first_record,
            gzip=self.options.use_gzip,
        )

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
