"""Retry failed rows: write retry CSVs with the edits applied, link the new run, map which rows succeeded."""

from __future__ import annotations

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

RETRIES_FILE = "retries.json"


class RetryError(ValueError):
    """A retry cannot be prepared; the message says why."""


@dataclass(frozen=True)
class RetryBatch:
    """One retry CSV: the chosen rows of one source file, edits applied, in the source's columns."""

    path: Path
    source: str
    rows: int


class Outcome(StrEnum):
    SUCCEEDED = "Succeeded on retry"
    FAILED_AGAIN = "Failed again"
    NOT_PROCESSED = "Not processed on retry"


def write_retry_files(
    session: ReviewSession, rows: list[int], out_dir: Path | None = None
) -> list[RetryBatch]:
    """Write ``<review>/retry_<stamp>/<NN>_<source stem>.csv`` per source file; returns the batches.

    Each file has the columns that were uploaded (never the sf__ columns), UTF-8, comma, LF, minimal
    quoting: the engine sniffs it like any other input. Nothing in the run folder is changed.
    """
    if not rows:
        raise RetryError("Choose at least one failed row to retry.")
    if not session.manifest.get("external_id_field"):
        raise RetryError(
            "This results file was opened without its run folder, so the object and External ID field "
            "are unknown: open the run folder to retry its rows."
        )
    ext = str(session.manifest["external_id_field"])
    by_source: dict[tuple[str, tuple[str, ...]], list[int]] = {}
    for row in rows:
        f, _ = session.locate(row)
        rf = session.files[f]
        source = str(rf.job.source) if rf.job.source else str(rf.path)
        by_source.setdefault((source, tuple(rf.data_columns)), []).append(row)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = out_dir or session.review_dir / f"retry_{stamp}"
    private_dir(folder.parent)
    folder.mkdir(mode=DIR_MODE, exist_ok=False)
    batches = []
    for n, ((source, columns), picked) in enumerate(by_source.items(), start=1):
        if ext not in columns:
            raise RetryError(
                f"The failed rows of {Path(source).name} have no {ext} column, so they cannot be upserted."
            )
        path = folder / f"{n:02d}_{safe_name(Path(source).stem)}.csv"
        picks = [session.columns.index(c) for c in columns]
        with open(path, "x", newline="", encoding="utf-8", opener=opener) as out:
            w = csv.writer(out, lineterminator="\n")
            w.writerow(columns)
            for _row, _info, cells in session.iter_bundles(picked):
                w.writerow([cells[i] for i in picks])
        batches.append(RetryBatch(path=path, source=source, rows=len(picked)))
    return batches


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
    ids = {str(session.manifest.get("run_id", session.run_dir.name))}
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
