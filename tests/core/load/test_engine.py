"""Loads end to end over HTTP: parallel jobs, parts, accounting, idempotent re-runs, retry of failed rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sfloader_gui.core.load.engine import build_retry_files, retry_failed, run_load
from sfloader_gui.core.load.plan import plan_load
from sfloader_gui.core.load.results import run_file
from sfloader_gui.core.models import CancelToken, EventKind, JobState
from tests.core.load.loadkit import Recorder, connect, count, load, options, write_accounts


def test_a_file_loads_and_every_record_is_accounted_for(emulator: Any, tmp_path: Path) -> None:
    src = write_accounts(tmp_path / "accounts.csv", 1, 50)
    rec = Recorder()
    result = load(emulator, [src], tmp_path / "out", recorder=rec)
    assert result.ok
    (job,) = result.manifest["jobs"]
    assert job["state"] == "JobComplete" and job["records_processed"] == 50 and job["gzip"] is True
    assert result.manifest["totals"]["success"] == 50
    assert result.manifest["accounting"] == {"balanced": True, "unaccounted": 0}
    success = run_file(result.run_dir, job["success_file"])
    assert success.read_bytes().count(b'"true"') == 50  # all created
    assert json.loads((result.run_dir / "manifest.json").read_text())["jobs"][0]["job_id"] == job["job_id"]
    assert count(emulator) == 50
    states = rec.states()
    assert states[0] is JobState.QUEUED and states[-1] is JobState.JOB_COMPLETE
    assert JobState.OPEN in states and JobState.UPLOAD_COMPLETE in states
    uploads = [e for e in rec.events if e.kind is EventKind.UPLOAD_PROGRESS]
    assert uploads and uploads[-1].bytes_sent == uploads[-1].bytes_total == src.stat().st_size
    polls = [e for e in rec.events if e.kind is EventKind.PROCESSING]
    assert polls and polls[-1].records_processed == 50
    assert any(e.kind is EventKind.RESULTS_SAVED for e in rec.events)


def test_twenty_files_run_in_parallel_but_never_more_than_fifteen_jobs(emulator: Any, tmp_path: Path) -> None:
    emulator.faults.latency = 0.02  # keeps jobs alive long enough to overlap
    files = [write_accounts(tmp_path / f"f{n:02d}.csv", n * 1000, 20) for n in range(20)]
    result = load(emulator, files, tmp_path / "out", options(max_concurrent_jobs=15))
    assert result.ok and len(result.outcomes) == 20
    assert 2 <= emulator.stats.max_open_jobs <= 15
    assert count(emulator) == 400


def test_a_large_file_is_cut_into_three_parts_with_no_row_lost_or_repeated(
    emulator: Any, tmp_path: Path
) -> None:
    src = write_accounts(tmp_path / "big.csv", 1, 3000)
    size = src.stat().st_size
    result = load(emulator, [src], tmp_path / "out", options(part_size_bytes=size // 3 + 200))
    jobs = result.manifest["jobs"]
    assert [j["part"] for j in jobs] == [1, 2, 3] and {j["part_count"] for j in jobs} == {3}
    assert [j["first_record"] for j in jobs] == [
        1,
        jobs[0]["records"] + 1,
        jobs[0]["records"] + jobs[1]["records"] + 1,
    ]
    assert sum(j["records"] for j in jobs) == 3000
    assert result.manifest["accounting"]["balanced"]
    keys: list[bytes] = []
    for job in jobs:
        body = run_file(result.run_dir, job["success_file"]).read_bytes()
        keys += [line.split(b",")[2] for line in body.splitlines() if line.startswith(b'"001')]
    assert len(keys) == 3000 and len(set(keys)) == 3000
    assert count(emulator) == 3000


def test_running_the_same_file_again_updates_and_creates_nothing(emulator: Any, tmp_path: Path) -> None:
    src = write_accounts(tmp_path / "accounts.csv", 1, 30)
    load(emulator, [src], tmp_path / "out")
    assert count(emulator) == 30
    second = load(emulator, [src], tmp_path / "out")
    assert second.ok
    assert count(emulator) == 30
    body = run_file(second.run_dir, second.manifest["jobs"][0]["success_file"]).read_bytes()
    assert body.count(b'"false"') == 30 and b'"true"' not in body
    assert len({p.name for p in (tmp_path / "out").iterdir()}) == 2  # two run folders, none reused


def test_blocked_files_are_not_sent(emulator: Any, tmp_path: Path) -> None:
    good = write_accounts(tmp_path / "good.csv", 1, 5)
    bad = tmp_path / "bad.csv"
    bad.write_text("External_Id__c,Name\n", encoding="utf-8")  # header only
    opts = options()

    plan = plan_load([good, bad], opts)
    assert plan.files[1].blocked
    with connect(emulator) as conn:
        result = run_load(conn, plan, opts, tmp_path / "out", Recorder(), CancelToken())
    assert [Path(j["file"]).name for j in result.manifest["jobs"]] == ["good.csv"]
    assert result.manifest["files"][1]["blocked"] is True
    assert emulator.stats.jobs_created == 1


def test_retry_sends_only_the_failed_rows_from_the_source(emulator: Any, tmp_path: Path) -> None:
    src = tmp_path / "accounts.csv"
    src.write_text(
        'External_Id__c,Name,Phone\nK1,One,1\nK2,,2\nK3,"Three, ""3""",3\nK4,,4\n',
        encoding="utf-8",
        newline="",
    )
    first = load(emulator, [src], tmp_path / "out")
    assert first.manifest["totals"]["failed"] == 2  # Name is required

    (retry_file,) = build_retry_files(first.run_dir)
    assert retry_file.parent.name == "sources" and retry_file.parent.parent.parent == first.run_dir.parent
    assert retry_file.read_text(encoding="utf-8") == "External_Id__c,Name,Phone\nK2,,2\nK4,,4\n"
    src.write_text("External_Id__c,Name,Phone\nK1,One,1\nK2,Two,2\nK3,x,3\nK4,Four,4\n", encoding="utf-8")
    with connect(emulator) as conn:
        retried = retry_failed(conn, first.run_dir, options(), tmp_path / "out", Recorder(), CancelToken())
    assert retried is not None and retried.ok
    assert retried.manifest["retry_of"] == first.run_folder.run_id
    assert retried.manifest["totals"]["records"] == 2
    assert (retried.run_dir / "sources").is_dir()
    assert count(emulator) == 4


def test_a_clean_run_has_nothing_to_retry(emulator: Any, tmp_path: Path) -> None:
    first = load(emulator, [write_accounts(tmp_path / "a.csv", 1, 3)], tmp_path / "out")
    with connect(emulator) as conn:
        again = retry_failed(conn, first.run_dir, options(), tmp_path / "out", Recorder(), CancelToken())
    assert again is None
    assert [p.name for p in (tmp_path / "out").iterdir()] == [first.run_dir.name]


def test_crlf_and_semicolon_files_get_jobs_that_match_them(emulator: Any, tmp_path: Path) -> None:
    crlf = tmp_path / "crlf.csv"
    crlf.write_bytes(b'External_Id__c,Name\r\nC1,"One\r\nline"\r\nC2,Two\r\n')
    semi = tmp_path / "semi.csv"
    semi.write_bytes(b"External_Id__c;Name\nS1;Uno, Dos\nS2;Tres\n")
    result = load(emulator, [crlf, semi], tmp_path / "out")
    assert result.ok
    assert [f["line_ending"] for f in result.manifest["files"]] == ["CRLF", "LF"]
    assert [f["delimiter"] for f in result.manifest["files"]] == ["COMMA", "SEMICOLON"]
    assert count(emulator) == 4
