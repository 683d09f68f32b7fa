"""One failed or unprocessed results file: validated, indexed lazily, its errors counted per row."""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import islice, repeat
from operator import methodcaller, sub
from pathlib import Path

from sfloader_gui.core.review.errors import RowError, parse_error, unprocessed_error
from sfloader_gui.core.review.records import MalformedCsv, RecordIndex, parse

SF_ID, SF_ERROR = "sf__Id", "sf__Error"
DELIMITERS = {"COMMA": ",", "SEMICOLON": ";", "TAB": "\t", "PIPE": "|", "CARET": "^", "BACKQUOTE": "`"}


class Kind(StrEnum):
    FAILED = "failed"
    UNPROCESSED = "unprocessed"


class NotResultsFile(ValueError):
    """The CSV is not a Salesforce failed-results file; the message says what was found."""


@dataclass
class JobRef:
    """What the run's manifest says about the job a results file came from."""

    job_id: str
    source: Path | None  # the source file the job loaded
    part: int = 1
    first_record: int = 1
    state: str = "JobComplete"
    error_message: str | None = None
    expected_rows: int | None = None  # records_failed / records_unprocessed from the manifest


@dataclass
class ResultsFile:
    """A failed.csv / unprocessed.csv, opened lazily: offsets now, values when a row is shown."""

    path: Path
    kind: Kind
    job: JobRef
    index: RecordIndex
    header: list[str]
    delimiter: str
    encoding: str = "utf-8"
    warnings: list[str] = field(default_factory=list)
    error_ids: array[int] | None = None  # per row: index into ``errors``
    errors: list[RowError] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.index)

    @property
    def data_columns(self) -> list[str]:
        """The uploaded columns (the ``sf__`` columns removed)."""
        return self.header[2:] if self.kind is Kind.FAILED else self.header

    def values(self, row: int) -> list[str]:
        """The row's uploaded values, in ``data_columns`` order."""
        cells = parse(self.index.raw(row), self.delimiter, self.encoding)
        cells += [""] * (len(self.header) - len(cells))
        return cells[2:] if self.kind is Kind.FAILED else cells

    def sf_id(self, row: int) -> str:
        if self.kind is not Kind.FAILED:
            return ""
        return parse(self.index.raw(row), self.delimiter, self.encoding)[0]

    def count_errors(self) -> None:
        """Give every row the id of its cause (one pass over the file).

        Ids are per cause (code + message with the values masked), and ``errors[id]`` is the first row's
        error of that cause: when every row's message names its own value, memory still holds one entry
        per cause, not one per row. A row's exact error comes from the row itself (``row_error``).
        """
        if self.error_ids is not None:
            return
        ids = array("i")
        if self.kind is Kind.UNPROCESSED:
            self.errors = [unprocessed_error(self.job.state, self.job.error_message)]
            ids.frombytes(bytes(4 * self.rows))
            self.error_ids = ids
            return
        seen: dict[bytes, int] = {}  # raw sf__Error bytes -> cause id: a cache, emptied when it grows
        causes: dict[tuple[str, str], int] = {}
        by_masked: dict[bytes | None, int] = {}  # raw text with ids/numbers masked -> cause id: a cache
        self.errors = []
        pattern = _error_pattern(self.delimiter)
        offsets = self.index.offsets
        for first, block in self.index.iter_blocks():
            base = offsets[first]
            last = bisect_left(offsets, base + len(block), first)
            starts = list(map(sub, islice(offsets, first, last), repeat(base)))
            found = list(map(methodcaller("group", 1), map(pattern.match, repeat(block), starts)))
            for text in set(found):
                if text in seen:
                    continue
                masked = _premask(text)
                cause = by_masked.get(masked)
                if cause is None:
                    error = _decode_error(text, self.encoding)
                    cause = causes.setdefault(error.key, len(self.errors))
                    if cause == len(self.errors):
                        self.errors.append(error)
                    by_masked[masked] = cause
                seen[text] = cause
            ids.extend(map(seen.__getitem__, found))
            if len(seen) > _SEEN_LIMIT:
                seen.clear()
                by_masked.clear()
        self.error_ids = ids

    def row_error(self, row: int, cells: list[str] | None = None) -> RowError:
        """The exact error of one row (its own message and fields), from the row's cells when given."""
        if self.kind is Kind.UNPROCESSED:
            return unprocessed_error(self.job.state, self.job.error_message)
        if cells is None:
            cells = parse(self.index.raw(row), self.delimiter, self.encoding)
        return parse_error(cells[1]) if len(cells) > 1 and cells[1] else _decode_error(None, self.encoding)


