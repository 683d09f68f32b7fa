"""How fast the emulator ingests a big Account file: rows/s and MB/s, plain and gzip, bench and full mode.

Usage: uv run python bench/bench_emulator.py [CSV] [--parts-mb 90] [--modes count,full] [--gzip both]
Generate the file first: python /work/shared/bench/make_csv.py 1000000 /tmp/acc1m.csv
The file is cut at record boundaries into parts under the 100 MB raw limit (one job each, like a client).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from sfloader_gui.emulator.server import EmulatorConfig, EmulatorServer

V = "66.0"


def split_parts(path: Path, part_bytes: int) -> list[tuple[bytes, int]]:
    """(CSV bytes with header, record count) per part, cut only between records."""
    parts: list[tuple[bytes, int]] = []
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(header)
        n = 0
        for row in reader:
            writer.writerow(row)
            n += 1
            if buf.tell() >= part_bytes:
                parts.append((buf.getvalue().encode("utf-8"), n))
                buf = io.StringIO()
                writer = csv.writer(buf, lineterminator="\n")
                writer.writerow(header)
                n = 0
        if n:
            parts.append((buf.getvalue().encode("utf-8"), n))
    return parts


def run_part(org: EmulatorServer, body: bytes, use_gzip: bool) -> tuple[float, str]:
    """One job: create, PUT (already compressed if gzip), close. Returns (PUT seconds, job id)."""
    s = requests.Session()
    s.headers["Authorization"] = "Bearer " + org.access_token
    jobs = f"{org.instance_url}/services/data/v{V}/jobs/ingest"
    job = s.post(
        jobs, json={"object": "Account", "operation": "upsert", "externalIdFieldName": "External_Id__c"}
    )
    job.raise_for_status()
    info = job.json()
    headers = {"Content-Type": "text/csv"}
    if use_gzip:
        headers["Content-Encoding"] = "gzip"
    t0 = time.perf_counter()
    r = s.put(f"{org.instance_url}/{info['contentUrl']}", data=body, headers=headers)
    assert r.status_code == 201, r.text
    put_s = time.perf_counter() - t0
    s.patch(f"{jobs}/{info['id']}", json={"state": "UploadComplete"}).raise_for_status()
    return put_s, info["id"]


def bench(parts: list[tuple[bytes, int]], count_only: bool, use_gzip: bool, workers: int) -> dict[str, float]:
    rows = sum(n for _, n in parts)
    mb = sum(len(d) for d, _ in parts) / 1e6
    bodies = [gzip.compress(d, compresslevel=1) if use_gzip else d for d, _ in parts]  # before the clock
    with tempfile.TemporaryDirectory() as tmp:
        cfg = EmulatorConfig(db_path=Path(tmp) / "bench.sqlite3", count_only=count_only)
        with EmulatorServer(cfg) as org:
            t0 = time.perf_counter()
            with ThreadPoolExecutor(workers) as pool:
                done = list(pool.map(lambda b: run_part(org, b, use_gzip), bodies))
            accepted = time.perf_counter() - t0
            finished = [org.wait_job(job_id, timeout=3600) for _, job_id in done]
            total = time.perf_counter() - t0
            assert all(j.state == "JobComplete" for j in finished)
            processed = sum(j.processed for j in finished)
            assert processed == rows, (processed, rows)
    return {
        "rows": rows, "mb": mb, "accept_s": accepted, "total_s": total, "accept_rows_s": rows / accepted,
        "accept_mb_s": mb / accepted, "total_rows_s": rows / total,
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv", nargs="?", default="/tmp/acc1m.csv", type=Path)
    ap.add_argument("--parts-mb", type=float, default=90.0)
    ap.add_argument("--modes", default="count,full")
    ap.add_argument("--gzip", default="both", choices=["both", "on", "off"])
    ap.add_argument("--workers", type=int, default=3)
    a = ap.parse_args()
    parts = split_parts(a.csv, int(a.parts_mb * 1e6))
    print(f"{a.csv}: {sum(n for _, n in parts)} records in {len(parts)} parts")
    gz = {"both": [False, True], "on": [True], "off": [False]}[a.gzip]
    for mode in a.modes.split(","):
        for use_gzip in gz:
            r = bench(parts, mode == "count", use_gzip, a.workers)
            print(
                f"mode={mode:5} gzip={use_gzip!s:5} rows={r['rows']} size={r['mb']:.0f}MB "
                f"accept={r['accept_s']:.2f}s ({r['accept_rows_s']:,.0f} rows/s, "
                f"{r['accept_mb_s']:.0f} MB/s) "
                f"done={r['total_s']:.2f}s ({r['total_rows_s']:,.0f} rows/s)",
                flush=True,
            )


if __name__ == "__main__":
    main()
