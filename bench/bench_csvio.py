"""Benchmark of the CSV side of a load: scan/plan speed, gzip levels, and peak memory vs file size.

Usage: uv run python bench/bench_csvio.py [--rows 200000 1000000] [--dir /tmp] [--repeat 3] [--levels 1 6 9]
                                          [--narrow] [--shuffled 1000000]

Generates the deterministic Account files with /work/shared/bench/make_csv.py (or ../shared/bench) if
they are missing. Every measurement runs in a fresh child process so peak RSS is that of one client
doing: plan_load (sniff + one scan pass + sha256 on a second thread), then every part streamed
through iter_part + gzip_chunks on parallel threads, as the upload does (output discarded).
Prints one JSON object with the figures (best of --repeat for times).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_MAKE_CSV = [
    Path("/work/shared/bench/make_csv.py"),
    Path(__file__).resolve().parents[2] / "shared/bench/make_csv.py",
]

_CHILD = r"""
import json, resource, sys, time, zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from sfloader_gui.core.csvio.dialect import sniff
from sfloader_gui.core.csvio.gzipstream import gzip_chunks
from sfloader_gui.core.csvio.parts import iter_part
from sfloader_gui.core.csvio.scan import scan_file
from sfloader_gui.core.load.plan import plan_load
from sfloader_gui.core.models import LoadOptions

def peak_rss_mib():
    # VmHWM is this process's own peak. ru_maxrss is not: Linux carries the parent's RSS at fork
    # over exec into the child's ru_maxrss, so a big parent would inflate every child figure.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

mode, path, level = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
out = {}
opts = LoadOptions(object_name="Account", external_id_field="External_Id__c")
if mode == "scan":
    t, c = time.perf_counter(), time.process_time()
    res = scan_file(path, sniff(path), "External_Id__c", opts.part_size_bytes)
    out.update(wall=time.perf_counter() - t, cpu=time.process_time() - c, records=res.records)
    out["findings"] = len(res.findings)
    out["peak_rss_mib"] = peak_rss_mib()
elif mode == "plan":
    t, c = time.perf_counter(), time.process_time()
    plan = plan_load([path], opts)
    out.update(wall=time.perf_counter() - t, cpu=time.process_time() - c)
    fp = plan.files[0]
    out.update(records=fp.records, parts=len(fp.parts), findings=len(fp.findings))
    t = time.perf_counter()
    def send(span):
        return sum(len(b) for b in gzip_chunks(iter_part(path, fp.dialect, span), level=level))
    with ThreadPoolExecutor(15) as pool:
        out["gzip_bytes"] = sum(pool.map(send, fp.parts))
    out["gzip_wall"] = time.perf_counter() - t
    out["peak_rss_mib"] = peak_rss_mib()
elif mode == "level":
    t, c = time.perf_counter(), time.process_time()
    comp, n = zlib.compressobj(level, zlib.DEFLATED, 31), 0
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            n += len(comp.compress(block))
    n += len(comp.flush())
    out.update(wall=time.perf_counter() - t, cpu=time.process_time() - c, bytes=n)
print(json.dumps(out))
"""


def child(mode: str, path: Path, level: int = 1) -> dict[str, Any]:
    res = subprocess.run(
        [sys.executable, "-c", _CHILD, mode, str(path), str(level)],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(res.stdout.strip().splitlines()[-1]))


def ensure(rows: int, folder: Path) -> Path:
    path = folder / f"acc{rows}.csv"
    if not path.exists():
        make = next(p for p in _MAKE_CSV if p.exists())
        subprocess.run([sys.executable, str(make), str(rows), str(path)], check=True)
    return path


def write_rows(path: Path, keys: Iterable[int], name: str) -> Path:
    """A simple two-column Account file (External_Id__c, Name), written once."""
    if not path.exists():
        with path.open("w", encoding="utf-8", newline="") as fh:
            fh.write("External_Id__c,Name\n")
            batch: list[str] = []
            for k in keys:
                batch.append(f"K{k:09d},{name.format(k=k)}\n")
                if len(batch) >= 100_000:
                    fh.write("".join(batch))
                    batch.clear()
            fh.write("".join(batch))
    return path


def best(runs: list[dict[str, Any]], key: str) -> float:
    return min(float(r[key]) for r in runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[200_000, 1_000_000])
    ap.add_argument("--dir", type=Path, default=Path("/tmp"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--levels", type=int, nargs="*", default=[1, 6, 9])
    ap.add_argument("--narrow", action="store_true", help="also a 5.6M-row, 2-column file (~133 MB)")
    ap.add_argument("--shuffled", type=int, default=0, help="also a file of N rows with keys out of order")
    a = ap.parse_args()
    report: dict[str, Any] = {"files": {}, "gzip_levels": {}}
    for rows in a.rows:
        path = ensure(rows, a.dir)
        size = os.path.getsize(path)
        scans = [child("scan", path) for _ in range(a.repeat)]
        plans = [child("plan", path) for _ in range(a.repeat)]
        report["files"][rows] = {
            "bytes": size,
            "scan_wall_s": round(best(scans, "wall"), 3),
            "scan_mb_per_s": round(size / best(scans, "wall") / 1e6, 1),
            "plan_wall_s": round(best(plans, "wall"), 3),
            "plan_cpu_s": round(best(plans, "cpu"), 3),
            "plan_mb_per_s": round(size / best(plans, "wall") / 1e6, 1),
            "parts": plans[0]["parts"],
            "gzip_parts_wall_s": round(best(plans, "gzip_wall"), 3),
            "peak_rss_mib": round(max(float(r["peak_rss_mib"]) for r in plans), 1),
        }
    if a.levels:
        path = ensure(max(a.rows), a.dir)
        size = os.path.getsize(path)
        for level in a.levels:
            r = child("level", path, level)
            report["gzip_levels"][level] = {
                "cpu_s": round(r["cpu"], 2),
                "mb_per_s": round(size / r["cpu"] / 1e6, 1),
                "bytes": r["bytes"],
                "ratio": round(r["bytes"] / size, 3),
            }
    extra = {}
    if a.narrow:
        extra["narrow_5.6M_rows"] = write_rows(a.dir / "narrow_5600000.csv", range(5_600_000), "Name {k}")
    if a.shuffled:
        keys = list(range(a.shuffled))
        random.Random(1).shuffle(keys)
        extra[f"shuffled_{a.shuffled}_rows"] = write_rows(a.dir / f"shuffled_{a.shuffled}.csv", keys, "x{k}")
    for name, path in extra.items():
        runs = [child("scan", path) for _ in range(a.repeat)]
        size = os.path.getsize(path)
        report[name] = {
            "bytes": size,
            "records": runs[0]["records"],
            "findings": runs[0]["findings"],
            "scan_wall_s": round(best(runs, "wall"), 3),
            "scan_mb_per_s": round(size / best(runs, "wall") / 1e6, 1),
            "peak_rss_mib": round(max(float(r["peak_rss_mib"]) for r in runs), 1),
        }
    sizes = sorted(report["files"])
    if len(sizes) >= 2:
        lo, hi = report["files"][sizes[0]], report["files"][sizes[-1]]
        report["rss_ratio_largest_vs_smallest"] = round(hi["peak_rss_mib"] / lo["peak_rss_mib"], 3)
    report["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
