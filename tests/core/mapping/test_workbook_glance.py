"""The app's quick look at a workbook (one read) agrees with the reader the load uses."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sfloader_gui.core.mapping.source import WorkbookError, glance_workbook, sheet_names, workbook_source
from tests.ods import Cell, write_ods


def test_the_glance_counts_and_shows_what_the_load_reads(tmp_path: Path) -> None:
    rows: list[list[Cell]] = [
        ["Key", "Flag", "When", None],  # a trailing blank header cell is not a column
        ["K1", False, date(2026, 12, 31)],
        [None, None, None],  # a blank row is not a record
        ["", 0, None],  # a zero is a value
        ["K3", True, None, "beyond the header: not read"],
    ]
    book = write_ods(tmp_path / "book.ods", {"Intro": [["Read me first"]], "Data": rows})
    assert sheet_names(book) == ["Intro", "Data"]
    seen = glance_workbook(book, "Data", preview_rows=2)
    loaded = workbook_source(book, "Data")
    every = [r for b in loaded.batches(sizes=False) for r in b.rows]
    assert (seen.sheet, seen.header, seen.records) == ("Data", loaded.header, len(every)) == (
        "Data", ["Key", "Flag", "When"], 3,
    )  # fmt: skip
    assert seen.preview == every[:2] == [["K1", "false", "2026-12-31"], ["", "0", ""]]
    first = glance_workbook(book, None, preview_rows=5)
    assert (first.sheet, first.header, first.records, first.sheets) == (
        "Intro", ["Read me first"], 0, ["Intro", "Data"],
    )  # fmt: skip
    with pytest.raises(WorkbookError, match="no sheet 'Missing'; its sheets are 'Intro', 'Data'"):
        glance_workbook(book, "Missing", preview_rows=5)
