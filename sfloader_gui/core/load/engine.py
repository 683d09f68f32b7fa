"""Headless loads: a ``LoadRun`` on a thread pool; retry only the failed and unprocessed rows of a run."""

from __future__ import annotations

import contextlib
import csv
import itertools
import logging
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sfloader_gui.core.load.journal import Journal
from sfloader_gui.core.load.plan import FilePlan, LoadPlan, plan_load
from sfloader_gui.core.load.results import (
    Manifest,
    ManifestFile,
    ResultKey,
    RunFolder,
    delimiter_of,
    load_manifest,
    run_file,
    safe_name,
    source_file,
)
from sfloader_gui.core.load.run import NEVER_SENT, EventSink, LoadRun, RunResult
from sfloader_gui.core.mapping.columns import Choices, ColumnRule
from sfloader_gui.core.mapping.model import Mapping
from sfloader_gui.core.mapping.source import CsvSource, utf16_source, workbook_source
from sfloader_gui.core.mapping.transform import analyze
from sfloader_gui.core.models import CancelToken, LoadOptions
from sfloader_gui.core.private import opener
from sfloader_gui.core.salesforce import describe
from sfloader_gui.core.salesforce.connection import SalesforceConnection

log = logging.getLogger(__name__)


def run_load(
    conn: SalesforceConnection,
    plan: LoadPlan,
    options: LoadOptions,
    out_dir: Path,
    on_event: EventSink,
    cancel: CancelToken,
    retry_of: str | None = None,
    run_folder: RunFolder | None = None,
    journal: Journal | None = None,
) -> RunResult:
    """Send every part of every unblocked file, at most ``max_concurrent_jobs`` jobs at once (a ``LoadRun``).

    Blocked files are not sent (the manifest lists them with their findings). Returns when every part
    has an outcome; the manifest accounts for each record of each part. With a ``journal``, every job's
    states are recorded there too, so jobs left running can be found later.
    """
    folder = run_folder or RunFolder.create(out_dir, options.object_name)
    run = LoadRun(conn, plan, options, folder, journal=journal, retry_of=retry_of, cancel=cancel)
    return run.run(on_event)


# ---- retry only the failed and unprocessed rows of a run ---------------------------------------------------


@dataclass
class _Wanted:
    """Which records of one source file go into the retry: by External ID and by record-number range."""

    keys: set[str]
    ranges: list[tuple[int, int]]  # inclusive 1-based record numbers

    def wants(self, number: int, key: str) -> bool:
        return key in self.keys or any(lo <= number <= hi for lo, hi in self.ranges)


def build_retry_files(run_dir: Path, new_run: RunFolder | None = None) -> list[Path]:
    """Write the failed and unprocessed rows of ``run_dir`` into ``<new_run>/sources/``, one CSV per file.

    Without ``new_run`` a new run folder is made next to ``run_dir``.

    Rows are copied from the SOURCE files (original columns and values, matched by External ID, or by
    record number for parts that were never sent), not from Salesforce's result files, whose values
    are Salesforce's stored forms. Jobs still running on the server (timed out, cancelled without
    abort) are left out: their rows may still be processed. Returns the files written (none: nothing
    to retry).
    """
    manifest = load_manifest(run_dir)
    new_run = new_run or RunFolder.create(run_dir.parent, str(manifest["object"]))
    ext = str(manifest["external_id_field"])
    files = {f["path"]: f for f in manifest["files"]}
    wanted: dict[str, _Wanted] = {}
    for job in manifest["jobs"]:
        want = wanted.setdefault(job["file"], _Wanted(set(), []))
        if any(NEVER_SENT in note for note in job.get("notes", [])):
            want.ranges.append((job["first_record"], job["first_record"] + job["records"] - 1))
            continue
        if job["state"] not in ("JobComplete", "Failed", "Aborted"):
            log.warning("Retry leaves out job %s (%s): it may still be running", job["job_id"], job["state"])
            continue
        delimiter = delimiter_of(files.get(job["file"]))
        keys: tuple[ResultKey, ...] = ("failed_file", "unprocessed_file")
        for key in keys:
            if job.get(key):  # run_file refuses a path that leaves the run folder (an edited manifest)
                want.keys.update(_result_keys(run_file(run_dir, job[key]), ext, delimiter))
    sheet = (manifest.get("options") or {}).get("sheet")  # a manifest from before files named theirs
    written: list[Path] = []
    for index, (source, want) in enumerate(wanted.items(), start=1):
        if want.keys or want.ranges:
            entry = files.get(source)
            out = _copy_rows(
                source_file(source),
                entry,
                entry.get("sheet", sheet) if entry else sheet,
                ext,
                want,
                new_run.sources_dir,
                index,
            )
            if out is not None:
                written.append(out)
    return written


def _result_keys(path: Path, ext: str, delimiter: str) -> set[str]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f, delimiter=delimiter)
        header = next(reader, [])
        lowered = [h.lower() for h in header]
        if ext.lower() not in lowered:
            return set()
        col = lowered.index(ext.lower())
        return {row[col] for row in reader if len(row) > col}


