"""Read a file's records as text fields: CSV in UTF-8/Windows-1252/Latin-1, UTF-16 text, or a workbook.

Byte-encoded CSV is read in blocks of whole records (``csvio/chunks.py``), so a part is a byte range of
the file and reading one part never reads the others. UTF-16 text and workbooks have no byte offsets
we can seek to: their parts are ranges of record numbers. Workbook cells are typed: a date cell becomes
an ISO date, a whole number loses its ``.0``, a checkbox cell is true/false.

API::

    @dataclass class Batch: start: int; end: int; rows: list[list[str]]; sizes: list[int]
        # start/end: byte offsets (CSV) or record indexes (rows sources); sizes: each record's bytes
        # in the file (CSV) or of its UTF-8 text (rows sources), terminator included
    class CsvSource(path, dialect)         .by_bytes = True ; .batches(start, end) -> Iterator[Batch]
    class RowSource(path, header, rows, sheet=None)  .by_bytes = False; rows: callable -> Iterator[list[str]]
        # .sheet: the workbook sheet read (None for UTF-16 text)
    column_batches(source, wanted) -> Iterator[ColumnBatch]   # some columns of each CSV block, no parser
        # ColumnBatch: start, end, count, columns: {index: values}; .sizes computed only when asked
    workbook_source(path, sheet) -> RowSource    # raises WorkbookError; sheet None: the first
        # .xlsx/.xlsm: streamed once (core/mapping/xlsx.py) into a temp CSV of the cells' text, which
        # every later read of the rows reads (flat memory); other workbooks: python-calamine
    sheet_names(path) -> list[str]               # raises WorkbookError
    glance_workbook(path, sheet, preview_rows) -> WorkbookGlance   # one read: sheets, header, rows, count
    utf16_source(path, delimiter) -> RowSource
    WORKBOOK_SUFFIXES: frozenset[str]
    cell_text(value) -> str
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import islice
from pathlib import Path

from sfloader_gui.core.csvio.chunks import iter_blocks
from sfloader_gui.core.csvio.dialect import CsvDialect
from sfloader_gui.core.csvio.records import (
    fast_keys,
    flat_fields,
    neutral_records,
    neutral_text,
    unquote_many,
)

WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"})
_BATCH_ROWS = 2000


class WorkbookError(ValueError):
    """The workbook or the sheet cannot be read."""


@dataclass
class Batch:
    start: int
    end: int
    rows: list[list[str]]
    sizes: list[int]


class CsvSource:
    """A CSV file in a byte encoding (UTF-8, cp1252, latin-1); parts are byte ranges."""

    by_bytes = True

    def __init__(self, path: Path, dialect: CsvDialect) -> None:
        self.path, self.dialect = path, dialect
        self.header = dialect.header

    def batches(
        self, start: int | None = None, end: int | None = None, sizes: bool = True
    ) -> Iterator[Batch]:
        d = self.dialect
        enc = d.encoding
        crlf = d.line_ending == "CRLF"
        delim = d.delimiter.encode()
        with self.path.open("rb") as fh:
            for block in iter_blocks(fh, d.data_offset if start is None else start, end=end):
                data = block.data
                text = data.decode(enc)
                rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=d.delimiter))
                if crlf:
                    for row in rows:
                        if row:
                            row[-1] = row[-1].removesuffix("\r")
                lens: list[int] = []
                if sizes:
                    recs, _ = neutral_records(data, delim)
                    lens = [len(r) + 1 for r in recs]
                    if not data.endswith(b"\n") and lens:
                        lens[-1] -= 1
                yield Batch(block.offset, block.offset + len(data), rows, lens)


@dataclass
class ColumnBatch:
    """Some columns of a block of records, without parsing the others (``column_batches``)."""

    start: int
    end: int
    count: int
    columns: dict[int, tuple[str, ...]]
    neutral: bytes = field(repr=False)  # the block, quoted separators masked

    @property
    def sizes(self) -> list[int]:
        """Each record's bytes, terminator included (only needed where a part ends inside the batch)."""
        recs = self.neutral.split(b"\n")
        terminated = self.neutral.endswith(b"\n")
        if terminated:
            recs.pop()
        sizes = [len(r) + 1 for r in recs]
        if sizes and not terminated:
            sizes[-1] -= 1
        return sizes


