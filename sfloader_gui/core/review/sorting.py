"""Sort keys for any column over many rows, read in blocks (a C-level CSV parse), not row by row."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import Any

from sfloader_gui.core.review.session import ReviewSession

# A sort key over global rows: one ready-made text or number per row.
SortKey = Callable[[int], str] | Callable[[int], float]


def column_values(session: ReviewSession, column: str) -> list[str]:
    """A shown column's value for every row of the session (edits applied), in global row order.

    A mapped file's rows are read with their source rows (the file's own values under its own headers).
    """
    out: list[str] = []
    position = session.columns.index(column) if column in session.columns else -1
    for f in range(len(session.files)):
        if session.views[f] is None:
            out.extend(result_values(session, column, [f]))
        elif position < 0:
            out.extend([""] * session.files[f].rows)
        else:
            rows = range(session.starts[f], session.starts[f + 1])
            out.extend(values[position] for _row, _info, values in session.iter_bundles(rows))
    return out


def result_values(session: ReviewSession, column: str, files: Sequence[int] | None = None) -> list[str]:
    """A column of the results files (an API name: what was sent) for every row of ``files`` (default:
    all), edits applied, in global row order: block by block, a C-level CSV parse."""
    out: list[str] = []
    for f in range(len(session.files)) if files is None else files:
        rf = session.files[f]
        base = len(out)
        col = rf.data_columns.index(column) if column in rf.data_columns else -1
        shift = 2 if rf.header[:1] == ["sf__Id"] else 0
        if col < 0:
            out.extend([""] * rf.rows)
            continue
        for _first, block in rf.index.iter_blocks():
            text = io.StringIO(block.decode(rf.encoding, errors="replace"), newline="")
            out.extend(
                row[col + shift] if len(row) > col + shift else ""
                for row in csv.reader(text, delimiter=rf.delimiter)
            )
        for local, cells in session.edits.edited_rows(session.file_key(f)).items():
            if column in cells and local < rf.rows:
                out[base + local] = cells[column]
    return out


def sort_rows(rows: Sequence[int], key_of: Callable[[int], Any], descending: bool = False) -> list[int]:
    """Stable sort of global rows by a key."""
    return sorted(rows, key=key_of, reverse=descending)


def natural_key(values: list[str]) -> SortKey:
    """A key over precomputed values: numeric when every non-blank value is a number, else case-folded.

    Returns ``list.__getitem__`` of one list of ready-made keys: no tuple or new string per comparison,
    which keeps a million-row sort within the memory budget. ``values`` is reused for the folded text.
    """
    try:
        nums = [float(v) if v.strip() else float("inf") for v in values]
    except ValueError:
        for i, v in enumerate(values):
            values[i] = v.casefold()
        return values.__getitem__
    return nums.__getitem__
