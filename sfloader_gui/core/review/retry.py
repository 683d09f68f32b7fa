"""Retry failed rows: write retry CSVs with the edits applied, link the new run, map which rows succeeded."""

from __future__ import annotations

import contextlib
import csv
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sfloader_gui.core.load.results import MANIFEST, ManifestPathError, run_file, safe_name
from sfloader_gui.core.private import DIR_MODE, opener, private_dir
from sfloader_gui.core.review.resultsfile import DELIMITERS
from sfloader_gui.core.review.session import ReviewSession
from sfloader_gui.core.review.sourceview import SourceView

RETRIES_FILE = "retries.json"


class RetryError(ValueError):
    """A retry cannot be prepared; the message says why."""


@dataclass(frozen=True)
class RetryBatch:
    """One retry CSV: the chosen rows of one source file, edits applied, in the source's columns.

    ``transform`` is the source's mapping and conversions (the manifest's) when the rows are the
    file's own (a mapped file joined to its source): the retry sends them the same way. None: the rows
    are written as they were sent, under API names, and go as they are.
    """

    path: Path
    source: str
    rows: int
    transform: dict[str, Any] | None = None


class Outcome(StrEnum):
    SUCCEEDED = "Succeeded on retry"
    FAILED_AGAIN = "Failed again"
    NOT_PROCESSED = "Not processed on retry"


def write_retry_files(
    session: ReviewSession, rows: list[int], out_dir: Path | None = None
) -> list[RetryBatch]:
    """Write ``<review>/retry_<stamp>/<NN>_<source stem>.csv`` per source file; returns the batches.

    Each file has the columns that were uploaded (never the sf__ columns), UTF-8, comma, LF, minimal
    quoting: the engine sniffs it like any other input. Rows of a mapped file read back from its source
    have the file's own columns and values instead, with the batch's ``transform`` to send them by.
    Nothing in the run folder is changed.
    """
    if not rows:
        raise RetryError("Choose at least one failed row to retry.")
    ext = session.external_id_field
    if not ext:
        raise RetryError(
            "This results file was opened without its run folder, so the object and External ID field "
            "are unknown: open the run folder to retry its rows."
        )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = out_dir or session.review_dir / f"retry_{stamp}"
    private_dir(folder.parent)
    folder.mkdir(mode=DIR_MODE, exist_ok=False)
    # One file per source and header, opened when its first row comes; rows are streamed, not held.
    outs: dict[tuple[str, tuple[str, ...], bool], _Out] = {}
    with contextlib.ExitStack() as stack:
        for _row, info, cells in session.iter_bundles(rows):
            rf = session.files[info.file_index]
            source = str(rf.job.source) if rf.job.source else str(rf.path)
            view = session.views[info.file_index] if info.from_source else None
            # A mapped file's row read back from its source goes in the file's own columns and values
            # (the retry maps and converts them again); any other row as it was sent, under API names.
            columns = view.header if view is not None else tuple(rf.data_columns)
            out = outs.get((source, columns, view is not None))
            if out is None:
                out = _Out.open(stack, folder / f"{len(outs) + 1:02d}_{safe_name(Path(source).stem)}.csv",
                                session, info.file_index, columns, view, ext)  # fmt: skip
                outs[(source, columns, view is not None)] = out
            out.writer.writerow([cells[i] for i in out.picks])
            out.rows += 1
    return [
        RetryBatch(path=o.path, source=source, rows=o.rows, transform=o.transform)
        for (source, _, _), o in outs.items()
    ]


@dataclass
class _Out:
    """One retry CSV being written."""

    path: Path
    writer: Any
    picks: list[int]  # positions in the session's columns, in the file's column order
    transform: dict[str, Any] | None
    rows: int = 0

    @classmethod
    def open(
        cls,
        stack: contextlib.ExitStack,
        path: Path,
        session: ReviewSession,
        file_index: int,
        columns: tuple[str, ...],
        view: SourceView | None,
        ext: str,
    ) -> _Out:
        rf = session.files[file_index]
        shown = session.views[file_index]
        key = view.column_of(ext) if view is not None else ext
        if key is None or key not in columns:
            source = rf.job.source.name if rf.job.source else rf.path.name
            raise RetryError(f"The failed rows of {source} have no {ext} column, so they cannot be upserted.")
        if view is None and shown is not None:
            # As sent, under API names: each value is in the shown column that was sent as that field.
            picks = [session.columns.index(shown.column_of(c) or c) for c in columns]
        else:
            picks = [session.columns.index(c) for c in columns]
        # Closed by the caller's ExitStack, with every other retry file.
        f = stack.enter_context(open(path, "x", newline="", encoding="utf-8", opener=opener))  # noqa: SIM115
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        return cls(path, writer, picks, view.transform if view is not None else None)


