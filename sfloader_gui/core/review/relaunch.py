"""Send retry files as a new upsert run with the same object and External ID, linked by ``retry_of``."""

from __future__ import annotations

import shutil
from dataclasses import fields
from pathlib import Path
from typing import Any

from sfloader_gui.core.csvio.findings import ERROR
from sfloader_gui.core.load.engine import reapply_transform
from sfloader_gui.core.load.journal import Journal
from sfloader_gui.core.load.plan import LoadPlan, plan_load
from sfloader_gui.core.load.results import RunFolder
from sfloader_gui.core.load.run import EventSink, LoadRun, RunResult
from sfloader_gui.core.models import LoadOptions
from sfloader_gui.core.private import opener
from sfloader_gui.core.review.retry import RetryBatch, RetryError, record_retry
from sfloader_gui.core.review.session import ReviewSession
from sfloader_gui.core.salesforce import describe
from sfloader_gui.core.salesforce.connection import SalesforceConnection

# Options of the original run that a retry keeps (the rest are per-file and found again by the plan).
_KEPT = {
    "use_gzip",
    "max_concurrent_jobs",
    "max_concurrent_uploads",
    "poll_interval_s",
    "timeout_s",
    "part_size_bytes",
    "api_version",
}


def retry_options(session: ReviewSession, **overrides: Any) -> LoadOptions:
    """The original run's object, External ID field and sending options."""
    m = session.manifest
    if not m or not m.get("object") or not m.get("external_id_field"):
        raise RetryError("Open the run folder (not a lone results file) to retry its rows.")
    known = {f.name for f in fields(LoadOptions)}
    kept = {k: v for k, v in dict(m.get("options") or {}).items() if k in _KEPT and k in known}
    kept.update(overrides)
    return LoadOptions(object_name=str(m["object"]), external_id_field=str(m["external_id_field"]), **kept)


def prepare_retry(
    conn: SalesforceConnection,
    session: ReviewSession,
    batches: list[RetryBatch],
    *,
    journal: Journal | None,
    out_dir: Path | None = None,
    **option_overrides: Any,
) -> LoadRun:
    """The retry of ``batches`` as a new run beside the original, ready to be driven (not yet sent).

    The files are copied into the new run's ``sources/`` so the retry run is complete on its own, and the
    retry is recorded in the original run's ``review/retries.json`` before it starts. Reads and hashes
    the files: call it from a worker thread.
    """
    options = retry_options(session, **option_overrides)
    base = out_dir or (session.run_dir.parent if session.run_dir else session.target.parent)
    folder = RunFolder.create(base, options.object_name)
    sent = []
    for batch in batches:
        copy = folder.sources_dir / batch.path.name
        with batch.path.open("rb") as src, open(copy, "xb", opener=opener) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        sent.append(RetryBatch(path=copy, source=batch.source, rows=batch.rows, transform=batch.transform))
    plan = plan_load([b.path for b in sent], options)
    try:
        _reapply(conn, plan, sent)
    except BaseException:
        shutil.rmtree(folder.path, ignore_errors=True)  # refused before anything was sent: no run left
        raise
    record_retry(session, folder.path, sent)
    run_id = session.run_id or (session.run_dir.name if session.run_dir else "")
    return LoadRun(conn, plan, options, folder, journal=journal, retry_of=run_id)


def _reapply(conn: SalesforceConnection, plan: LoadPlan, batches: list[RetryBatch]) -> None:
    """Rows of a mapped file in its own columns go with its mapping and conversions, read as the first
    run read them; a value that cannot be converted (an edit) refuses the retry, naming it."""
    mapped = {b.path: b.transform for b in batches if b.transform is not None}
    if not mapped:
        return
    target = describe.describe_object(conn, plan.options.object_name)
    fields = {f.name.lower(): f for f in target.fields}
    for fp in plan.files:
        if fp.path in mapped:
            reapply_transform(fp, mapped[fp.path], fields, plan.options)
    refused = [f.message for fp in plan.files for f in fp.findings if f.severity == ERROR]
    if refused:
        raise RetryError("The retry was not sent: " + " ".join(refused))


def launch_retry(
    conn: SalesforceConnection,
    session: ReviewSession,
    batches: list[RetryBatch],
    *,
    on_event: EventSink | None = None,
    journal: Journal | None = None,
    **option_overrides: Any,
) -> RunResult:
    """Headless: prepare the retry and run it to the end (synchronous)."""
    run = prepare_retry(conn, session, batches, journal=journal, **option_overrides)
    return run.run(on_event or (lambda _e: None))
