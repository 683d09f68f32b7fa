"""Send retry files as a new upsert run with the same object and External ID, linked by ``retry_of``."""

from __future__ import annotations

import shutil
from dataclasses import fields
from pathlib import Path
from typing import Any

from sfloader_gui.core.load.engine import EventSink, RunResult, run_load
from sfloader_gui.core.load.plan import plan_load
from sfloader_gui.core.load.results import RunFolder
from sfloader_gui.core.models import CancelToken, LoadOptions
from sfloader_gui.core.review.retry import RetryBatch, RetryError, record_retry
from sfloader_gui.core.review.session import ReviewSession
from sfloader_gui.core.salesforce.connection import SalesforceConnection

# Options of the original run that a retry keeps (the rest are per-file and found again by the plan).
_KEPT = {"use_gzip", "max_concurrent_jobs", "poll_interval_s", "timeout_s", "part_size_bytes", "api_version"}


def retry_options(session: ReviewSession, **overrides: Any) -> LoadOptions:
    """The original run's object, External ID field and sending options."""
    m = session.manifest
    if not m.get("object") or not m.get("external_id_field"):
        raise RetryError("Open the run folder (not a lone results file) to retry its rows.")
    known = {f.name for f in fields(LoadOptions)}
    kept = {k: v for k, v in dict(m.get("options") or {}).items() if k in _KEPT and k in known}
    kept.update(overrides)
    return LoadOptions(object_name=str(m["object"]), external_id_field=str(m["external_id_field"]), **kept)


def launch_retry(
    conn: SalesforceConnection,
    session: ReviewSession,
    batches: list[RetryBatch],
    *,
    out_dir: Path | None = None,
    on_event: EventSink | None = None,
    cancel: CancelToken | None = None,
    **option_overrides: Any,
) -> RunResult:
    """Run the retry files as a new run beside the original (synchronous; call it from a worker thread).

    The files are copied into the new run's ``sources/`` so the retry run is complete on its own, and the
    retry is recorded in the original run's ``review/retries.json`` before it starts.
    """
    options = retry_options(session, **option_overrides)
    base = out_dir or (session.run_dir.parent if session.run_dir else session.target.parent)
    folder = RunFolder.create(base, options.object_name)
    sent = []
    for batch in batches:
        copy = folder.sources_dir / batch.path.name
        shutil.copyfile(batch.path, copy)
        sent.append(RetryBatch(path=copy, source=batch.source, rows=batch.rows))
    record_retry(session, folder.path, sent)
    plan = plan_load([b.path for b in sent], options)
    run_id = str(session.manifest.get("run_id") or (session.run_dir.name if session.run_dir else ""))
    return run_load(
        conn, plan, options, base, on_event or (lambda _e: None), cancel or CancelToken(),
        retry_of=run_id, run_folder=folder,
    )  # fmt: skip
