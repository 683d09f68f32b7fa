"""Read the first records of a planned file as text fields (for pre-flight type checks).

API::

    first_records(path, dialect, limit) -> list[list[str]]
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sfloader_gui.core.csvio.chunks import iter_blocks
from sfloader_gui.core.csvio.dialect import CsvDialect

_SAMPLE_BYTES = 1 << 20


def first_records(path: Path, dialect: CsvDialect, limit: int) -> list[list[str]]:
    """Up to ``limit`` data records, parsed exactly (quotes removed); stops early at bad input."""
    with path.open("rb") as fh:
        block = next(iter_blocks(fh, dialect.data_offset, _SAMPLE_BYTES), None)
    if block is None or not block.complete:
        return []
    text = block.data.decode("utf-8", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter)
    rows: list[list[str]] = []
    try:
        for row in reader:
            if len(rows) >= limit:
                break
            if dialect.line_ending == "CRLF" and row:
                row[-1] = row[-1].removesuffix("\r")
            rows.append(row)
    except csv.Error:
        pass  # the scan has already reported it
    return rows
