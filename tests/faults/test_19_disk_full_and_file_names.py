"""Case 19: awkward source names, existing result files and a full disk: sanitised names, no overwrite,
no partial file under a final name; a full disk (a real 64 KiB tmpfs) or a read-only run folder (the OS
refuses, no patched writer) keeps the job's id and state (results "not saved"), the command still prints
its JSON and exits 1, the journal marks a job saved only after its manifest, and `sfloader results` later
saves the job's results in its run folder and completes that run's manifest."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sfloader_gui.core.load.journal import Journal
from sfloader_gui.core.load.results import run_file
from tests.cli.test_cli import org_flags, run, upsert
from tests.core.load.loadkit import load, write_accounts
from tests.faults.kit import nothing_lost, read_only, tiny_filesystem_command


def test_awkward_names_are_sanitised_and_nothing_is_overwritten(emulator: Any, tmp_path: Path) -> None:
    src = write_accounts(tmp_path / ("..CON:" + "x" * 240 + ".csv"), 1, 5)
    result = load(emulator, [src], tmp_path / "out")
    (job,) = result.manifest["jobs"]
    folder = run_file(result.run_dir, job["success_file"]).parent
    assert folder.parent == result.run_dir / "jobs" and ":" not in folder.name and len(folder.name) < 100
    assert not list(result.run_dir.rglob("*.part"))  # no partial file left under any name
    nothing_lost(result.run_dir, emulator, records=5)


def sfloader(org: Any, *files: Path, out: Path, prefix: tuple[str, ...] = ()) -> subprocess.Popen[str]:
    """The real command in its own process, so the OS faults below hit it and only it."""
    argv = [
        *prefix,
        sys.executable,
        "-m",
        "sfloader_gui.cli",
        *upsert(org, *files, extra=("--json", "--out", str(out))),
    ]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_full_disk_keeps_the_job_and_its_results_land_in_the_run_later(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A 64 KiB filesystem for the results folder: the manifest fits, the job's success.csv does not.
    runs, kept = tmp_path / "runs", tmp_path / "runs.kept"
    runs.mkdir()
    kept.mkdir()
    src = write_accounts(tmp_path / "a.csv", 1, 3000)
    proc = sfloader(emulator, src, out=runs, prefix=tuple(tiny_filesystem_command(runs, 64)))
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    doc = json.loads(out)
    (job,) = doc["jobs"]
    assert job["job_id"] and job["state"] == "JobComplete" and job["records_processed"] == 3000
    assert job["success_file"] is None and "error" not in doc  # the manifest itself was saved
    for item in kept.iterdir():  # the tiny filesystem's content, back where the journal saw it
        shutil.move(item, runs / item.name)
    run_dir = Path(doc["run_dir"])
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert any("fetch them later with: sfloader results" in n for n in manifest["jobs"][0]["notes"])
    assert not any("not sent" in n for n in manifest["jobs"][0]["notes"])
    assert not [p for p in run_dir.rglob("*") if p.name.endswith(".part")]  # no partial file left
    with _journal() as journal:
        assert [e.job_id for e in journal.unsettled()] == [job["job_id"]]
    # Fetched later, the results complete the run folder's manifest (not a new folder): issue 10.
    code, out, _ = run(capsys, "results", job["job_id"], "--json", *org_flags(emulator)[:4])
    assert code == 0, out
    later = json.loads(out)
    assert later["run_dir"] is None and later["jobs"][0]["run_dir"] == str(run_dir)
    assert Path(later["jobs"][0]["success_file"]).parent.parent == run_dir / "jobs"
    nothing_lost(run_dir, emulator, records=3000)
    with _journal() as journal:
        assert journal.unsettled() == []


def test_a_read_only_run_folder_still_prints_the_json_and_settles_nothing(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.faults.stall_jobs = -1
    runs = tmp_path / "runs"
    proc = sfloader(emulator, write_accounts(tmp_path / "a.csv", 1, 7), out=runs)
    jobs = emulator.org.jobs
    with jobs.changed:  # the job runs in Salesforce: the run folder and its first manifest exist
        assert jobs.changed.wait_for(
            lambda: any(j.state == "InProgress" for j in jobs.listing()) or proc.poll() is not None,
            timeout=60,
        )
    (run_dir,) = runs.iterdir()
    with read_only(run_dir):  # no manifest, no results folder can be written in it from now on
        emulator.faults.release_stalled()
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1 and "manifest.json could not be written" in err, err
    doc = json.loads(out)
    (job,) = doc["jobs"]
    assert job["state"] == "JobComplete" and job["job_id"] and job["success_file"] is None
    assert "could not be written" in doc["error"]
    with _journal() as journal:
        assert [e.job_id for e in journal.unsettled()] == [job["job_id"]]
    code, out, _ = run(capsys, "results", job["job_id"], "--json", *org_flags(emulator)[:4])
    assert code == 0 and json.loads(out)["jobs"][0]["run_dir"] == str(run_dir)
    manifest = nothing_lost(run_dir, emulator, records=7)
    assert manifest["finished_at"] and manifest["jobs"][0]["job_id"] == job["job_id"]
    with _journal() as journal:
        assert journal.unsettled() == []


def _journal() -> Any:
    import contextlib

    return contextlib.closing(Journal())
