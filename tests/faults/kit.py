"""The nothing-lost check of the fault table, read from the run folder on disk and from the org itself."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from sfloader_gui.core.salesforce import bulk
from tests.core.load.loadkit import connect, count


def rows_in(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def nothing_lost(run_dir: Path, org: Any, *, records: int, fresh_org: bool = True) -> dict[str, Any]:
    """Every input record ends in exactly one of success / failed / unprocessed of exactly one job that
    reached UploadComplete, or counts as not sent; the manifest on disk balances, its result files hold
    those rows, abandoned jobs processed nothing, and (in a fresh org) the org holds the successes.

    Returns the manifest.
    """
    manifest: dict[str, Any] = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["accounting"] == {"balanced": True, "unaccounted": 0}, manifest["jobs"]
    assert manifest["totals"]["records"] == records
    succeeded = 0
    with connect(org) as conn:
        for job in manifest["jobs"]:
            assert job["records_processed"] + job["records_unprocessed"] == job["records"]
            for abandoned in job["abandoned_jobs"]:  # never processed: one job per part did the work
                info = bulk.get_job(conn, abandoned["job_id"])
                assert info.state == "Aborted" and info.records_processed == 0, info
            if job["success_file"] is None:
                continue
            files = {k: rows_in(run_dir / job[f"{k}_file"]) for k in ("success", "failed", "unprocessed")}
            assert len(files["failed"]) == job["records_failed"]
            assert len(files["success"]) == job["records_processed"] - job["records_failed"]
            assert len(files["unprocessed"]) == job["records_unprocessed"]
            keys = [r["External_Id__c"] for rows in files.values() for r in rows]
            assert len(keys) == len(set(keys)) == job["records"]  # each record in exactly one file
            succeeded += len(files["success"])
    assert succeeded == manifest["totals"]["success"]
    if fresh_org:
        assert count(org) == succeeded
    return manifest


def open_jobs(org: Any) -> list[bulk.JobInfo]:
    with connect(org) as conn:
        return [j for j in bulk.list_jobs(conn) if j.state == "Open"]