def _column(raw: list[bytes], d: bytes, enc: str) -> tuple[str, ...]:
    """One column's text from its raw fields (quotes and masked bytes undone in bulk), decoded in one go."""
    joined = b"\x02".join(raw)
    if b'"' in joined or b"\x00" in joined or b"\x01" in joined or b"\r" in joined:
        raw = unquote_many(raw, d)  # quotes, masked delimiters/newlines, a stray CR
        joined = b"\x02".join(raw)
    values = tuple(joined.decode(enc).split("\x02"))
    return values if len(values) == len(raw) else tuple(v.decode(enc) for v in raw)


def column_batches(source: CsvSource, wanted: Callable[[int], set[int]]) -> Iterator[ColumnBatch]:
    """The columns ``wanted(records so far)`` of each block, read with bytes operations (no CSV parser):
    the block's fields come from one split in C (``flat_fields``), a column is a slice of them."""
    d = source.dialect
    delim, ncols = d.delimiter.encode(), len(d.header)
    crlf = d.line_ending == "CRLF"
    records = 0
    with source.path.open("rb") as fh:
        for block in iter_blocks(fh, d.data_offset):
            data = block.data
            neutral = neutral_text(data, delim, block.segs)
            # quoted newlines are masked, so \r\n here only ends records
            flat = flat_fields(neutral.replace(b"\r\n", b"\n") if crlf else neutral, delim, ncols)
            recs = neutral.split(b"\n") if flat is None else []
            if flat is None and data.endswith(b"\n"):
                recs.pop()
            count = len(recs) if flat is None else len(flat) // ncols
            columns = {}
            for i in wanted(records):
                if i < ncols:
                    raw = flat[i::ncols] if flat is not None else fast_keys(recs, i, ncols, delim)
                    columns[i] = _column(raw, delim, d.encoding)
            yield ColumnBatch(block.offset, block.offset + len(data), count, columns, neutral)
            records += count


class RowSource:
    """Records that have no byte offsets to seek to (workbooks, UTF-16 text); parts are record ranges."""

    by_bytes = False

    def __init__(
        self, path: Path, header: list[str], rows: Callable[[], Iterator[list[str]]], sheet: str | None = None
    ) -> None:
        self.path, self.header, self._rows, self.sheet = path, header, rows, sheet

    def batches(
        self, start: int | None = None, end: int | None = None, sizes: bool = True
    ) -> Iterator[Batch]:
        first = start or 0
        it = islice(self._rows(), first, end)
        index = first
        while True:
            rows = list(islice(it, _BATCH_ROWS))
            if not rows:
                return
            lens = [sum(len(v.encode()) + 1 for v in r) + 2 for r in rows] if sizes else []
            yield Batch(index, index + len(rows), rows, lens)
            index += len(rows)


def cell_text(value: object) -> str:
    """A workbook cell as the text Salesforce takes."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))  # 42.0 -> 42 (Excel stores every number as a float)
        text = repr(value)
        return format(value, "f").rstrip("0") if "e" in text else text
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _open_sheet(path: Path, sheet: str | None):  # type: ignore[no-untyped-def]
    import python_calamine  # here: only workbooks need it

    try:
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
        names = wb.sheet_names
        if sheet is None:
            if not names:
                raise WorkbookError(f"{path.name} has no sheets.")
            return wb.get_sheet_by_index(0), names
        if sheet not in names:
            raise WorkbookError(
                f"{path.name} has no sheet {sheet!r}; its sheets are {', '.join(repr(n) for n in names)}."
            )
        return wb.get_sheet_by_name(sheet), names
    except WorkbookError:
        raise
    except Exception as exc:  # calamine raises its own errors for damaged or protected files
        raise WorkbookError(
            f"{path.name} cannot be read as an Excel/OpenDocument workbook ({exc}). Open it in your "
            "spreadsheet program and save it again, or save the sheet as 'CSV UTF-8'."
        ) from exc


def sheet_names(path: Path) -> list[str]:
    """The workbook's sheets in their order (the first is read when no sheet is chosen)."""
    if path.suffix.lower() in _STREAMED:
        from sfloader_gui.core.mapping.xlsx import XlsxError, xlsx_sheet_names

        try:
            return xlsx_sheet_names(path)
        except XlsxError as exc:
            raise _unreadable(path, exc) from exc
    return list(_open_sheet(path, None)[1])


