"""Plain data shared by the engine, the CLI and the GUI: options, job states, events and outcomes."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TypedDict

MAX_CONCURRENT_JOBS = 15
# Uploads on the wire at once (bench/bench_load.py --uploads, see docs/cli.md): 4 fills a link as well
# as 15 do, closes the first job far sooner, and stays under a Developer Edition org's limit of 5
# concurrent long-running calls with one call to spare.
DEFAULT_CONCURRENT_UPLOADS = 4
DEFAULT_PART_SIZE_BYTES = 100_000_000
DEFAULT_POLL_INTERVAL_S = 5.0
DEFAULT_TIMEOUT_S = 7200.0
DEFAULT_API_VERSION = "66.0"


class JobState(StrEnum):
    """A part's state: Salesforce's job states plus the client-side ones around them."""

    # Client-side, before a job exists on the server.
    QUEUED = "Queued"
    # Salesforce's own states (spelled as the API spells them).
    OPEN = "Open"
    UPLOAD_COMPLETE = "UploadComplete"
    IN_PROGRESS = "InProgress"
    JOB_COMPLETE = "JobComplete"
    FAILED = "Failed"
    ABORTED = "Aborted"
    # Client-side outcomes.
    TIMED_OUT = "TimedOut"  # stopped waiting; the job keeps running on the server
    CANCELLED = "Cancelled"  # never sent because the user cancelled
    ERROR = "Error"  # the client could not finish the job (network, auth, refused upload)

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATES

    @property
    def is_success(self) -> bool:
        return self is JobState.JOB_COMPLETE


TERMINAL_STATES = frozenset(
    {
        JobState.JOB_COMPLETE,
        JobState.FAILED,
        JobState.ABORTED,
        JobState.TIMED_OUT,
        JobState.CANCELLED,
        JobState.ERROR,
    }
)


class ConfigError(ValueError):
    """An option the user gave is not allowed; the message says why and what is allowed."""


def check_pacing(jobs: int, uploads: int, poll_s: float, timeout_s: float, *, why_jobs: str = "") -> None:
    """The limits a load's options and the saved settings share; ``ConfigError`` says which one and why."""
    if not 1 <= jobs <= MAX_CONCURRENT_JOBS:
        raise ConfigError(f"Parallel jobs must be between 1 and {MAX_CONCURRENT_JOBS}, not {jobs}{why_jobs}.")
    if not 1 <= uploads <= MAX_CONCURRENT_JOBS:
        raise ConfigError(f"Uploads at once must be between 1 and {MAX_CONCURRENT_JOBS}, not {uploads}.")
    if poll_s <= 0:
        raise ConfigError(f"Poll interval must be more than 0 seconds, not {poll_s}.")
    if timeout_s <= 0:
        raise ConfigError(f"Timeout must be more than 0 seconds, not {timeout_s}.")


class ValueChoices(TypedDict, total=False):
    """The mapping view's choices, ``LoadOptions``' fields of the same names: how to read values that could
    be read more than one way (None: inferred per column), and whether rows only update existing records."""

    date_format: str | None
    decimal_separator: str | None
    time_zone: str | None
    allow_missing_required: bool