def _copy_rows(
    source: Path,
    entry: ManifestFile | None,
    sheet: str | None,
    ext: str,
    want: _Wanted,
    dest_dir: Path,
    index: int,
) -> Path | None:
    """Stream ``source`` and write the wanted records (header first) to a new CSV in ``dest_dir``."""
    delimiter = delimiter_of(entry)
    terminator = "\r\n" if entry and entry.get("line_ending") == "CRLF" else "\n"
    dest = dest_dir / f"{index:02d}_{safe_name(source.stem)}.csv"
    if not source.is_file():
        raise FileNotFoundError(f"{source} is gone: its failed rows cannot be copied for the retry.")
    # A mapped file (issue 11) keeps its own header in the copy; the key is the column mapped to it.
    mapped = ((entry and entry.get("transform")) or {}).get("mapping") or []
    key_column = next((m["column"] for m in mapped if str(m.get("field") or "").lower() == ext.lower()), ext)
    kept = 0
    tmp = dest.with_name(f".{dest.name}.part")
    with (
        _source_rows(source, (entry and entry.get("encoding")) or "utf-8", sheet, delimiter) as reader,
        open(tmp, "x", newline="", encoding="utf-8", opener=opener) as out,
    ):
        writer = csv.writer(out, delimiter=delimiter, lineterminator=terminator)
        header = next(reader, [])
        writer.writerow(header)
        lowered = [h.lower() for h in header]
        col = lowered.index(key_column.lower()) if key_column.lower() in lowered else -1
        for number, row in enumerate(reader, start=1):
            key = row[col] if 0 <= col < len(row) else ""
            if want.wants(number, key):
                writer.writerow(row)
                kept += 1
    if kept == 0:
        tmp.unlink()
        return None
    tmp.rename(dest)
    return dest


@contextlib.contextmanager
def _source_rows(
    source: Path, encoding: str, sheet: str | None, delimiter: str
) -> Iterator[Iterator[list[str]]]:
    """The source's records (header first) as the first run read them: its encoding, or a workbook."""
    if encoding in ("workbook", "utf-16"):
        rows = workbook_source(source, sheet) if encoding == "workbook" else utf16_source(source, delimiter)
        yield itertools.chain([rows.header], (r for b in rows.batches(sizes=False) for r in b.rows))
        return
    with source.open(newline="", encoding="utf-8-sig" if encoding == "utf-8" else encoding) as src:
        yield csv.reader(src, delimiter=delimiter)


def _reapply_transforms(conn: SalesforceConnection, plan: LoadPlan, manifest: Manifest) -> None:
    """A retry sends its rows with the mapping and conversions the first run used (from its manifest)."""
    sent = [(f.get("header"), t) for f in manifest.get("files", []) if (t := f.get("transform"))]
    if not sent:
        return
    target = describe.describe_object(conn, plan.options.object_name)
    fields = {f.name.lower(): f for f in target.fields}
    for fp in plan.files:
        transform = next(
            (t for header, t in sent if fp.dialect is not None and header == fp.dialect.header), None
        )
        if transform is not None:
            reapply_transform(fp, transform, fields, plan.options)


def reapply_transform(
    fp: FilePlan, sent: dict[str, Any], fields: dict[str, Any], options: LoadOptions
) -> None:
    """Send a planned file with a manifest's mapping and conversions (``sent``), each column read as the
    first run read it; a value that cannot be converted is a blocking finding on ``fp``.

    fields: the object's describe fields by lower-case API name.
    """
    if fp.dialect is None or fp.blocked:
        return
    mapping = Mapping.from_json(sent["mapping"])
    rules = {r.column: r for r in map(ColumnRule.from_json, sent.get("conversions", []))}
    tz = next((r.time_zone for r in rules.values() if r.time_zone), None)
    fp.transform, found, fp.parts, fp.records = analyze(
        fp.path, CsvSource(fp.path, fp.dialect), mapping, fields, Choices(time_zone=tz),
        options.external_id_field, options.part_size_bytes, fp.dialect.terminator, fixed=rules,
    )  # fmt: skip
    fp.mapping = mapping
    fp.findings.extend(found)


def retry_failed(
    conn: SalesforceConnection,
    run_dir: Path,
    options: LoadOptions,
    out_dir: Path,
    on_event: EventSink,
    cancel: CancelToken,
    journal: Journal | None = None,
) -> RunResult | None:
    """Send again only the failed and unprocessed rows of ``run_dir`` as a new run (None: nothing to do).

    Safe to repeat because the load is an upsert on the External ID: rows that did get in are updated.
    """
    manifest = load_manifest(run_dir)
    options = replace(
        options, object_name=manifest["object"], external_id_field=manifest["external_id_field"]
    )
    folder = RunFolder.create(out_dir, options.object_name)
    try:
        files = build_retry_files(run_dir, folder)
    except BaseException:
        shutil.rmtree(folder.path, ignore_errors=True)  # a refused manifest leaves no half-made run behind
        raise
    if not files:
        shutil.rmtree(folder.path)  # nothing to send: leave no empty run folder behind
        return None
    plan = plan_load(files, options)
    _reapply_transforms(conn, plan, manifest)
    return run_load(conn, plan, options, out_dir, on_event, cancel, manifest["run_id"], folder, journal)
