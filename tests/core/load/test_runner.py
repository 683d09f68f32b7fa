"""Parts against a misbehaving org: failed and stuck jobs, refused gzip, dropped uploads, 401, 429, cancel."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import pytest

from sfloader_gui.core.load.engine import run_load
from sfloader_gui.core.load.results import count_records, run_file
from sfloader_gui.core.models import CancelToken, EventKind, JobEvent, JobState
from sfloader_gui.core.salesforce import bulk
from sfloader_gui.core.salesforce.orgstate import gzip_refused_by
from sfloader_gui.emulator.server import EmulatorConfig, EmulatorServer
from tests.core.load.loadkit import Recorder, connect, count, load, options, plan, write_accounts
from tests.core.salesforce.conftest import oauth_refreshing_token


def test_a_failed_job_keeps_its_error_counts_and_unprocessed_rows(emulator: Any, tmp_path: Path) -> None:
    emulator.faults.update({"fail_jobs": 1, "fail_after_records": 0})
    src = write_accounts(tmp_path / "accounts.csv", 1, 40)
    result = load(emulator, [src], tmp_path / "out")
    (job,) = result.manifest["jobs"]
    assert job["state"] == "Failed" and job["file"] == str(src)
    assert job["error_message"]
    assert job["records_processed"] + job["records_unprocessed"] == 40
    assert result.manifest["accounting"]["balanced"]
    assert run_file(result.run_dir, job["unprocessed_file"]).exists()
    assert not result.ok


def test_a_job_that_never_finishes_times_out_and_is_left_running(emulator: Any, tmp_path: Path) -> None:
    emulator.faults.stall_jobs = 1
    src = write_accounts(tmp_path / "accounts.csv", 1, 10)
    rec = Recorder()
    result = load(emulator, [src], tmp_path / "out", options(timeout_s=0.3), recorder=rec)
    (outcome,) = result.outcomes
    assert outcome.state is JobState.TIMED_OUT
    assert any("keeps running on the server" in m for m in rec.messages())
    assert outcome.job_id is not None
    with connect(emulator) as conn:
        assert bulk.get_job(conn, outcome.job_id).state in ("UploadComplete", "InProgress")  # not aborted
    assert result.manifest["jobs"][0]["records_unprocessed"] == 10
    assert result.manifest["accounting"]["balanced"]


def test_an_org_that_refuses_gzip_gets_the_part_uncompressed_and_remembered(
    emulator: Any, tmp_path: Path
) -> None:
    emulator.faults.refuse_gzip = True
    src = write_accounts(tmp_path / "accounts.csv", 1, 25)
    rec = Recorder()
    first = load(emulator, [src], tmp_path / "out", recorder=rec)
    (job,) = first.manifest["jobs"]
    assert job["state"] == "JobComplete" and job["gzip"] is False
    assert [a["state"] for a in job["abandoned_jobs"]] == ["Aborted"]
    assert any("refused a gzip" in n for n in job["notes"])
    assert any("refused a gzip" in m for m in rec.messages())
    assert gzip_refused_by(emulator.instance_url)
    created = emulator.stats.jobs_created
    second = load(emulator, [src], tmp_path / "out")
    assert second.manifest["jobs"][0]["abandoned_jobs"] == []
    assert emulator.stats.jobs_created == created + 1  # straight to an uncompressed upload
    assert count(emulator) == 25


@pytest.mark.parametrize("use_gzip", [False, True])
def test_a_dropped_upload_goes_to_a_new_job_never_a_second_put(
    emulator: Any, tmp_path: Path, use_gzip: bool
) -> None:
    emulator.faults.update({"drop_upload_after": 2000, "drop_upload_times": 1})
    src = write_accounts(tmp_path / "accounts.csv", 1, 400)
    result = load(emulator, [src], tmp_path / "out", options(use_gzip=use_gzip))
    (job,) = result.manifest["jobs"]
    assert job["state"] == "JobComplete" and job["records_processed"] == 400
    (abandoned,) = job["abandoned_jobs"]
    assert abandoned["state"] == "Aborted" and abandoned["job_id"] != job["job_id"]
    puts = emulator.stats.find("PUT", "/batches")
    assert {p.path.split("/")[-2] for p in puts} == {abandoned["job_id"], job["job_id"]}
    assert len(puts) == 2  # one PUT per job
    assert count(emulator) == 400


def test_a_401_mid_run_is_refreshed_once_and_every_job_completes(emulator: Any, tmp_path: Path) -> None:
    token = oauth_refreshing_token(emulator.instance_url)
    expired = threading.Event()

    def expire_on_first_poll(event: JobEvent) -> bool:
        if event.kind is EventKind.PROCESSING and not expired.is_set():
            expired.set()
            emulator.expire_tokens()
        return False

    files = [write_accounts(tmp_path / f"f{n}.csv", n * 100, 10) for n in range(6)]
    with connect(emulator, token) as conn:
        result = load(
            emulator, files, tmp_path / "out", conn=conn, recorder=Recorder(trigger=expire_on_first_poll)
        )
    assert expired.is_set()
    assert result.ok and len(result.outcomes) == 6
    assert token.refresh_count == 1  # one renewal, whichever workers met the 401
    assert result.manifest["accounting"]["balanced"]
    # A part still streaming its upload when the session expired cannot send it again: its job is aborted
    # and the part goes to a new job. How many parts were uploading then is timing (4 uploads at once,
    # a busy machine); what matters is that every extra job was aborted before processing anything.
    abandoned = [a["job_id"] for job in result.manifest["jobs"] for a in job["abandoned_jobs"]]
    assert emulator.stats.jobs_created == 6 + len(abandoned)
    with connect(emulator, token) as conn:
        for job_id in abandoned:
            info = bulk.get_job(conn, job_id)
            assert info.state == "Aborted" and info.records_processed == 0, info
    assert count(emulator, token=token) == 60


def test_a_429_storm_is_ridden_out(emulator: Any, tmp_path: Path) -> None:
    emulator.faults.add_status(429, method="GET", path="/jobs/ingest/", times=20, retry_after=0)
    emulator.faults.add_status(429, method="POST", path="/jobs/ingest$", times=3)
    emulator.faults.add_status(429, method="PATCH", path="/jobs/ingest/", times=3)
    files = [write_accounts(tmp_path / f"f{n}.csv", n * 100, 10) for n in range(4)]
    result = load(emulator, files, tmp_path / "out")
    assert result.ok
    assert emulator.stats.jobs_created == 4
    throttled = [r for r in emulator.stats.find() if r.status == 429]
    assert len(throttled) == 26
    assert count(emulator) == 40


def test_cancel_stops_queued_parts_and_leaves_running_jobs_alone(emulator: Any, tmp_path: Path) -> None:
    emulator.faults.stall_jobs = -1
    cancel = CancelToken()
    rec = Recorder(trigger=lambda e: e.kind is EventKind.PROCESSING)
    files = [write_accounts(tmp_path / f"f{n}.csv", n * 100, 10) for n in range(3)]

    def cancel_when_polling() -> None:
        rec.seen.wait(10)
        cancel.cancel(abort_jobs=False)

    threading.Thread(target=cancel_when_polling, daemon=True).start()
    result = load(
        emulator, files, tmp_path / "out", options(max_concurrent_jobs=1), recorder=rec, cancel=cancel
    )
    states = [o.state for o in result.outcomes]
    assert states == [JobState.CANCELLED] * 3
    running = result.outcomes[0]
    assert running.job_id is not None and all(o.job_id is None for o in result.outcomes[1:])
    assert emulator.stats.jobs_created == 1
    with connect(emulator) as conn:
        assert bulk.get_job(conn, running.job_id).state == "InProgress"
    assert result.manifest["totals"]["unprocessed"] == 30
    assert result.manifest["accounting"]["balanced"]


def test_cancel_with_abort_aborts_the_job_and_still_fetches_its_results(
    emulator: Any, tmp_path: Path
) -> None:
    emulator.faults.stall_jobs = -1
    cancel = CancelToken()

    def on_poll(event: JobEvent) -> bool:
        if event.kind is EventKind.PROCESSING:
            cancel.cancel(abort_jobs=True)
        return False

    src = write_accounts(tmp_path / "accounts.csv", 1, 10)
    result = load(emulator, [src], tmp_path / "out", recorder=Recorder(trigger=on_poll), cancel=cancel)
    (job,) = result.manifest["jobs"]
    assert job["state"] == "Aborted"
    assert run_file(result.run_dir, job["unprocessed_file"]).exists()
    assert job["records_processed"] + job["records_unprocessed"] == 10
    assert result.manifest["accounting"]["balanced"]


def test_an_abort_mid_job_counts_what_the_org_processed_before_it(tmp_path: Path) -> None:
    """The abort answer carries no counts (as in Salesforce): they come from reading the job after it."""
    config = EmulatorConfig(db_path=tmp_path / "org.sqlite3", rows_per_second=400, batch_size=20)
    with EmulatorServer(config) as org:
        cancel = CancelToken()

        def on_poll(event: JobEvent) -> bool:
            if event.kind is EventKind.PROCESSING and event.records_processed > 0:
                cancel.cancel(abort_jobs=True)
            return False

        src = write_accounts(tmp_path / "accounts.csv", 1, 2000)
        result = load(org, [src], tmp_path / "out", recorder=Recorder(trigger=on_poll), cancel=cancel)
        loaded = count(org)
    (job,) = result.manifest["jobs"]
    assert job["state"] == "Aborted"
    assert 0 < job["records_processed"] < 2000
    assert job["records_processed"] == loaded == count_records(run_file(result.run_dir, job["success_file"]))
    assert job["records_unprocessed"] == 2000 - loaded
    assert result.manifest["totals"]["success"] == loaded
    assert result.manifest["accounting"] == {"balanced": True, "unaccounted": 0}


def test_an_unanswered_close_is_checked_before_closing_again(emulator: Any, tmp_path: Path) -> None:
    emulator.faults.add_status(503, method="PATCH", path="/jobs/ingest/", times=1)
    src = write_accounts(tmp_path / "accounts.csv", 1, 10)
    result = load(emulator, [src], tmp_path / "out")
    assert result.ok and emulator.stats.jobs_created == 1
    job_id = result.outcomes[0].job_id
    calls = [(r.method, r.status) for r in emulator.stats.find(path_contains=f"/jobs/ingest/{job_id}")]
    patch_503 = calls.index(("PATCH", 503))
    assert calls[patch_503 + 1] == ("GET", 200) and calls[patch_503 + 2] == ("PATCH", 200)


def test_a_used_up_api_limit_stops_the_parts_not_yet_started(emulator: Any, tmp_path: Path) -> None:
    def limit_after_first_results(event: JobEvent) -> bool:
        if event.kind is EventKind.RESULTS_SAVED:
            emulator.faults.request_limit = True
        return False

    files = [write_accounts(tmp_path / f"f{n}.csv", n * 100, 5) for n in range(3)]
    rec = Recorder(trigger=limit_after_first_results)
    result = load(emulator, files, tmp_path / "out", options(max_concurrent_jobs=1), recorder=rec)
    states = [o.state for o in result.outcomes]
    assert states == [JobState.JOB_COMPLETE, JobState.ERROR, JobState.CANCELLED]
    assert "daily API request limit" in (result.outcomes[1].error_message or "")
    assert "daily API request limit" in (result.outcomes[2].error_message or "")
    assert emulator.stats.jobs_created == 1
    assert result.manifest["totals"]["unprocessed"] == 10
    assert result.manifest["accounting"]["balanced"]


def test_quoted_crlf_and_quotes_reach_the_org_byte_for_byte(emulator: Any, tmp_path: Path) -> None:
    value = 'first line\r\nsecond, with "quotes"\nthird'
    src = tmp_path / "accounts.csv"
    src.write_bytes(
        b'External_Id__c,Name,Description\nQ1,Quoted,"' + value.replace('"', '""').encode() + b'"\n'
    )
    load(emulator, [src], tmp_path / "out")
    with connect(emulator) as conn:
        records = conn.get_json(
            "query", params={"q": "SELECT Description FROM Account WHERE External_Id__c = 'Q1'"}
        )["records"]
    assert records[0]["Description"] == value


def test_no_token_reaches_the_logs_or_the_run_folder(
    emulator: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    emulator.faults.add_status(429, method="GET", path="/jobs/ingest/", times=2)
    src = write_accounts(tmp_path / "accounts.csv", 1, 5)
    rec = Recorder()
    result = load(emulator, [src], tmp_path / "out", recorder=rec)
    token = emulator.access_token
    assert token not in caplog.text and "Bearer" not in caplog.text
    assert not any(token in m for m in rec.messages())
    for path in result.run_dir.rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes()


def test_a_session_expiring_during_the_upload_renews_and_uses_a_new_job(
    emulator: Any, tmp_path: Path
) -> None:
    token = oauth_refreshing_token(emulator.instance_url)
    emulator.faults.add_status(401, method="PUT", path="/batches$", times=1)
    src = write_accounts(tmp_path / "accounts.csv", 1, 10)
    with connect(emulator, token) as conn:
        result = load(emulator, [src], tmp_path / "out", conn=conn)
    (job,) = result.manifest["jobs"]
    assert job["state"] == "JobComplete" and len(job["abandoned_jobs"]) == 1
    assert token.refresh_count == 1
    assert len(emulator.stats.find("PUT", f"/{job['abandoned_jobs'][0]['job_id']}/batches")) == 1


def test_a_file_changed_after_its_checks_is_not_sent(emulator: Any, tmp_path: Path) -> None:
    src = write_accounts(tmp_path / "accounts.csv", 1, 10)
    opts = options()
    checked = plan([src], opts)
    write_accounts(src, 1, 12)  # edited after the pre-flight
    with connect(emulator) as conn:
        result = run_load(conn, checked, opts, tmp_path / "out", Recorder(), CancelToken())
    (outcome,) = result.outcomes
    assert outcome.state is JobState.ERROR and "changed" in (outcome.error_message or "")
    assert emulator.stats.jobs_created == 0
    assert result.manifest["accounting"]["balanced"]


def test_concurrency_refusals_lower_the_number_of_parallel_jobs(emulator: Any, tmp_path: Path) -> None:
    busy = "ConcurrentRequests (Concurrent API Requests) Limit exceeded."
    emulator.faults.add_status(403, method="POST", path="/jobs/ingest$", times=2, message=busy)
    files = [write_accounts(tmp_path / f"f{n}.csv", n * 100, 5) for n in range(6)]
    rec = Recorder()
    result = load(emulator, files, tmp_path / "out", options(max_concurrent_jobs=4), recorder=rec)
    assert result.ok and emulator.stats.jobs_created == 6
    lowered = [m for m in rec.messages() if "refused concurrent requests" in m]
    assert lowered and "at most 3 jobs" in lowered[0]


def test_gzip_uploads_that_keep_breaking_get_a_last_uncompressed_try(emulator: Any, tmp_path: Path) -> None:
    emulator.faults.update({"drop_upload_after": 1000, "drop_upload_times": 2})
    src = write_accounts(tmp_path / "accounts.csv", 1, 400)
    result = load(emulator, [src], tmp_path / "out")
    (job,) = result.manifest["jobs"]
    assert job["state"] == "JobComplete" and job["gzip"] is False
    assert len(job["abandoned_jobs"]) == 2
    assert any("last try goes uncompressed" in n for n in job["notes"])
    puts = emulator.stats.find("PUT", "/batches")
    assert [p.content_encoding for p in puts] == ["gzip", "gzip", None]
