"""A review session: every failed and unprocessed row of a run (or of one results CSV), addressed globally."""

from __future__ import annotations

import csv
import io
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Literal

from sfloader_gui.core.load.results import (
    MANIFEST,
    Manifest,
    ManifestJob,
    ManifestPathError,
    ResultKey,
    load_manifest,
    run_file,
    source_file,
)
from sfloader_gui.core.review.edits import WorkingCopy
from sfloader_gui.core.review.errors import RowError
from sfloader_gui.core.review.groups import Groups
from sfloader_gui.core.review.records import MalformedCsv, parse
from sfloader_gui.core.review.resultsfile import (
    DELIMITERS,
    JobRef,
    Kind,
    NotResultsFile,
    ResultsFile,
    open_results,
)
from sfloader_gui.core.review.sourcejoin import JoinStatus, SourceJoin
from sfloader_gui.core.review.sourceview import SourceView, source_view

REVIEW_DIR = "review"


class ReviewError(ValueError):
    """Nothing at all can be reviewed here; the message says why and what to open instead."""


@dataclass(frozen=True)
class RowInfo:
    """Everything the workbench shows about one row besides its column values."""

    file_index: int
    local_row: int
    kind: Kind
    source: str  # the source file's name (or the results file's name when opened alone)
    source_row: int | None  # 1-based record number in the source, None when it cannot be joined
    source_rows: tuple[int, ...]  # every source record with this External ID (several: a duplicate key)
    job_id: str
    error: RowError
    sf_id: str
    external_id: str
    # A mapped file's row read back from its source (issue 11): the values are the file's own, and
    # ``sent`` holds, by column position, the value as sent where it was converted to something else.
    from_source: bool = False
    sent: dict[int, str] = field(default_factory=dict, compare=False)


