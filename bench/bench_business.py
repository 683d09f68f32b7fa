"""Business files: label headers and local formats vs the plain file, against one count-only emulator.

Usage:
    uv run python bench/bench_business.py [--rows 1000000] [--reps 2] [--xlsx-rows 200000]

Three files from ``../shared/bench/make_csv.py``: *plain* (API names), *mapped* (the same bytes under label
headers: mapping only) and *converted* (labels, ``AnnualRevenue`` as ``"1,234,567.00"``, plus a
``Customer Since`` date as ``12/31/2026`` and an ``Active Customer`` checkbox as ``Yes``/``No``). Each load
(plan + pre-flight with the org's describe + upload) runs in a child process; wall time is measured by the
child, peak RSS by the kernel (``os.wait4``). Runs are paired in the same process of this script, in
rotating order, and the table gives medians and the ratios to the plain load. ``--xlsx-rows`` also times an
``.xlsx`` of that many rows (written once with openpyxl, a test-only dependency).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_load import MAKE_CSV, _RssSampler

LABELS = {
    "External_Id__c": "External Id", "Name": "Account Name", "BillingStreet": "Billing Street",
    "BillingCity": "Billing City", "BillingState": "Billing State/Province",
    "BillingPostalCode": "Billing Zip/Postal Code", "Phone": "Account Phone", "Industry": "Industry",
    "AnnualRevenue": "Annual Revenue", "NumberOfEmployees": "Employees", "Description": "Account Description",
}  # fmt: skip
WORK = Path(tempfile.gettempdir()) / "sfloader-bench"


def make_files(rows: int) -> dict[str, Path]:
    WORK.mkdir(parents=True, exist_ok=True)
    plain = WORK / f"accounts_{rows}.csv"
    if not plain.exists():
        subprocess.run([sys.executable, str(MAKE_CSV), str(rows), str(plain)], check=True)
    mapped = WORK / f"accounts_{rows}_labels.csv"
    if not mapped.exists():
        with plain.open("rb") as src, mapped.open("wb") as out:
            header = src.readline().decode().rstrip("\n").split(",")
            out.write(
                (
                    ",".join(f'"{LABELS[h]}"' if "/" in LABELS[h] else LABELS[h] for h in header) + "\n"
                ).encode()
            )
            while block := src.read(1 << 20):
                out.write(block)
    converted = WORK / f"accounts_{rows}_local.csv"
    if not converted.exists():
        with (
            plain.open(newline="", encoding="utf-8") as src,
            converted.open("w", newline="", encoding="utf-8") as out,
        ):
            reader, writer = csv.reader(src), csv.writer(out, lineterminator="\n")
            header = next(reader)
            rev = header.index("AnnualRevenue")
            writer.writerow([LABELS[h] for h in header] + ["Customer Since", "Active Customer"])
            for n, row in enumerate(reader, start=1):
                if row[rev]:
                    row[rev] = f"{float(row[rev]):,.2f}"
                row += [f"{n % 12 + 1}/{n % 28 + 1}/20{10 + n % 17}", "Yes" if n % 3 else "No"]
                writer.writerow(row)
    return {"plain": plain, "mapped": mapped, "converted": converted}


def make_xlsx(rows: int, plain: Path) -> Path:
    book = WORK / f"accounts_{rows}.xlsx"
    if book.exists():
        return book
    import openpyxl  # type: ignore[import-untyped]

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Accounts")
    with plain.open(newline="", encoding="utf-8") as src:
        reader = csv.reader(src)
        header = next(reader)
        ws.append([LABELS[h] for h in header])
        rev, emp = header.index("AnnualRevenue"), header.index("NumberOfEmployees")
        for n, row in enumerate(reader, start=1):
            if n > rows:
                break
            cells: list[Any] = list(row)
            cells[rev] = float(row[rev]) if row[rev] else None
            cells[emp] = int(row[emp]) if row[emp] else None
            ws.append(cells)
    wb.save(book)
    return book


def child(url: str, token: str, path: Path) -> dict[str, Any]:
    from sfloader_gui.core.load.engine import run_load
    from sfloader_gui.core.load.plan import plan_load
    from sfloader_gui.core.load.preflight import preflight
    from sfloader_gui.core.models import CancelToken, LoadOptions
    from sfloader_gui.core.salesforce import describe
    from sfloader_gui.core.salesforce.connection import SalesforceConnection
    from sfloader_gui.core.salesforce.tokens import StaticToken

    opts = LoadOptions("Account", "External_Id__c", poll_interval_s=0.2, timeout_s=3600)
    out = Path(tempfile.mkdtemp(prefix="bench-runs-"))
    with SalesforceConnection(url, StaticToken(token)) as conn:
        start = time.perf_counter()
        plan = plan_load([path], opts)
        preflight(plan, describe.describe_object(conn, "Account"), describe.Describer(conn))
        checked = time.perf_counter()
        blocked = [f.message for f in plan.findings if f.blocking]
        if blocked:
            return {"ok": False, "error": blocked[:3]}
        result = run_load(conn, plan, opts, out, lambda e: None, CancelToken())
        end = time.perf_counter()
    fp = plan.files[0]
    mode = fp.transform.mode if fp.transform is not None else "as is"
    totals = result.manifest["totals"]
    return {"ok": result.ok, "wall": end - start, "check_s": checked - start, "records": totals["success"],
            "parts": len(fp.parts), "mode": mode}  # fmt: skip


def run_child(org: Any, name: str, path: Path) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", org.instance_url, org.access_token, str(path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    sampler = _RssSampler(proc.pid)
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    sampler.stop()
    detail = (
        json.loads(output.decode().strip().splitlines()[-1]) if os.waitstatus_to_exitcode(status) == 0 else {}
    )
    detail.update(name=name, cpu=usage.ru_utime + usage.ru_stime, rss_mib=usage.ru_maxrss / 1024)
    print(f"  {name:<10} {json.dumps(detail)}", file=sys.stderr)
    return detail


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], sys.argv[3], Path(sys.argv[4]))))
        return 0
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--xlsx-rows", type=int, default=0)
    args = ap.parse_args()
    files = make_files(args.rows)
    from sfloader_gui.emulator.server import EmulatorConfig, EmulatorServer

    runs: list[dict[str, Any]] = []
    order = ["plain", "mapped", "converted"]
    with EmulatorServer(EmulatorConfig(count_only=True)) as org:
        for rep in range(args.reps):
            for name in order[rep % 3 :] + order[: rep % 3]:
                runs.append({**run_child(org, name, files[name]), "rep": rep})
        if args.xlsx_rows:
            book = make_xlsx(args.xlsx_rows, files["plain"])
            runs.append(run_child(org, "xlsx", book))
    load = os.getloadavg()[0]
    print(f"\n## {args.rows:,} rows, {args.reps} reps (medians; load average {load:.1f} at the end)")
    head = f"{'file':<11}{'wall s':>8}{'check s':>9}{'cpu s':>8}{'RSS MiB':>9}{'x plain':>9}{'paired':>8}"
    print(f"{head}  mode")
    plain_wall = statistics.median(r["wall"] for r in runs if r["name"] == "plain")
    plain_of = {r["rep"]: r["wall"] for r in runs if r["name"] == "plain" and r.get("ok")}
    for name in [*order, "xlsx"]:
        mine = [r for r in runs if r["name"] == name and r.get("ok")]
        if not mine:
            continue
        wall = statistics.median(r["wall"] for r in mine)
        # the median of each rep's ratio to the plain load of the same rep (run next to it)
        paired = [r["wall"] / plain_of[r["rep"]] for r in mine if r.get("rep") in plain_of]
        ratio = f"{statistics.median(paired):>8.2f}" if paired else f"{'':>8}"
        cells = (
            f"{name:<11}{wall:>8.2f}{statistics.median(r['check_s'] for r in mine):>9.2f}"
            f"{statistics.median(r['cpu'] for r in mine):>8.1f}{max(r['rss_mib'] for r in mine):>9.1f}"
            f"{wall / plain_wall:>9.2f}{ratio}"
        )
        print(f"{cells}  {mine[0]['mode']} ({mine[0]['records']:,} records)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
