"""The only place the window calls the engine: describe for the pickers, plan + pre-flight, and run set-up.

Everything here is a thin call into ``sfloader_gui.core``; the functions run on background threads and
return plain data for the UI thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sfloader_gui.core.csvio.dialect import sniff
from sfloader_gui.core.csvio.errors import CsvInputError
from sfloader_gui.core.csvio.sample import first_records

# Imported with the window, not on the first Load click: that click must not stall the event loop.
from sfloader_gui.core.load import plan as planning
from sfloader_gui.core.load import preflight as checks

# Private names: the engine's per-part gate is what run_load uses; the GUI runs the same one per QRunnable.
from sfloader_gui.core.load.engine import PartGate
from sfloader_gui.core.load.journal import EventSink, Journal
from sfloader_gui.core.load.plan import LoadPlan
from sfloader_gui.core.load.reconcile import reconcile_strays
from sfloader_gui.core.load.results import RunFolder, count_records
from sfloader_gui.core.load.runner import PartPlan, part_plans
from sfloader_gui.core.models import CancelToken, JobEvent, JobOutcome, LoadOptions
from sfloader_gui.core.salesforce import describe
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.settings import AppSettings
from sfloader_gui.ui.files.files_model import FindingView
from sfloader_gui.ui.load.controller import PreparedPart, PreparedRun
from sfloader_gui.ui.load.workers import PartJob

PREVIEW_ROWS = 20
_LINE_ENDING_LABELS = {"LF": "LF", "CRLF": "CRLF"}


# -- pickers ----------------------------------------------------------------------------------------------
def object_choices(conn: SalesforceConnection) -> list[tuple[str, str]]:
    """Objects an upsert can write to (createable and updateable), as (API name, "Label (Name)")."""
    return [
        (o.name, f"{o.label} ({o.name})")
        for o in describe.list_objects(conn)
        if o.createable and o.updateable
    ]


def external_id_choices(conn: SalesforceConnection, object_name: str) -> list[tuple[str, str]]:
    """Fields an upsert can match on; true External ID fields first, then idLookup fields such as Id."""
    fields = describe.describe_object(conn, object_name).external_id_fields
    ordered = sorted(fields, key=lambda f: (not f.external_id, f.name != "Id", f.label.lower()))
    return [(f.name, f"{f.label} ({f.name})") for f in ordered]


# -- options ----------------------------------------------------------------------------------------------
def load_options(
    settings: AppSettings, object_name: str, external_id: str, poll_override_s: float | None = None
) -> LoadOptions:
    """Raises ``ConfigError`` (a ValueError) when something is missing or not allowed."""
    return LoadOptions(
        object_name=object_name,
        external_id_field=external_id,
        use_gzip=settings.use_gzip,
        max_concurrent_jobs=settings.max_concurrent_jobs,
        poll_interval_s=poll_override_s or settings.poll_interval_s,
        timeout_s=settings.timeout_s,
        part_size_bytes=settings.part_size_bytes,
    )


# -- files ------------------------------------------------------------------------------------------------
@dataclass
class FileFacts:
    rows: int | None = None
    delimiter: str = ""
    encoding: str = ""
    line_ending: str = ""
    parts: int = 0
    header: list[str] = field(default_factory=list)
    preview: list[list[str]] = field(default_factory=list)
    error: str | None = None


def inspect_file(path: Path) -> FileFacts:
    """Dialect, header, the first rows and the record count of one file (reads the whole file once)."""
    try:
        dialect = sniff(path)
    except CsvInputError as exc:
        return FileFacts(rows=0, delimiter="unreadable", error=exc.message)
    preview = first_records(path, dialect, PREVIEW_ROWS)
    return FileFacts(
        rows=count_records(path, dialect.delimiter),
        delimiter=dialect.delimiter_name.title(),
        encoding="UTF-8 with BOM" if dialect.bom else "UTF-8",
        line_ending=_LINE_ENDING_LABELS.get(dialect.line_ending, dialect.line_ending),
        header=list(dialect.header),
        preview=preview,
    )


@dataclass
class CheckResult:
    plan: Any
    findings: dict[Path, list[FindingView]]
    facts: dict[Path, FileFacts]


def check_files(conn: SalesforceConnection, paths: list[Path], options: LoadOptions) -> CheckResult:
    """The engine's plan and pre-flight for these files, grouped per file for the list."""
    plan = planning.plan_load(paths, options)
    describer = describe.Describer(conn)
    checks.preflight(plan, describer(options.object_name), describer)  # adds its findings to each file
    findings: dict[Path, list[FindingView]] = {}
    facts: dict[Path, FileFacts] = {}
    for path, fp in zip(paths, plan.files, strict=True):  # the plan keeps the order it was given
        findings[path] = [FindingView(f.severity, f.message) for f in fp.findings]
        facts[path] = FileFacts(rows=fp.records, parts=len(fp.parts))
    return CheckResult(plan=plan, findings=findings, facts=facts)


# -- running ----------------------------------------------------------------------------------------------
class _Relay:
    """The event sink the engine's gate and journal report to; it forwards to the workers' signal.

    Every worker passes the same sink (the controller's one signals object), so whichever set it last
    is the right one.
    """

    def __init__(self) -> None:
        self.target: EventSink | None = None

    def __call__(self, event: JobEvent) -> None:
        if self.target is not None:
            self.target(event)


def prepare_run(
    conn: SalesforceConnection, plan: LoadPlan, options: LoadOptions, out_dir: Path
) -> PreparedRun:
    """Make the run folder and bind each part to the engine's per-part runner; the controller runs them.

    Each part goes through the engine's gate (a dead session or used-up API limit stops the parts not
    started; fewer jobs at once after the org refuses concurrent requests) and its job journal (jobs left
    running on the server can be found after a restart), exactly as the headless ``run_load`` does.
    """
    folder = RunFolder.create(out_dir, options.object_name)
    relay = _Relay()
    journal = Journal()
    gate = PartGate(
        conn, options.max_concurrent_jobs, journal.listener(conn.instance_url, folder.path, relay)
    )

    def job_for(part: PartPlan) -> PartJob:
        def job(on_event: EventSink, cancel: CancelToken) -> JobOutcome:
            relay.target = on_event
            return gate.run(part, options, folder, cancel)

        return job

    parts = [PreparedPart(ref=p.ref, rows=p.records, job=job_for(p)) for p in part_plans(plan)]

    def finalize(outcomes: list[JobOutcome], cancelled: bool) -> RunFolder:
        try:
            folder.write_manifest(
                plan, outcomes, instance_url=conn.instance_url, finished_at=datetime.now(UTC)
            )
        finally:
            journal.close()
        return folder

    label = f"the load into {options.object_name}"
    return PreparedRun(
        parts=parts, max_jobs=options.max_concurrent_jobs, finalize=finalize, label=label, run_folder=folder
    )


def reconcile_org(conn: SalesforceConnection) -> list[str]:
    """Abort the Open jobs a crashed earlier session left in this org (never a live run's, never another
    tool's) and say which jobs still need their results fetched: plain lines for the log."""
    journal = Journal()
    try:
        return reconcile_strays(conn, journal).lines()
    finally:
        journal.close()


def retry_launcher(conn: SalesforceConnection | None) -> Any:
    """The workbench's retry hook bound to this org (None when the engine offers no retry here)."""
    from sfloader_gui.ui.failures.launcher import make_retry_launcher

    return make_retry_launcher(conn)


def run_folder_path(folder: Any) -> Path | None:
    if folder is None:
        return None
    return Path(getattr(folder, "path", folder))
