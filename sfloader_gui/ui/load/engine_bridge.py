"""The only place the window calls the engine: describe for the pickers, plan + pre-flight, and run set-up.

Everything here is a thin call into ``sfloader_gui.core``; the functions run on background threads and
return plain data for the UI thread.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sfloader_gui.core.csvio.dialect import sniff
from sfloader_gui.core.csvio.errors import CsvInputError
from sfloader_gui.core.csvio.sample import first_records

# Imported with the window, not on the first Load click: that click must not stall the event loop.
from sfloader_gui.core.load import plan as planning
from sfloader_gui.core.load import preflight as checks
from sfloader_gui.core.load.journal import Journal
from sfloader_gui.core.load.plan import LoadPlan
from sfloader_gui.core.load.reconcile import reconcile_strays
from sfloader_gui.core.load.results import count_records
from sfloader_gui.core.load.resume import resume_line, runs_to_resume
from sfloader_gui.core.load.run import LoadRun
from sfloader_gui.core.mapping.model import Mapping
from sfloader_gui.core.mapping.preview import ColumnPreview, FieldChoice, field_choices, preview_columns
from sfloader_gui.core.mapping.source import WORKBOOK_SUFFIXES, CsvSource, WorkbookError, glance_workbook
from sfloader_gui.core.mapping.store import MappingStore
from sfloader_gui.core.models import LoadOptions, ValueChoices
from sfloader_gui.core.salesforce import describe
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.settings import AppSettings
from sfloader_gui.ui.files.files_model import FileFacts, FindingView

if TYPE_CHECKING:
    from sfloader_gui.ui.failures.launcher import RetryLauncher
    from sfloader_gui.ui.load.controller import LoadController

log = logging.getLogger(__name__)

PREVIEW_ROWS = 20
_LINE_ENDING_LABELS = {"LF": "LF", "CRLF": "CRLF"}
CONVERTED_LABELS = {"cp1252": "Windows-1252 (sent as UTF-8)", "latin-1": "Latin-1 (sent as UTF-8)"}


# -- pickers ----------------------------------------------------------------------------------------------
def object_choices(conn: SalesforceConnection) -> list[tuple[str, str]]:
    """Objects an upsert can write to (createable and updateable), as (API name, "Label (Name)")."""
    return [
        (o.name, f"{o.label} ({o.name})")
        for o in describe.list_objects(conn)
        if o.createable and o.updateable
    ]


def external_id_picks(conn: SalesforceConnection, object_name: str) -> tuple[list[tuple[str, str]], str]:
    """Fields an upsert can match on (true External ID fields first, then idLookup fields such as Id), and
    the one to preselect: the object's only true External ID field, if it has exactly one (with several,
    the user decides)."""
    fields = describe.describe_object(conn, object_name).external_id_fields
    ordered = sorted(fields, key=lambda f: (not f.external_id, f.name != "Id", f.label.lower()))
    true_ids = [f.name for f in ordered if f.external_id]
    return [(f.name, f"{f.label} ({f.name})") for f in ordered], true_ids[0] if len(true_ids) == 1 else ""


# -- options ----------------------------------------------------------------------------------------------
def load_options(
    settings: AppSettings,
    object_name: str,
    external_id: str,
    poll_override_s: float | None = None,
    conversions: ValueChoices | None = None,
) -> LoadOptions:
    """Raises ``ConfigError`` (a ValueError) when something is missing or not allowed.

    ``conversions``: the mapping view's date order, decimal separator and time zone (None: inferred).
    """
    return LoadOptions(
        **(conversions or ValueChoices()),
        object_name=object_name,
        external_id_field=external_id,
        use_gzip=settings.use_gzip,
        max_concurrent_jobs=settings.max_concurrent_jobs,
        max_concurrent_uploads=settings.max_concurrent_uploads,
        poll_interval_s=poll_override_s or settings.poll_interval_s,
        timeout_s=settings.timeout_s,
        part_size_bytes=settings.part_size_bytes,
    )


# -- files ------------------------------------------------------------------------------------------------
# The engine's advice names sfloader's options; in the app, a tab or a button does the same thing.
_APP_ADVICE = {
    "unknown_column": (
        " Map it to a field or leave it out",
        " Pick a field or “(not sent)” in the Columns tab.",
    ),
    "encoding": (
        " Salesforce accepts UTF-8 only.",
        " Salesforce accepts UTF-8 only: click “Read as Windows-1252” in the Columns tab (the file is not "
        "changed), or save it again as 'CSV UTF-8' from your spreadsheet program.",
    ),
}


# A value pre-flight refuses: said before Load, where nothing has been sent yet.
_VALUE_ADVICE = (
    " Correct the value(s) or leave the column out; nothing was sent.",
    " Correct the value(s) in the file, or choose “(not sent)” for the column in the Columns tab.",
)


def in_app_words(code: str, message: str) -> str:
    """``message`` with the app's way out instead of sfloader's (the part before the advice is kept)."""
    if message.endswith(_VALUE_ADVICE[0]):
        return message.removesuffix(_VALUE_ADVICE[0]) + _VALUE_ADVICE[1]
    cut, advice = _APP_ADVICE.get(code, ("", ""))
    if code == "encoding" and "Windows-1252" not in message and "Latin-1" not in message:
        return message  # UTF-16 and the like: the button does not read them, the engine's advice stands
    head, found, _ = message.partition(cut) if cut else (message, "", "")
    return head + advice if found else message


def inspect_file(path: Path, sheet: str | None = None, encoding: str | None = None) -> FileFacts:
    """Dialect, header, the first rows and the record count of one file (reads the whole file once).

    A workbook: its sheets, and the header, first rows and records of ``sheet`` (None: the first).
    ``encoding``: "cp1252"/"latin-1" once the user chose *Read as Windows-1252* (sent converted).
    """
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        return _inspect_workbook(path, sheet)
    try:
        dialect = sniff(path, encoding=encoding)
    except CsvInputError as exc:
        # A Windows-1252 file is one click from readable: "unreadable" would say there is no way out.
        form = "not UTF-8" if exc.code == "encoding" else "unreadable"
        return FileFacts(rows=0, delimiter=form, read_error=in_app_words(exc.code, exc.message))
    preview = first_records(path, dialect, PREVIEW_ROWS)
    return FileFacts(
        rows=count_records(path, dialect.delimiter),
        delimiter=dialect.delimiter_name.title(),
        encoding=CONVERTED_LABELS.get(dialect.encoding) or ("UTF-8 with BOM" if dialect.bom else "UTF-8"),
        line_ending=_LINE_ENDING_LABELS.get(dialect.line_ending, dialect.line_ending),
        header=list(dialect.header),
        preview=preview,
    )


def _inspect_workbook(path: Path, sheet: str | None) -> FileFacts:
    try:
        seen = glance_workbook(path, sheet, PREVIEW_ROWS)
    except WorkbookError as exc:
        return FileFacts(rows=0, delimiter="unreadable", read_error=str(exc))
    kind = "OpenDocument spreadsheet" if path.suffix.lower() == ".ods" else "Excel workbook"
    return FileFacts(
        rows=seen.records, delimiter=kind, encoding=f"sheet {seen.sheet}", header=seen.header,
        preview=seen.preview, sheets=seen.sheets, sheet=seen.sheet,
    )  # fmt: skip


@dataclass
class FileColumns:
    """The mapping view's content for one file (issue 11)."""

    mapping: Mapping
    columns: list[ColumnPreview]
    fields: list[FieldChoice]
    encoding: str  # how the file is read ("utf-8", "cp1252", "workbook", ...)


