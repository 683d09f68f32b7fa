"""Run folders are new every time, result files are never overwritten, the manifest proves the count."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sfloader_gui.core.load.plan import FilePlan, LoadPlan
from sfloader_gui.core.load.results import (
    ApiUse,
    Manifest,
    ManifestFile,
    ManifestJob,
    RunFolder,
    count_records,
    load_manifest,
    write_atomic,
)
from sfloader_gui.core.load.run import MANIFEST_ERROR
from sfloader_gui.core.models import JobOutcome, JobState, LoadOptions, PartRef

MOMENT = datetime(2026, 11, 26, 10, 15, 0, tzinfo=UTC)
OPTIONS = LoadOptions("Account", "Ext__c")


def test_same_second_runs_get_distinct_folders(tmp_path: Path) -> None:
    first = RunFolder.create(tmp_path, "Account", MOMENT)
    second = RunFolder.create(tmp_path, "Account", MOMENT)
    assert first.path.name == "20261126T101500Z_Account"
    assert second.path.name == "20261126T101500Z_Account_2"
    assert first.path.is_dir() and second.path.is_dir()


def test_object_names_become_safe_folder_names(tmp_path: Path) -> None:
    run = RunFolder.create(tmp_path, "../My Object:CON", MOMENT)
    assert run.path.parent == tmp_path
    assert "/" not in run.run_id and ":" not in run.run_id


def test_result_files_are_never_overwritten(tmp_path: Path) -> None:
    dest = tmp_path / "success.csv"
    write_atomic(dest, b"a\n1\n")
    with pytest.raises(FileExistsError):
        write_atomic(dest, b"other")
    assert dest.read_bytes() == b"a\n1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["success.csv"]  # no temp file left behind


def test_count_records_honours_quoted_newlines(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_bytes(b'Ext,Name\n1,"two\nlines"\n2,x\n')
    assert count_records(path) == 2
    assert count_records(tmp_path / "missing.csv") == 0


def test_manifest_accounts_for_every_record(tmp_path: Path) -> None:
    run = RunFolder.create(tmp_path, "Account", MOMENT)
    src = tmp_path / "a.csv"
    done = JobOutcome(
        part=PartRef(src, 1, 2), state=JobState.JOB_COMPLETE, job_id="750A", rows=10,
        records_processed=10, records_failed=2,
    )  # fmt: skip
    never_sent = JobOutcome(
        part=PartRef(src, 2, 2), state=JobState.CANCELLED, rows=5, first_record=11, records_unprocessed=5,
        notes=["never reached UploadComplete: all 5 records are unprocessed"],
    )  # fmt: skip
    plan = LoadPlan(OPTIONS, [FilePlan(src, records=15)])
    run.write_manifest(
        run.build_manifest(plan, [done, never_sent], instance_url="http://x", finished_at=MOMENT)
    )
    manifest = load_manifest(run.path)
    assert manifest["totals"] == {
        "records": 15, "success": 8, "failed": 2, "unprocessed": 5, "jobs": 2, "jobs_failed": 1,
    }  # fmt: skip
    assert manifest["accounting"] == {"balanced": True, "unaccounted": 0}
    assert manifest["jobs"][1]["notes"] == ["never reached UploadComplete: all 5 records are unprocessed"]
    assert json.loads(run.manifest_path.read_text())["run_id"] == "20261126T101500Z_Account"
    assert manifest["files"][0]["records"] == 15
    assert manifest["options"]["max_concurrent_jobs"] == 15


def test_the_manifest_types_name_exactly_the_keys_written_in_their_order(tmp_path: Path) -> None:
    run = RunFolder.create(tmp_path, "Account", MOMENT)
    src = tmp_path / "a.csv"
    outcome = JobOutcome(part=PartRef(src, 1, 1), state=JobState.JOB_COMPLETE, rows=1, records_processed=1)
    plan = LoadPlan(OPTIONS, [FilePlan(src, records=1)])
    api: ApiUse = {"calls": 6, "org_used": 10, "org_max": 15000}
    run.write_manifest(run.build_manifest(plan, [outcome], instance_url="http://x", api=api))
    on_disk = json.loads(run.manifest_path.read_text(encoding="utf-8"))
    # Readers rely on the TypedDicts; scripts and existing run folders rely on the JSON: the two agree.
    assert list(on_disk) == [k for k in Manifest.__annotations__ if k != MANIFEST_ERROR]  # never on disk
    assert list(on_disk["files"][0]) == list(ManifestFile.__annotations__)
    assert list(on_disk["jobs"][0]) == list(ManifestJob.__annotations__)


def test_manifest_flags_rows_that_are_nowhere(tmp_path: Path) -> None:
    run = RunFolder.create(tmp_path, "Account", MOMENT)
    lost = JobOutcome(part=PartRef(tmp_path / "a.csv", 1, 1), state=JobState.JOB_COMPLETE, rows=10,
                      records_processed=7)  # fmt: skip
    manifest = run.write_manifest(run.build_manifest(LoadPlan(OPTIONS, []), [lost], instance_url=""))
    assert manifest["accounting"] == {"balanced": False, "unaccounted": 3}


def test_a_folder_without_manifest_is_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not an sfloader run folder"):
        load_manifest(tmp_path)


def test_without_hard_links_files_are_still_never_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(src: object, dst: object) -> None:
        raise PermissionError("links not supported on this share")

    monkeypatch.setattr("os.link", no_links)
    dest = tmp_path / "failed.csv"
    write_atomic(dest, b"first")
    with pytest.raises(FileExistsError):
        write_atomic(dest, b"second")
    assert dest.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["failed.csv"]