_SEEN_LIMIT = 50_000
# Ids and numbers after the status code (ACC-0012345, 31/12/1980): rows that differ only in these share a
# cause, so a file where every message names its own value costs one regex per row, not a full parse.
_DIGIT_TOKEN = re.compile(rb"(?<![\w.])[\w.@/+-]*\d[\w.@/+-]*(?<!__c)(?<!__r)(?![\w])")


def _premask(text: bytes | None) -> bytes | None:
    if not text:
        return text
    code, colon, rest = text.partition(b":")
    return code + colon + _DIGIT_TOKEN.sub(b"#", rest)


def _error_pattern(delimiter: str) -> re.Pattern[bytes]:
    d = re.escape(delimiter.encode())
    # Optional so it always matches; an unquoted or odd row simply has no error text.
    return re.compile(rb'(?:"[^"]*"' + d + rb'"([^"]*(?:""[^"]*)*)")?')


def _decode_error(raw: bytes | None, encoding: str) -> RowError:
    if not raw:
        return RowError(code="UNKNOWN", message="(no error text)", fields="")
    return parse_error(raw.decode(encoding, errors="replace").replace('""', '"'))


def open_results(path: Path, kind: Kind, job: JobRef, delimiter: str | None = None) -> ResultsFile:
    """Open and check a results file. Raises ``FileNotFoundError``, ``NotResultsFile`` or ``MalformedCsv``."""
    if not path.is_file():
        raise FileNotFoundError(f"{path.name} of job {job.job_id} is missing ({path}).")
    try:
        index = RecordIndex(path)
    except MalformedCsv:
        raise
    header_text = index.header_bytes.decode("utf-8-sig", errors="replace")
    delim = delimiter or _sniff_delimiter(header_text, kind)
    header = parse(header_text.encode(), delim)
    if kind is Kind.FAILED and header[:2] != [SF_ID, SF_ERROR]:
        index.close()
        raise NotResultsFile(
            f"{path} is not a Salesforce failed-results file: its first columns are "
            f"{', '.join(header[:2]) or '(none)'}, not sf__Id, sf__Error. Open the failed.csv of a job "
            "or a run folder instead."
        )
    rf = ResultsFile(path=path, kind=kind, job=job, index=index, header=header, delimiter=delim)
    rf.warnings.extend(_truncation_warnings(rf))
    return rf


def _sniff_delimiter(header: str, kind: Kind) -> str:
    if kind is Kind.FAILED and header.startswith(f'"{SF_ID}"') and len(header) > len(SF_ID) + 2:
        return header[len(SF_ID) + 2]
    counts = {d: header.count(d) for d in DELIMITERS.values()}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _truncation_warnings(rf: ResultsFile) -> list[str]:
    where = f"{rf.path.name} of job {rf.job.job_id}"
    out: list[str] = []
    _drop_partial_last_row(rf)
    if not rf.index.complete:
        out.append(
            f"{where} ends in the middle of a row ({rf.index.tail_bytes} bytes cut off): the download was "
            f"truncated. The {rf.rows} complete rows are shown; download the job's results again "
            "for the rest."
        )
    expected = rf.job.expected_rows
    if expected is not None and expected != rf.rows:
        out.append(
            f"{where} holds {rf.rows} rows but the job reported {expected}: "
            + ("the file is incomplete." if rf.rows < expected else "the manifest is out of date.")
        )
    return out


def _drop_partial_last_row(rf: ResultsFile) -> None:
    """A last row with no line break and too few values was cut off mid-row: it is not a row."""
    if not rf.index.complete or not rf.rows:
        return
    last = rf.index.raw(rf.rows - 1)
    if last.endswith(b"\n") or len(parse(last, rf.delimiter)) >= len(rf.header):
        return
    offsets = rf.index.offsets
    offsets.pop()  # the end of file; the partial row's start becomes the end of the reviewable rows
    rf.index.complete = False
    rf.index.tail_bytes = rf.index.size - offsets[-1]