@dataclass
class CheckResult:
    plan: LoadPlan
    findings: dict[Path, list[FindingView]]
    facts: dict[Path, FileFacts]
    columns: dict[Path, FileColumns] = field(default_factory=dict)
    # Files given their saved mapping, saved with "Rows only update existing records" on: the app turns
    # the checkbox on (the mapping leaves required fields out and is refused without it).
    updates_only: set[Path] = field(default_factory=set)


def check_files(
    conn: SalesforceConnection,
    paths: list[Path],
    options: LoadOptions,
    encodings: dict[Path, str] | None = None,
    mappings: dict[Path, Mapping] | None = None,
    sheets: dict[Path, str] | None = None,
) -> CheckResult:
    """The engine's plan and pre-flight for these files, grouped per file for the list.

    ``encodings``: files the user chose to read as Windows-1252/Latin-1; ``mappings``: columns the user
    mapped in the mapping view (the others are auto-mapped); ``sheets``: the sheet chosen in a workbook
    (the others: the first).
    """
    plan = planning.plan_load(paths, options, encodings=encodings, sheets=sheets)
    describer = describe.Describer(conn)
    target = describer(options.object_name)
    # A mapping the user made for this org, object and header set before comes back by itself.
    store = MappingStore()
    chosen = dict(mappings or {})
    updates_only: set[Path] = set()
    for path, fp in zip(paths, plan.files, strict=True):
        if path not in chosen and fp.dialect is not None:
            saved = store.get(conn.instance_url, options.object_name, fp.dialect.header)
            if saved is not None:
                chosen[path] = saved.mapping
                if saved.allow_missing_required:
                    updates_only.add(path)
    checks.preflight(plan, target, describer, mappings=chosen)  # adds its findings to each file
    for path, fp in zip(paths, plan.files, strict=True):
        mine = (mappings or {}).get(path)
        if mine is not None and fp.dialect is not None and not mine.undecided:
            store.put(conn.instance_url, options.object_name, fp.dialect.header, mine,
                      allow_missing_required=options.allow_missing_required)  # fmt: skip
    findings: dict[Path, list[FindingView]] = {}
    facts: dict[Path, FileFacts] = {}
    columns: dict[Path, FileColumns] = {}
    for path, fp in zip(paths, plan.files, strict=True):  # the plan keeps the order it was given
        findings[path] = [
            FindingView(f.severity, in_app_words(f.code, f.message), f.code) for f in fp.findings
        ]
        facts[path] = FileFacts(rows=fp.records, parts=len(fp.parts))
        if fp.mapping is not None and fp.dialect is not None:
            if fp.transform is None or (
                isinstance(fp.transform.source, CsvSource) and fp.dialect.encoding == "utf-8"
            ):
                # A few rows, parsed one by one: a whole block in one C call would hold the GIL (UI stalls).
                sample = first_records(fp.path, fp.dialect, 50)
            else:
                rows = next(iter(fp.transform.source.batches(sizes=False)), None)
                sample = rows.rows[:50] if rows is not None else []
            columns[path] = FileColumns(
                fp.mapping, preview_columns(sample, fp.mapping, fp.transform),
                field_choices(list(target.fields), fp.mapping), fp.dialect.encoding,
            )  # fmt: skip
    return CheckResult(plan=plan, findings=findings, facts=facts, columns=columns, updates_only=updates_only)


