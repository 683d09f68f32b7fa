"""Benchmark of the failed-record review: open, memory, grouping, filtering, sorting, joins, exports.

Usage: uv run python bench/bench_review.py [--rows 1000000] [--dir /tmp/sfl-bench-review] [--qt]

Writes a run folder with a source CSV of ROWS Account rows and a failedResults CSV in which every row
failed (four causes), once, then measures in a fresh child process so the generator does not count
towards memory. Prints one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ERRORS = [
    "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --",
    "INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--",
    "FIELD_CUSTOM_VALIDATION_EXCEPTION:Annual revenue must be positive:AnnualRevenue --",
    'STRING_TOO_LONG:Description: data value too large: "abc" (max length=32000):Description --',
]
HEADER = [
    "External_Id__c",
    "Name",
    "BillingStreet",
    "BillingCity",
    "BillingState",
    "BillingPostalCode",
    "Phone",
    "Industry",
    "AnnualRevenue",
    "NumberOfEmployees",
    "Description",
]
WORDS = [
    "customer",
    "renewal",
    "pipeline",
    "strategic",
    "partner",
    "regional",
    "office",
    "contract,",
    "signed",
]


def _row(i: int) -> list[str]:
    words = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(18))
    desc = f"Account {i}: {words}" + ("\nsecond line" if i % 12 == 0 else "")  # ~8% multi-line values
    return [
        f"EXT-{i:09d}",
        f'Company "{i % 97}" {i}',
        f"{i % 9000 + 100} Main St",
        "Boston",
        "MA",
        f"{i % 90000 + 10000}",
        f"(555) 010-{i % 10000:04d}",
        "Media",
        f"{i * 12.5:.2f}",
        str(i % 5000),
        desc,
    ]


def generate(folder: Path, rows: int) -> Path:
    run = folder / "20261126T101500Z_Account"
    if (run / "manifest.json").is_file():
        return run
    job_dir = run / "jobs" / "01_source_p1_750000000000000001AAA"
    job_dir.mkdir(parents=True, exist_ok=True)
    source = folder / "source.csv"
    with (
        source.open("w", newline="", encoding="utf-8") as src,
        (job_dir / "failed.csv").open("w", newline="", encoding="utf-8") as failed,
    ):
        s = csv.writer(src, lineterminator="\n")
        f = csv.writer(failed, quoting=csv.QUOTE_ALL, lineterminator="\n")
        s.writerow(HEADER)
        failed.write('"sf__Id","sf__Error",' + ",".join(HEADER) + "\n")
        for i in range(rows):
            row = _row(i)
            s.writerow(row)
            f.writerow(["", ERRORS[i % 7 % 4], *row])
    data = source.read_bytes()
    entry = {
        "path": str(source),
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "mtime": source.stat().st_mtime,
        "records": rows,
        "encoding": "utf-8",
        "bom": False,
        "delimiter": "COMMA",
        "line_ending": "LF",
        "header": HEADER,
        "parts": 1,
    }
    job = {
        "file": str(source),
        "part": 1,
        "part_count": 1,
        "first_record": 1,
        "records": rows,
        "job_id": "750000000000000001AAA",
        "state": "JobComplete",
        "error_message": None,
        "records_processed": rows,
        "records_failed": rows,
        "records_unprocessed": 0,
        "success_file": None,
        "failed_file": f"jobs/{job_dir.name}/failed.csv",
        "unprocessed_file": None,
        "gzip": True,
        "abandoned_jobs": [],
        "notes": [],
    }
    manifest = {
        "schema": 1,
        "run_id": run.name,
        "created_at": "2026-11-26T10:15:00Z",
        "finished_at": "2026-11-26T10:20:00Z",
        "instance_url": "http://127.0.0.1:1",
        "api_version": "66.0",
        "object": "Account",
        "external_id_field": "External_Id__c",
        "operation": "upsert",
        "options": {},
        "retry_of": None,
        "files": [entry],
        "jobs": [job],
        "totals": {
            "records": rows,
            "success": 0,
            "failed": rows,
            "unprocessed": 0,
            "jobs": 1,
            "jobs_failed": 0,
        },
        "accounting": {"balanced": True, "unaccounted": 0},
    }
    (run / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return run


def _rss_mb() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / 1e6


def measure(run: Path, with_qt: bool) -> dict[str, Any]:
    from sfloader_gui.core.review.filters import RowFilter, apply_filter
    from sfloader_gui.core.review.session import ReviewSession

    out: dict[str, Any] = {"rss_start_mb": round(_rss_mb(), 1)}
    failed = next(run.glob("jobs/*/failed.csv"))
    out["failed_file_mb"] = round(failed.stat().st_size / 1e6, 1)

    def step(name: str, fn: Any) -> Any:
        t = time.perf_counter()
        result = fn()
        out[f"{name}_s"] = round(time.perf_counter() - t, 3)
        out[f"rss_after_{name}_mb"] = round(_rss_mb(), 1)
        return result

    session = step("open", lambda: ReviewSession(run))
    out["rows"] = session.row_count
    step("first_screen", lambda: [[*session.values(r), session.info(r).error.code] for r in range(60)])
    groups = step("group", session.groups.compute)
    out["groups"] = [[g.code, g.count] for g in groups]
    step(
        "filter_code",
        lambda: apply_filter(session, RowFilter(codes=frozenset({"INVALID_CROSS_REFERENCE_KEY"}))),
    )
    hits = step("filter_text", lambda: apply_filter(session, RowFilter(text="ext-00012345")))
    out["filter_text_hits"] = len(hits)
    step(
        "filter_group_and_text",
        lambda: apply_filter(session, RowFilter(groups=frozenset({0}), text="boston")),
    )
    join = next(iter(session.joins.values()))
    step("join_build", join.build)
    from sfloader_gui.core.review.export import export_excel_safe, export_raw
    from sfloader_gui.core.review.retry import write_retry_files

    scratch = run.parent / "exports"
    step("export_raw_all", lambda: export_raw(session, range(session.row_count), scratch / "raw.csv"))
    step("export_excel_safe_100k", lambda: export_excel_safe(session, range(100_000), scratch / "excel.csv"))
    step(
        "retry_files_100k",
        lambda: write_retry_files(session, list(range(100_000)), scratch / f"retry{time.time()}"),
    )
    out["join_status"] = str(join.status)
    out["join_sample"] = session.info(123_456 % session.row_count).source_row
    if with_qt:
        out.update(_measure_qt(session))
        session.close()
        del session, groups, hits, join
        import gc

        gc.collect()  # the window opens its own session: measure it without the one above
        out["rss_before_window_mb"] = round(_rss_mb(), 1)
        out.update(_measure_window(run))
    import resource

    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def _measure_qt(session: Any) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from sfloader_gui.ui.failures.table_model import CODE, FailuresModel

    _app = QApplication.instance() or QApplication([])
    out: dict[str, Any] = {}
    t = time.perf_counter()
    model = FailuresModel(session)
    cells = [model.index(r, c).data() for r in range(50) for c in range(model.columnCount())]
    out["qt_model_first_screen_s"] = round(time.perf_counter() - t, 3)
    out["qt_cells_read"] = len(cells)
    t = time.perf_counter()
    model.sort(CODE, Qt.SortOrder.AscendingOrder)
    out["qt_sort_by_code_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    model.sort(len(model.session.columns) + 4, Qt.SortOrder.AscendingOrder)  # a source data column
    out["qt_sort_by_data_column_s"] = round(time.perf_counter() - t, 3)
    out["rss_after_qt_mb"] = round(_rss_mb(), 1)
    return out


def _measure_window(run: Path) -> dict[str, Any]:
    """The whole workbench window: open and first paint, then the clicks a user makes."""
    from PySide6.QtWidgets import QApplication

    from sfloader_gui.ui.failures import open_workbench

    out: dict[str, Any] = {}
    t = time.perf_counter()
    win = open_workbench(run)
    win.quiet = True
    win.resize(1400, 800)
    win.show()
    win.grab()
    out["window_open_and_paint_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    QApplication.processEvents()  # starts the background passes (after the first paint)
    win.tasks.wait(120_000)
    QApplication.processEvents()
    out["window_background_passes_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    win.groups.selectRow(1)  # filter to one cause and select all its rows
    win.grab()
    out["window_select_group_s"] = round(time.perf_counter() - t, 3)
    out["window_selected_rows"] = len(win.selected_rows())
    win.groups.clearSelection()
    t = time.perf_counter()
    win.filters.search.setText("ext-00012345")
    win.filters.flush()
    win.grab()
    out["window_search_s"] = round(time.perf_counter() - t, 3)
    out["rss_after_window_mb"] = round(_rss_mb(), 1)
    win.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/sfl-bench-review"))
    parser.add_argument("--qt", action="store_true", help="also time the Qt table model (offscreen)")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.qt)))
        return 0
    folder = args.dir / f"rows_{args.rows}"
    folder.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    run = generate(folder, args.rows)
    print(f"run folder ready in {time.perf_counter() - t:.1f}s: {run}", file=sys.stderr)
    cmd = [sys.executable, __file__, "--measure", str(run)] + (["--qt"] if args.qt else [])
    return subprocess.call(cmd)


if __name__ == "__main__":
    raise SystemExit(main())