def _unreadable(path: Path, exc: Exception) -> WorkbookError:
    return WorkbookError(
        f"{path.name} cannot be read as an Excel/OpenDocument workbook ({exc}). Open it in your "
        "spreadsheet program and save it again, or save the sheet as 'CSV UTF-8'."
    )


@dataclass
class WorkbookGlance:
    """What the app's file list shows of a workbook before pre-flight."""

    sheets: list[str]
    sheet: str
    header: list[str]
    preview: list[list[str]]
    records: int


def glance_workbook(path: Path, sheet: str | None, preview_rows: int) -> WorkbookGlance:
    """The sheet read once (calamine loads a whole sheet at every open): only the first rows' cells are
    turned into text; the others are only looked at to count the records (blank rows are not records)."""
    if path.suffix.lower() in _STREAMED:
        return _glance_streamed(path, sheet, preview_rows)
    ws, names = _open_sheet(path, sheet)
    it = iter(ws.iter_rows())
    header = [cell_text(v).strip() for v in next(it, None) or []]
    while header and not header[-1]:
        header.pop()
    width = len(header)
    preview: list[list[str]] = []
    records = 0
    for raw in it:
        if len(preview) < preview_rows:
            row = [cell_text(v) for v in raw[:width]]
            if not any(row):
                continue
            preview.append(row + [""] * (width - len(row)))
        elif not any(v is not None and v != "" for v in raw[:width]):
            continue
        records += 1
    return WorkbookGlance(list(names), str(ws.name), header, preview, records)


def workbook_source(path: Path, sheet: str | None) -> RowSource:
    """The sheet's first row is the header; trailing empty rows are dropped."""
    if path.suffix.lower() in _STREAMED:
        return _streamed_source(path, sheet)
    ws, _ = _open_sheet(path, sheet)
    first = next(iter(ws.iter_rows()), None)
    header = [cell_text(v).strip() for v in (first or [])]
    while header and not header[-1]:
        header.pop()
    if not header:
        raise WorkbookError(
            f"{path.name}: the sheet {ws.name!r} is empty; its first row must hold the column names."
        )
    width = len(header)

    def rows() -> Iterator[list[str]]:
        sheet_rows, _ = _open_sheet(path, sheet)
        it = iter(sheet_rows.iter_rows())
        next(it, None)
        for raw in it:
            row = [cell_text(v) for v in raw[:width]]
            if not any(row):
                continue  # blank rows in a sheet are not records
            if len(row) < width:
                row.extend([""] * (width - len(row)))
            yield row

    return RowSource(path, header, rows, str(ws.name))


# .xlsx/.xlsm are read as a stream (core/mapping/xlsx.py) into a CSV file of their cells' text in a temp
# folder, once; every later read of the rows (pre-flight, each part) reads that file. Memory stays flat
# (python-calamine holds the whole sheet: 200k rows, ~250 MiB, at every read), and the later reads are a
# C CSV reader instead of a workbook parse. Measured on the 200k-row bench sheet (see bench/README.md).
_STREAMED = frozenset({".xlsx", ".xlsm"})