class ReviewSession:
    """Opens a run folder or a results CSV; the rest of the run stays reviewable when a part is broken."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.run_dir: Path | None = None
        self.manifest: Manifest | None = None  # None: a results file opened on its own
        self.files: list[ResultsFile] = []
        self.problems: list[str] = []
        self.joins: dict[str, SourceJoin] = {}
        self._open(target)
        self.starts = array("q", [0])
        for rf in self.files:
            self.starts.append(self.starts[-1] + rf.rows)
        # A mapped or converted file shows its own columns under its own headers (ignored ones too).
        self.views: list[SourceView | None] = [
            source_view(j.entry) if (j := self.join_for(f)) is not None else None
            for f in range(len(self.files))
        ]
        for f, view in enumerate(self.views):
            join = self.join_for(f)
            if view is not None and join is not None:
                join.keep_rows = True
        self.has_views = any(v is not None for v in self.views)
        self.columns = _union_columns(self.files, self.views)
        ext_field = self.external_id_field
        self._ext_cols = [
            rf.data_columns.index(ext_field) if ext_field in rf.data_columns else -1 for rf in self.files
        ]
        self._col_index = {c: i for i, c in enumerate(self.columns)}
        # Per file, for each shown column: where its value as sent is in the results file (-1: nowhere),
        # and for a mapped file where it is in the source row (-1: not a column of that file).
        self._col_maps = [
            [rf.data_columns.index(c) if c in rf.data_columns else -1 for c in self.columns]
            if view is None
            else [_sent_position(view, c, rf.data_columns) for c in self.columns]
            for rf, view in zip(self.files, self.views, strict=True)
        ]
        self._src_maps = [
            [view.header.index(c) if c in view.header else -1 for c in self.columns] if view else []
            for view in self.views
        ]
        self._converted = [
            frozenset(self._col_index[c] for c in view.converted if c in self._col_index)
            if view
            else frozenset()
            for view in self.views
        ]
        self._file_keys = [
            rf.path.relative_to(self.run_dir).as_posix() if self.run_dir is not None else rf.path.name
            for rf in self.files
        ]
        self.edits = WorkingCopy(self.review_dir / "edits.json")
        self.groups = Groups(self.files)

    # ----- opening -----------------------------------------------------------------------------------
    def _open(self, target: Path) -> None:
        if target.is_dir():
            self._open_run(target)
        elif target.is_file():
            run_dir = _enclosing_run(target)
            if run_dir is not None:
                self._open_run(run_dir, only=target)
            else:
                self._open_single(target)
        else:
            raise ReviewError(f"{target} does not exist.")

    def _open_run(self, run_dir: Path, only: Path | None = None) -> None:
        try:
            self.manifest = manifest = load_manifest(run_dir)
        except (OSError, ValueError) as exc:
            raise ReviewError(str(exc)) from None
        self.run_dir = run_dir
        ext_field = self.external_id_field
        for entry in manifest.get("files", []):
            try:
                source = source_file(entry.get("path"))
            except ManifestPathError as exc:
                self.problems.append(str(exc))
                continue
            self.joins[str(entry["path"])] = SourceJoin(source, ext_field, entry)
            if entry.get("blocked"):
                self.problems.append(
                    f"{Path(entry['path']).name} was not sent: the checks before loading blocked it, so "
                    "it has no failed rows here. Fix the file and load it again."
                )
        for job in manifest.get("jobs", []):
            found = next((f for f in manifest.get("files", []) if f["path"] == job["file"]), None)
            delimiter = DELIMITERS.get(str(found.get("delimiter", ""))) if found else None
            for kind, key, count in _REVIEWED:
                rel = job.get(key)
                if not rel:
                    if job.get(count):
                        self.problems.append(
                            f"Job {job.get('job_id')} reported {job[count]} {kind} rows "
                            "but the run folder has no file for them."
                        )
                    continue
                try:
                    path = run_file(run_dir, rel)
                except ManifestPathError as exc:
                    self.problems.append(f"{exc} The other files of the run are still shown.")
                    continue
                if only is not None and path.resolve() != only.resolve():
                    continue
                self._add(path, kind, _job_ref(job, count), delimiter)
        for join in self.joins.values():
            join.check()
            if join.message and join.status is not JoinStatus.PENDING:
                self.problems.append(join.sentence)

    def _open_single(self, path: Path) -> None:
        job = JobRef(job_id=_job_id_from_name(path), source=None)
        with path.open("rb") as f:
            head = f.read(4096).lstrip(b"\xef\xbb\xbf")
        if not head.startswith(b'"sf__Id"'):
            first = head.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
            found = ", ".join(parse(first.encode())[:3]) if first else "nothing (the file is empty)"
            raise ReviewError(
                f"{path} is not a Salesforce failed-results file: it starts with {found}, not the "
                "sf__Id, sf__Error columns. Open a job's failed.csv or a run folder instead."
            )
        self._add(path, Kind.FAILED, job, None)
        if not self.files:
            raise ReviewError(self.problems[-1])

    def _add(self, path: Path, kind: Kind, job: JobRef, delimiter: str | None) -> None:
        try:
            rf = open_results(path, kind, job, delimiter)
        except (OSError, NotResultsFile, MalformedCsv) as exc:
            self.problems.append(f"{exc} The other files of the run are still shown.")
            return
        self.files.append(rf)
        self.problems.extend(rf.warnings)

    # ----- the run's manifest ------------------------------------------------------------------------
    @property
    def run_id(self) -> str | None:
        return self.manifest.get("run_id") if self.manifest else None

    @property
    def external_id_field(self) -> str:
        """The run's External ID field ("" for a results file opened on its own)."""
        return str(self.manifest.get("external_id_field", "")) if self.manifest else ""

    @property
    def instance_url(self) -> str:
        return str(self.manifest.get("instance_url") or "") if self.manifest else ""

    # ----- addressing --------------------------------------------------------------------------------
    @property
    def review_dir(self) -> Path:
        """Where the working copy and exports' bookkeeping live; never inside the raw result files."""
        if self.run_dir is not None:
            return self.run_dir / REVIEW_DIR
        return self.target.with_name(self.target.name + ".review")

    @property
    def row_count(self) -> int:
        return self.starts[-1]

    def locate(self, row: int) -> tuple[int, int]:
        """(file index, row within that file) of a global row."""
        f = bisect_right(self.starts, row) - 1
        return f, row - self.starts[f]

    def file_key(self, file_index: int) -> str:
        """How the working copy names a results file (its path inside the run folder)."""
        return self._file_keys[file_index]

    def join_for(self, file_index: int) -> SourceJoin | None:
        source = self.files[file_index].job.source
        return self.joins.get(str(source)) if source is not None else None

    def build_joins(self) -> None:
        """Index every source file (a whole read each): call it from a worker thread."""
        ext_field = self.external_id_field
        for join in self.joins.values():
            if join.keep_rows and str(join.entry.get("encoding")) in ("workbook", "utf-16"):
                # Rows a reader decodes are kept in memory: only those of this run's failed rows.
                from sfloader_gui.core.review.sorting import result_values

                files = [f for f in range(len(self.files)) if self.join_for(f) is join]
                join.wanted = frozenset(map(hash, result_values(self, ext_field, files)))
            join.build()

    def converted_columns(self) -> list[int]:
        """Positions in ``columns`` whose values a mapped file converted before sending (e.g. a date)."""
        return sorted(frozenset().union(*self._converted))

    def column_note(self, column: str) -> str:
        """What became of a shown column in the mapped files that have it ("" for a column sent as is)."""
        notes = {v.note(column) for v in self.views if v is not None and column in v.header}
        return "\n".join(sorted(notes))

    def field_columns(self) -> dict[str, list[str]]:
        """API name -> the shown columns of mapped files that were sent as it (errors name fields)."""
        out: dict[str, list[str]] = {}
        for view in self.views:
            for column, name in zip(view.header if view else (), view.fields if view else (), strict=True):
                if name is not None and column not in out.setdefault(name, []):
                    out[name].append(column)
        return out

    def read_only_now(self, file_index: int) -> bool:
        """A mapped file's cells wait for its source rows: an edit must be of the file's own value."""
        join = self.join_for(file_index)
        return self.views[file_index] is not None and join is not None and join.status is JoinStatus.PENDING

    # ----- values ------------------------------------------------------------------------------------
    def original_values(self, row: int) -> list[str]:
        """The row before edits, in ``columns`` order ("" where a file lacks a column): as Salesforce
        returned it, or for a mapped file joined to its source, as the source has it."""
        f, local = self.locate(row)
        rf = self.files[f]
        return self._bundle(f, local, parse(rf.index.raw(local), rf.delimiter, rf.encoding), edits=False)[1]

    def values(self, row: int) -> list[str]:
        """The row with the working copy's edits applied."""
        cells = self.original_values(row)
        f, local = self.locate(row)
        for col, value in self.edits.get(self.file_key(f), local).items():
            if col in self.columns:
                cells[self.columns.index(col)] = value
        return cells

    def set_value(self, row: int, column: str, value: str) -> None:
        f, local = self.locate(row)
        original = self.original_values(row)[self.columns.index(column)]
        self.edits.set(self.file_key(f), local, column, value, original)

    def is_edited(self, row: int, column: str) -> bool:
        f, local = self.locate(row)
        return column in self.edits.get(self.file_key(f), local)

    def info(self, row: int) -> RowInfo:
        return self.bundle(row)[0]

    def bundle(self, row: int) -> tuple[RowInfo, list[str]]:
        """A row's info and edited values from one parse of its record (what the table shows)."""
        f, local = self.locate(row)
        rf = self.files[f]
        return self._bundle(f, local, parse(rf.index.raw(local), rf.delimiter, rf.encoding))

    def iter_bundles(self, rows: Sequence[int]) -> Iterator[tuple[int, RowInfo, list[str]]]:
        """(row, info, values) for many rows, in the order given.

        Rows in ascending order (an export of everything, a selection in file order) are read block by
        block with one C-level CSV parse per block, several times faster than a read per row.
        """
        if not _ascending(rows):
            for row in rows:
                yield (row, *self.bundle(row))
            return
        i = 0
        while i < len(rows):
            f, _ = self.locate(rows[i])
            j = bisect_left(rows, self.starts[f + 1], i)
            base = self.starts[f]
            for local, info, values in self._file_bundles(f, [r - base for r in rows[i:j]]):
                yield base + local, info, values
            i = j

    def _file_bundles(self, f: int, locals_: list[int]) -> Iterator[tuple[int, RowInfo, list[str]]]:
        rf = self.files[f]
        if len(locals_) * 20 < rf.rows:  # a few rows: reading whole blocks would cost more
            for local in locals_:
                yield (local, *self._bundle(f, local, parse(rf.index.raw(local), rf.delimiter, rf.encoding)))
            return
        wanted = iter(locals_)
        nxt = next(wanted, None)
        for first, block in rf.index.iter_blocks():
            if nxt is None:
                return
            parsed = list(
                csv.reader(
                    io.StringIO(block.decode(rf.encoding, "replace"), newline=""), delimiter=rf.delimiter
                )
            )
            end = bisect_left(rf.index.offsets, rf.index.offsets[first] + len(block), first)
            if len(parsed) != end - first:  # a bare CR outside quotes splits csv's rows: parse one by one
                parsed = [parse(rf.index.raw(i), rf.delimiter, rf.encoding) for i in range(first, end)]
            while nxt is not None and nxt < end:
                yield (nxt, *self._bundle(f, nxt, parsed[nxt - first]))
                nxt = next(wanted, None)

    def _bundle(
        self, f: int, local: int, cells: list[str], *, edits: bool = True
    ) -> tuple[RowInfo, list[str]]:
        rf = self.files[f]
        cells = cells + [""] * (len(rf.header) - len(cells))
        failed = rf.kind is Kind.FAILED
        data = cells[2:] if failed else cells
        values = [data[i] if i >= 0 else "" for i in self._col_maps[f]]
        ext = data[self._ext_cols[f]] if self._ext_cols[f] >= 0 else ""
        join = self.join_for(f)
        numbers = tuple(join.record_numbers(ext)) if join is not None and ext else ()
        source = (
            join.source_row(numbers[0], ext)
            if self.views[f] is not None and join is not None and len(numbers) == 1
            else None
        )
        sent: dict[int, str] = {}
        if source is not None:
            converted = self._converted[f]
            for i, s in enumerate(self._src_maps[f]):
                if s >= 0:
                    value = source[s] if s < len(source) else ""
                    if i in converted and values[i] != value:
                        sent[i] = values[i]
                    values[i] = value
        if edits:
            for col, value in self.edits.get(self.file_key(f), local).items():
                if col in self._col_index:
                    values[self._col_index[col]] = value
        error = rf.row_error(local, cells)
        info = RowInfo(
            file_index=f,
            local_row=local,
            kind=rf.kind,
            source=rf.job.source.name if rf.job.source else rf.path.name,
            source_row=numbers[0] if len(numbers) == 1 else None,
            source_rows=numbers,
            job_id=rf.job.job_id,
            error=error,
            sf_id=cells[0] if failed else "",
            external_id=ext,
            from_source=source is not None,
            sent=sent,
        )
        return info, values

    def close(self) -> None:
        for rf in self.files:
            rf.index.close()
        for join in self.joins.values():
            join.close()