@dataclass(frozen=True)
class LoadOptions:
    """Everything that shapes one load, validated on construction."""

    object_name: str
    external_id_field: str
    use_gzip: bool = True
    max_concurrent_jobs: int = MAX_CONCURRENT_JOBS
    max_concurrent_uploads: int = DEFAULT_CONCURRENT_UPLOADS  # big transfers on the wire at once
    poll_interval_s: float = DEFAULT_POLL_INTERVAL_S
    timeout_s: float = DEFAULT_TIMEOUT_S
    part_size_bytes: int = DEFAULT_PART_SIZE_BYTES
    api_version: str = DEFAULT_API_VERSION
    # Overrides for what the sniffer finds: "COMMA", "SEMICOLON", ... and "LF" / "CRLF".
    column_delimiter: str | None = None
    line_ending: str | None = None
    # Business files (core/mapping): "auto" or the path of a Data Loader .sdl; how values are read
    # (None: inferred per column); the encoding of files that are not UTF-8 (converted while sending);
    # the workbook sheet (None: the first).
    mapping: str = "auto"
    skip_columns: tuple[str, ...] = ()  # columns never sent, whatever the mapping says (any case)
    date_format: str | None = None  # "MDY" | "DMY" | "YMD"
    time_zone: str | None = None  # IANA name; None: the computer's
    decimal_separator: str | None = None  # "." | ","
    encoding: str | None = None  # "cp1252" | "latin-1" | "utf-16"
    sheet: str | None = None
    # A required field (for insert) that no column is sent to blocks the load, unless every row only
    # updates existing records: then the user says so (app checkbox, sfloader --allow-missing-required).
    allow_missing_required: bool = False

    def __post_init__(self) -> None:
        self._check_conversions()
        check_pacing(
            self.max_concurrent_jobs, self.max_concurrent_uploads, self.poll_interval_s, self.timeout_s,
            why_jobs=f": Salesforce counts each running job against the org's concurrent request limit, "
            f"so this app never runs more than {MAX_CONCURRENT_JOBS} at once",
        )  # fmt: skip
        if not 1 <= self.part_size_bytes <= DEFAULT_PART_SIZE_BYTES:
            raise ConfigError(
                f"Part size must be between 1 byte and 100 MB, not {self.part_size_bytes} bytes: "
                "Salesforce refuses uploads over 150 MB after base64, which is about 100 MB of raw CSV."
            )
        if not self.object_name.strip():
            raise ConfigError("Choose a Salesforce object to load into.")
        if not self.external_id_field.strip():
            raise ConfigError("Choose the External ID field that identifies each record.")

    def _check_conversions(self) -> None:
        if self.date_format is not None and self.date_format not in ("MDY", "DMY", "YMD"):
            raise ConfigError(f"Date format must be MDY, DMY or YMD, not {self.date_format!r}.")
        if self.decimal_separator is not None and self.decimal_separator not in (".", ","):
            raise ConfigError(f"Decimal separator must be '.' or ',', not {self.decimal_separator!r}.")
        if self.encoding is not None and self.encoding not in ("cp1252", "latin-1", "utf-16", "utf-8"):
            raise ConfigError(f"Encoding must be cp1252, latin-1 or utf-16, not {self.encoding!r}.")
        if self.time_zone is not None:
            import zoneinfo  # here: only loads need it

            try:
                zoneinfo.ZoneInfo(self.time_zone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ConfigError(
                    f"{self.time_zone!r} is not a time zone name; use an IANA name such as Europe/Berlin."
                ) from None


class CancelToken:
    """Cooperative cancel shared by the caller and the engine's workers.

    ``cancel(abort_jobs=False)`` stops queued parts and stops waiting; ``cancel(abort_jobs=True)``
    also aborts running jobs on the server (their processed rows are still fetched). ``reason`` is the
    user's, in their words ("you chose Abort jobs in Salesforce"): the parts report their jobs as aborted
    at the user's request, not as a problem.
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        self._no_new = threading.Event()
        self._abort_jobs = False
        self.reason = ""

    def cancel(self, abort_jobs: bool = False, reason: str = "") -> None:
        self.reason = self.reason or reason
        self._abort_jobs = self._abort_jobs or abort_jobs
        self._no_new.set()
        self._event.set()

    def stop_new(self) -> None:
        """No part starts from now on; running jobs go on being waited for (a cancel may follow)."""
        self._no_new.set()

    @property
    def no_new_parts(self) -> bool:
        return self._no_new.is_set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    @property
    def abort_jobs(self) -> bool:
        return self._abort_jobs

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; return True at once if cancelled meanwhile."""
        return self._event.wait(seconds)


@dataclass(frozen=True)
class PartRef:
    """Which file and part a job came from. ``part`` is 1-based."""

    file: Path
    part: int
    part_count: int

    @property
    def key(self) -> str:
        return f"{self.file}#{self.part}"

    def describe(self) -> str:
        name = self.file.name
        return name if self.part_count == 1 else f"{name} (part {self.part} of {self.part_count})"


class EventKind(StrEnum):
    """What a ``JobEvent`` reports."""

    STATE = "state"  # the part's state changed
    UPLOAD_PROGRESS = "upload_progress"  # bytes_sent / bytes_total of the raw CSV
    PROCESSING = "processing"  # a poll: records_processed / records_failed
    RESULTS_SAVED = "results_saved"  # result files are on disk
    LOG = "log"  # a plain-language line for the user's log (never a secret)


@dataclass(frozen=True)
class JobEvent:
    """One progress report from the engine; plain data so it can cross threads as a Qt signal argument."""

    kind: EventKind
    part: PartRef
    state: JobState
    job_id: str | None = None
    bytes_sent: int = 0
    bytes_total: int = 0
    records_processed: int = 0
    records_failed: int = 0
    message: str = ""
    error_message: str | None = None


@dataclass
class JobOutcome:
    """The final word on one part: what happened on the server and where its rows went."""

    part: PartRef
    state: JobState
    job_id: str | None = None
    error_message: str | None = None
    rows: int = 0  # data records in this part
    first_record: int = 1  # 1-based record number (header excluded) of the part's first row in its file
    records_processed: int = 0
    records_failed: int = 0
    records_unprocessed: int = 0
    success_file: Path | None = None
    failed_file: Path | None = None
    unprocessed_file: Path | None = None
    gzip: bool = True
    # Raw bytes of the upload compressed at each gzip level (the level is chosen as the run goes).
    gzip_levels: dict[int, int] = field(default_factory=dict)
    # Earlier jobs of the same part that were abandoned (refused gzip, dropped upload): id, state, reason.
    abandoned_jobs: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    user_abort: str | None = None  # the job was aborted because the user asked: their reason

    @property
    def aborted_by_user(self) -> bool:
        return self.state is JobState.ABORTED and self.user_abort is not None

    @property
    def records_succeeded(self) -> int:
        return self.records_processed - self.records_failed