def record_retry(session: ReviewSession, retry_run: Path, batches: list[RetryBatch]) -> None:
    """Remember which run retried which rows (``review/retries.json``), so outcomes can be shown later."""
    path = session.review_dir / RETRIES_FILE
    data = _read_json(path) or {"retries": []}
    data["retries"].append(
        {
            "run_dir": str(retry_run),
            "started_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "files": {str(b.path): b.source for b in batches},
        }
    )
    private_dir(path.parent)
    tmp = path.with_suffix(".part")
    with open(tmp, "w", encoding="utf-8", opener=opener) as out:
        out.write(json.dumps(data, indent=1))
    tmp.replace(path)


def retry_runs(session: ReviewSession) -> list[Path]:
    """Runs that retried this one, directly or through a chain of retries, oldest first.

    Found from ``review/retries.json`` and from sibling run folders whose manifest says ``retry_of``
    (so retries started from the command line count too).
    """
    if session.run_dir is None:
        return []
    known = {
        Path(r["run_dir"]) for r in (_read_json(session.review_dir / RETRIES_FILE) or {}).get("retries", [])
    }
    ids = {session.run_id or session.run_dir.name}
    found: list[Path] = []
    for candidate in sorted(p for p in session.run_dir.parent.iterdir() if p.name > session.run_dir.name):
        manifest = _read_json(candidate / MANIFEST)
        if manifest and (manifest.get("retry_of") in ids or candidate in known):
            ids.add(str(manifest.get("run_id", candidate.name)))
            found.append(candidate)
    return found


class RetryOutcomes:
    """What the latest retry made of each External ID: succeeded, failed again (with why), not processed."""

    def __init__(self, session: ReviewSession) -> None:
        self._by_key: dict[int, tuple[Outcome, str, str]] = {}
        self.runs = retry_runs(session)
        for run in self.runs:  # oldest first: a later retry's word wins
            self._read_run(run)

    def _read_run(self, run: Path) -> None:
        manifest = _read_json(run / MANIFEST) or {}
        ext = str(manifest.get("external_id_field", ""))
        delimiters = {
            f.get("path"): DELIMITERS.get(str(f.get("delimiter")), ",") for f in manifest.get("files", [])
        }
        for job in manifest.get("jobs", []):
            for key, outcome in (
                ("success_file", Outcome.SUCCEEDED),
                ("failed_file", Outcome.FAILED_AGAIN),
                ("unprocessed_file", Outcome.NOT_PROCESSED),
            ):
                if job.get(key):
                    run_id = str(manifest.get("run_id", run.name))
                    try:
                        path = run_file(run, job[key])
                    except ManifestPathError:
                        continue  # a retry run whose manifest leaves its folder tells nothing
                    self._read_results(path, ext, outcome, run_id, delimiters.get(job.get("file"), ","))

    def _read_results(self, path: Path, ext: str, outcome: Outcome, run_id: str, delimiter: str) -> None:
        """One pass of the csv module over a result file (a million rows in a few seconds)."""
        if not path.is_file():
            return
        with path.open(newline="", encoding="utf-8", errors="replace") as f:
            sample = f.readline()
            f.seek(0)
            if sample.startswith('"sf__Id"'):  # success/failed: whatever follows the first column
                delimiter = sample[len('"sf__Id"')]
            rows = csv.reader(f, delimiter=delimiter)
            header = [h.lstrip("\ufeff") for h in next(rows, [])]
            if ext not in header:
                return
            col = header.index(ext)
            keep_error = outcome is Outcome.FAILED_AGAIN
            for cells in rows:
                if len(cells) > col:
                    self._by_key[hash(cells[col])] = (outcome, run_id, cells[1] if keep_error else "")

    def outcome(self, external_id: str) -> tuple[Outcome, str, str] | None:
        """(outcome, retry run id, new error text) for a row's External ID, None when never retried."""
        return self._by_key.get(hash(external_id)) if external_id else None

    @property
    def succeeded(self) -> int:
        return sum(1 for o, _, _ in self._by_key.values() if o is Outcome.SUCCEEDED)

    @property
    def not_succeeded(self) -> int:
        return len(self._by_key) - self.succeeded


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
