"""The nothing-lost check of the fault table, read from the run folder on disk and from the org itself."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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


def read_only(folder: Path) -> contextlib.AbstractContextManager[None]:
    """``folder`` refuses new files at the OS level while the context lasts: ``chmod`` for a user, the
    immutable attribute (``chattr +i``) for root, whom permissions do not stop. Skips the test where
    neither works (root on a filesystem without the attribute)."""

    @contextlib.contextmanager
    def frozen() -> Iterator[None]:
        if os.geteuid() != 0:
            mode = folder.stat().st_mode
            folder.chmod(0o555)
            try:
                yield
            finally:
                folder.chmod(mode)
            return
        chattr = shutil.which("chattr")
        if chattr is None or subprocess.run([chattr, "+i", str(folder)], capture_output=True).returncode:
            pytest.skip(f"running as root and {folder} cannot be made immutable (chattr +i)")
        try:
            yield
        finally:
            subprocess.run([chattr, "-i", str(folder)], check=True)

    return frozen()


def tiny_filesystem_command(mount: Path, size_kib: int) -> list[str]:
    """A prefix that runs a command in its own mount namespace where ``mount`` is a ``size_kib`` KiB tmpfs
    (a full disk for real, ENOSPC from the kernel), copying what the command left there to
    ``<mount>.kept`` before the namespace (and the tmpfs) goes; skips where user namespaces are off."""
    unshare = shutil.which("unshare")
    probe = [unshare or "unshare", "--user", "--map-root-user", "--mount", "true"]
    if unshare is None or subprocess.run(probe, capture_output=True).returncode:
        pytest.skip("no unprivileged user + mount namespaces here (unshare -rm): no tiny filesystem")
    kept = f"{mount}.kept"
    script = (f'mount -t tmpfs -o size={size_kib}k tmpfs "{mount}" && {{ "$@"; rc=$?; '
              f'cp -a "{mount}/." "{kept}/"; exit $rc; }}')  # fmt: skip
    return [probe[0], *probe[1:4], "sh", "-c", script, "sh"]
