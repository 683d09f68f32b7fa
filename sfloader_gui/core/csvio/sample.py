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

_BLOCK = 256 << 10


def first_records(path: Path, dialect: CsvDialect, limit: int) -> list[list[str]]:
    """Up to ``limit`` data records, parsed exactly (quotes removed); stops early at bad input."""
    rows: list[list[str]] = []
    with path.open("rb") as fh:
        for block in iter_blocks(fh, dialect.data_offset, _BLOCK):
            if not block.complete:
                break
            text = block.data.decode(dialect.encoding, errors="replace")  # cp1252 when asked for
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter)
            try:
                for row in reader:
                    if len(rows) >= limit:
                        return rows
                    if dialect.line_ending == "CRLF" and row:
                        row[-1] = row[-1].removesuffix("\r")
                    rows.append(row)
            except csv.Error:
                break  # the scan has already reported it
    return rows
