"""Test helper: run folders as docs/dev/contracts.md describes them, with raw Salesforce result bytes."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def sf_csv(header: Sequence[str], rows: Sequence[Sequence[str]], *, quote_header: bool = False) -> bytes:
    """Results the way Salesforce writes them: every value double-quoted, LF line ends."""
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    head = [f'"{h}"' if h.startswith("sf__") or quote_header else h for h in header]
    buf.write(",".join(head) + "\n")
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def write_source(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> dict[str, Any]:
    """A source CSV and its manifest ``files`` entry."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *rows])
    data = buf.getvalue().encode("utf-8")
    path.write_bytes(data)
    return {
        "path": str(path),
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "mtime": path.stat().st_mtime,
        "records": len(rows),
        "encoding": "utf-8",
        "bom": False,
        "delimiter": "COMMA",
        "line_ending": "LF",
        "header": list(header),
        "parts": 1,
    }


def make_run(
    out: Path,
    sources: dict[str, tuple[list[str], list[list[str]]]],
    failures: dict[str, dict[str, str]],
    *,
    unprocessed: dict[str, list[str]] | None = None,
    object_name: str = "Account",
    ext_field: str = "External_Id__c",
) -> Path:
    """A finished run, one job per source; ``failures[file][ext id] = sf__Error``; ``unprocessed[file]``."""
    out.mkdir(parents=True, exist_ok=True)
    run = out / "20261126T101500Z_Account"
    files, jobs = [], []
    for n, (name, (header, rows)) in enumerate(sources.items(), start=1):
        entry = write_source(out / name, header, rows)
        files.append(entry)
        job_id = f"750{n:015d}AAA"
        jdir = run / "jobs" / f"{n:02d}_{Path(name).stem}_p1_{job_id}"
        jdir.mkdir(parents=True)
        col = header.index(ext_field)
        errs = failures.get(name, {})
        skip = set((unprocessed or {}).get(name, []))
        failed = [["", errs[r[col]], *r] for r in rows if r[col] in errs]
        ok = [
            [f"001{i:015d}", "true", *r]
            for i, r in enumerate(rows)
            if r[col] not in errs and r[col] not in skip
        ]
        (jdir / "failed.csv").write_bytes(sf_csv(["sf__Id", "sf__Error", *header], failed))
        (jdir / "success.csv").write_bytes(sf_csv(["sf__Id", "sf__Created", *header], ok))
        job: dict[str, Any] = {
            "file": entry["path"],
            "part": 1,
            "part_count": 1,
            "first_record": 1,
            "records": len(rows),
            "job_id": job_id,
            "state": "Failed" if skip else "JobComplete",
            "error_message": "InvalidBatch : batch retries exhausted" if skip else None,
            "records_processed": len(rows) - len(skip),
            "records_failed": len(failed),
            "records_unprocessed": len(skip),
            "success_file": f"jobs/{jdir.name}/success.csv",
            "failed_file": f"jobs/{jdir.name}/failed.csv",
            "unprocessed_file": None,
            "gzip": True,
            "abandoned_jobs": [],
            "notes": [],
        }
        if skip:
            un = [r for r in rows if r[col] in skip]
            (jdir / "unprocessed.csv").write_bytes(sf_csv(header, un))
            job["unprocessed_file"] = f"jobs/{jdir.name}/unprocessed.csv"
        jobs.append(job)
    totals = {
        "records": sum(j["records"] for j in jobs),
        "success": sum(j["records_processed"] - j["records_failed"] for j in jobs),
        "failed": sum(j["records_failed"] for j in jobs),
        "unprocessed": sum(j["records_unprocessed"] for j in jobs),
        "jobs": len(jobs),
        "jobs_failed": sum(1 for j in jobs if j["state"] != "JobComplete"),
    }
    manifest = {
        "schema": 1,
        "run_id": run.name,
        "created_at": "2026-11-26T10:15:00Z",
        "finished_at": "2026-11-26T10:16:10Z",
        "instance_url": "http://127.0.0.1:1",
        "api_version": "66.0",
        "object": object_name,
        "external_id_field": ext_field,
        "operation": "upsert",
        "options": {},
        "retry_of": None,
        "files": files,
        "jobs": jobs,
        "totals": totals,
        "accounting": {"balanced": True, "unaccounted": 0},
    }
    (run / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return run