class _SheetCache:
    """One sheet's rows as text in a temp CSV file: ``row number, cell A, cell B, ...`` per row that holds a
    value; rows and columns keep calamine's layout (from row 1, from the leftmost column with a value)."""

    def __init__(self, path: Path, sheet: str | None) -> None:
        from sfloader_gui.core.mapping.xlsx import XlsxError, iter_xlsx_rows, xlsx_sheet_names

        try:
            names = xlsx_sheet_names(path)
        except XlsxError as exc:
            raise _unreadable(path, exc) from exc
        if not names:
            raise WorkbookError(f"{path.name} has no sheets.")
        if sheet is not None and sheet not in names:
            raise WorkbookError(
                f"{path.name} has no sheet {sheet!r}; its sheets are {', '.join(repr(n) for n in names)}."
            )
        self.name = names[0] if sheet is None else sheet
        self.folder = Path(tempfile.mkdtemp(prefix="sfloader-sheet-"))
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.folder, True)
        self.file = self.folder / "rows.csv"
        self.first_col: int | None = None
        header_cells: dict[int, object] = {}
        try:
            with self.file.open("w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out, lineterminator="\n")
                for number, cells in iter_xlsx_rows(path, self.name):
                    left = min(cells)
                    if self.first_col is None or left < self.first_col:
                        self.first_col = left
                    if number == 1:
                        header_cells = cells
                    texts = [
                        v if type(v) is str else cell_text(v) for v in map(cells.get, range(max(cells) + 1))
                    ]
                    writer.writerow([number, *texts])
        except XlsxError as exc:
            self._cleanup()
            raise _unreadable(path, exc) from exc
        left = self.first_col or 0
        header = [
            cell_text(header_cells.get(c)).strip() for c in range(left, max(header_cells, default=-1) + 1)
        ]
        while header and not header[-1]:
            header.pop()
        self.header = header

    def rows(self) -> Iterator[list[str]]:
        """The records under the header (blank rows are not records), each as wide as the header."""
        width, left = len(self.header), (self.first_col or 0) + 1
        with self.file.open(encoding="utf-8", newline="") as fh:
            for line in csv.reader(fh):
                if line[0] == "1":
                    continue  # the header row
                row = line[left : left + width]
                if not any(row):
                    continue
                if len(row) < width:
                    row.extend([""] * (width - len(row)))
                yield row


def _streamed_source(path: Path, sheet: str | None) -> RowSource:
    cache = _SheetCache(path, sheet)
    if not cache.header:
        raise WorkbookError(
            f"{path.name}: the sheet {cache.name!r} is empty; its first row must hold the column names."
        )
    return RowSource(path, cache.header, cache.rows, cache.name)


def _glance_streamed(path: Path, sheet: str | None, preview_rows: int) -> WorkbookGlance:
    """``glance_workbook`` for a streamed sheet, in flat memory: the first rows are kept as cells until
    the sheet's leftmost column is known (at its end); the others only count."""
    from sfloader_gui.core.mapping.xlsx import XlsxError, iter_xlsx_rows, xlsx_sheet_names

    try:
        names = xlsx_sheet_names(path)
        if not names:
            raise WorkbookError(f"{path.name} has no sheets.")
        if sheet is not None and sheet not in names:
            raise WorkbookError(
                f"{path.name} has no sheet {sheet!r}; its sheets are {', '.join(repr(n) for n in names)}."
            )
        name = names[0] if sheet is None else sheet
        header_cells: dict[int, object] = {}
        first: list[dict[int, object]] = []
        lefts: dict[int, int] = {}  # leftmost column holding a value -> rows
        left: int | None = None
        for number, cells in iter_xlsx_rows(path, name):
            here = min(cells)
            left = here if left is None or here < left else left
            if number == 1:
                header_cells = cells
                continue
            filled = [c for c, v in cells.items() if v != ""]
            if filled:
                lo = min(filled)
                lefts[lo] = lefts.get(lo, 0) + 1
                if len(first) < 2 * preview_rows + 50:
                    first.append(cells)
    except XlsxError as exc:
        raise _unreadable(path, exc) from exc
    left = left or 0
    header = [cell_text(header_cells.get(c)).strip() for c in range(left, max(header_cells, default=-1) + 1)]
    while header and not header[-1]:
        header.pop()
    width = len(header)
    preview: list[list[str]] = []
    for cells in first:
        row = [cell_text(cells.get(c)) for c in range(left, left + width)]
        if any(row):
            preview.append(row)
            if len(preview) == preview_rows:
                break
    records = sum(n for lo, n in lefts.items() if lo < left + width)
    return WorkbookGlance(list(names), name, header, preview, records)


def utf16_source(path: Path, delimiter: str) -> RowSource:
    def reader() -> Iterator[list[str]]:
        with open(path, encoding="utf-16", newline="") as fh:
            it = csv.reader(fh, delimiter=delimiter)
            next(it, None)
            for row in it:
                if row:
                    yield row

    with open(path, encoding="utf-16", newline="") as fh:
        header = next(csv.reader(fh, delimiter=delimiter), [])
    return RowSource(path, header, reader)