# -- running ----------------------------------------------------------------------------------------------
def prepare_run(
    conn: SalesforceConnection, plan: LoadPlan, options: LoadOptions, out_dir: Path, journal: Journal | None
) -> LoadRun:
    """The run the controller drives: a new run folder with its first manifest, bound to the journal.

    Each part goes through the run's gate (a dead session or used-up API limit stops the parts not
    started; fewer jobs at once after the org refuses concurrent requests) and the journal (jobs left
    running on the server can be found after a restart), exactly as the headless ``run_load`` does.
    """
    return LoadRun.create(conn, plan, options, out_dir, journal=journal)


def open_journal() -> Journal | None:
    """The job journal in the user data dir; None (loads still run, without crash recovery) if unusable."""
    try:
        return Journal()
    except (OSError, sqlite3.Error) as exc:
        log.warning("The job journal cannot be opened (%s): jobs left running will not be found later.", exc)
        return None


def reconcile_org(conn: SalesforceConnection) -> list[str]:
    """Abort the Open jobs a crashed earlier session left in this org (never a live run's, never another
    tool's) and say which jobs still need their results fetched: plain lines for the log."""
    journal = Journal()
    try:
        lines = reconcile_strays(conn, journal).lines()
        pending = runs_to_resume(journal, conn.instance_url)
        return lines + [resume_line(run_dir, jobs) for run_dir, jobs in pending.items()]
    finally:
        journal.close()


def report_reconcile(lines: list[str]) -> None:
    """What an earlier, crashed session left in this org: strays aborted, results still to fetch."""
    for line in lines:
        log.warning("Earlier session: %s", line)
    if any(" is still " in line or " ended " in line for line in lines):
        log.warning("Fetch the results of those jobs with: sfloader results JOB_ID")


def retry_launcher(
    conn: SalesforceConnection | None, controller: LoadController, journal: Journal | None
) -> RetryLauncher | None:
    """The workbench's retry, bound to this org and run by the app's load controller (None: not connected)."""
    from sfloader_gui.ui.failures.launcher import make_retry_launcher

    return make_retry_launcher(conn, controller, journal)