def _ascending(rows: Sequence[int]) -> bool:
    if isinstance(rows, range):
        return rows.step > 0
    return all(a < b for a, b in pairwise(rows))


def _union_columns(files: list[ResultsFile], views: list[SourceView | None]) -> list[str]:
    seen: dict[str, None] = {}
    for rf, view in zip(files, views, strict=True):
        seen.update(dict.fromkeys(view.header if view is not None else rf.data_columns))
    return list(seen)


def _sent_position(view: SourceView, column: str, data_columns: list[str]) -> int:
    """Where a mapped file's column is in what was sent (its results file), -1 when it was not sent."""
    if column not in view.header:
        return -1
    name = view.fields[view.header.index(column)]
    return data_columns.index(name) if name is not None and name in data_columns else -1


# The rows a run's jobs left to review: the results file that holds them and the count the org reported.
_REVIEWED: tuple[tuple[Kind, ResultKey, Literal["records_failed", "records_unprocessed"]], ...] = (
    (Kind.FAILED, "failed_file", "records_failed"),
    (Kind.UNPROCESSED, "unprocessed_file", "records_unprocessed"),
)


def _job_ref(job: ManifestJob, count_key: Literal["records_failed", "records_unprocessed"]) -> JobRef:
    return JobRef(
        job_id=str(job.get("job_id") or "(no job)"),
        source=Path(job["file"]) if job.get("file") else None,
        part=int(job.get("part", 1)),
        first_record=int(job.get("first_record", 1)),
        state=str(job.get("state", "")),
        error_message=job.get("error_message"),
        expected_rows=job.get(count_key),
    )


def _enclosing_run(path: Path) -> Path | None:
    """The run folder of ``<run>/jobs/<job dir>/failed.csv``, if the file sits in one."""
    parents = path.resolve().parents
    if len(parents) >= 3 and parents[1].name == "jobs" and (parents[2] / MANIFEST).is_file():
        return parents[2]
    return None


def _job_id_from_name(path: Path) -> str:
    """Salesforce CLI names results ``<job id>-failed-records.csv``; job ids start with 750."""
    stem = path.stem
    return stem.split("-")[0] if stem.startswith("750") else "(unknown job)"
