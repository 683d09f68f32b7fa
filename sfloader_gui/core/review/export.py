"""Exports of failed rows: raw (Salesforce's own bytes) and Excel-safe (formulas neutralised).

The Excel-safe copy of a mapped file's rows (issue 11) shows the source columns under their own headers,
as the workbench does, and beside each column whose values were converted, "<column> (as sent)": the value
Salesforce received where it differs from the file's (blank: sent as the file has it).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from sfloader_gui.core.private import private_dir
from sfloader_gui.core.review.explain import explain
from sfloader_gui.core.review.retry import Outcome, RetryOutcomes
from sfloader_gui.core.review.session import ReviewSession

# OWASP CSV injection: a cell starting with one of these can run as a formula in Excel, LibreOffice or
# Google Sheets. TAB, CR and LF are there because spreadsheet apps strip them before looking; NUL because
# some apps drop it and then see what follows.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
_RESULT_NAMES = {"failed.csv", "unprocessed.csv", "success.csv"}
_FORMULA_SET = frozenset(FORMULA_STARTS)  # the same rule as excel_safe(), inlined for a million rows
_PIECE = 8 << 20
INFO_COLUMNS = [
    "Outcome",
    "Source file",
    "Source row",
    "Job ID",
    "Error code",
    "Error message",
    "Error fields",
    "What it means",
    "sf__Id",
]


_KIND_OUTCOME = {"failed": "Failed", "unprocessed": "Not processed"}


class ExportError(ValueError):
    """The export cannot be written where asked; the message says why."""


def excel_safe(value: str) -> str:
    """The cell text with a leading ``'`` when it could start a formula (quoting happens in the writer)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def export_excel_safe(
    session: ReviewSession,
    rows: Sequence[int],
    dest: Path,
    outcomes: RetryOutcomes | None = None,
    *,
    skip_fixed: bool = False,
) -> int:
    """Every chosen row with its outcome, source, job, error and explanation and the edited values.

    The Outcome column says what became of the row: failed / not processed in this run, or what the
    latest retry made of it (``outcomes``); ``skip_fixed`` leaves out rows a retry loaded. Returns the
    number of rows written. Every cell is double-quoted and inner quotes doubled (csv.QUOTE_ALL); UTF-8
    with a BOM so Excel reads accents right; CRLF as Excel expects. Written to a temp file and renamed.
    """
    _refuse_results(session, dest)
    converted = set(session.converted_columns())
    # Where each output data cell comes from: (column position, the value as sent?).
    cells = [(i, sent) for i in range(len(session.columns)) for sent in (False, True)[: 1 + (i in converted)]]
    n = 0
    meanings: dict[tuple[str, str, str], str] = {}  # a few distinct errors repeat on many rows
    with _atomic(dest) as out:
        text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
        w = csv.writer(text, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        names = [f"{session.columns[i]} (as sent)" if sent else session.columns[i] for i, sent in cells]
        w.writerow([excel_safe(c) for c in INFO_COLUMNS + names])
        for _row, info, values in session.iter_bundles(rows):
            latest = outcomes.outcome(info.external_id) if outcomes is not None else None
            if skip_fixed and latest is not None and latest[0] is Outcome.SUCCEEDED:
                continue
            err = info.error
            key = (err.code, err.message, err.fields)
            if key not in meanings:
                plain = explain(err)
                meanings[key] = plain.line() if plain else ""
            outcome = latest[0].value if latest else _KIND_OUTCOME.get(info.kind, "Failed")
            head = [outcome, info.source, ", ".join(map(str, info.source_rows)), info.job_id,
                    err.code, err.message, err.fields, meanings[key], info.sf_id]  # fmt: skip
            if converted:
                values = [info.sent.get(i, "") if sent else values[i] for i, sent in cells]
            w.writerow([f"'{c}" if c[:1] in _FORMULA_SET else c for c in head + values])
            n += 1
        text.flush()
        text.detach()
    return n


def export_raw(session: ReviewSession, rows: Iterable[int], dest: Path) -> list[Path]:
    """The chosen rows exactly as Salesforce returned them, header first, one file per header.

    Rows from files whose headers differ (another source file, or unprocessed rows without the sf__
    columns) go to ``<dest stem>_2.csv`` and so on. Edits are not applied: this copy is for resubmission
    or for support, so it must be Salesforce's own bytes.
    """
    _refuse_results(session, dest)
    by_header: dict[bytes, list[tuple[int, int]]] = {}
    for row in rows:
        f, local = session.locate(row)
        by_header.setdefault(session.files[f].index.header_bytes, []).append((f, local))
    written: list[Path] = []
    for n, (header, picks) in enumerate(by_header.items(), start=1):
        target = dest if n == 1 else dest.with_name(f"{dest.stem}_{n}{dest.suffix}")
        _refuse_results(session, target)
        with _atomic(target) as out:
            out.write(header)
            for data in _raw_runs(session, picks):
                out.write(data)
        written.append(target)
    return written


def _raw_runs(session: ReviewSession, picks: Sequence[tuple[int, int]]) -> Iterable[bytes]:
    """Read consecutive rows of a file as one byte range: a million-row export is a few large reads."""
    i = 0
    # Large runs are read in pieces so a million-row export never holds the whole file in memory.
    while i < len(picks):
        f, first = picks[i]
        j = i + 1
        while j < len(picks) and picks[j] == (f, picks[j - 1][1] + 1):
            j += 1
        index = session.files[f].index
        start, end = index.offsets[first], index.offsets[picks[j - 1][1] + 1]
        with index.path.open("rb") as src:
            src.seek(start)
            data = b""
            while start < end:
                data = src.read(min(_PIECE, end - start))
                if not data:
                    break  # the file shrank under us; the export ends with what was there
                start += len(data)
                if start < end:
                    yield data
        if not data.endswith(b"\n"):
            data += b"\r\n" if index.header_bytes.endswith(b"\r\n") else b"\n"  # a last row without a break
        yield data
        i = j


def _refuse_results(session: ReviewSession, dest: Path) -> None:
    target = dest.resolve()
    in_job_dir = target.parent.parent.name == "jobs"
    if target in {rf.path.resolve() for rf in session.files} or (in_job_dir and target.name in _RESULT_NAMES):
        raise ExportError(
            f"{dest} is a Salesforce results file of the run: choose another name; it is never overwritten."
        )


@contextmanager
def _atomic(dest: Path) -> Iterator[BinaryIO]:
    """A temp file beside ``dest``, renamed over it at the end: a failed export never leaves half a file."""
    private_dir(dest.parent, tighten=False)  # the user's chosen folder is left as it is
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
        os.replace(tmp, dest)
    finally:
        Path(tmp).unlink(missing_ok=True)
