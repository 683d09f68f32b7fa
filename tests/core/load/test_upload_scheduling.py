"""Issue 12, client side: uploads on the wire are capped apart from jobs in flight, so a Developer Edition
org's limit of 5 long-running calls is never hit; an org that ignored Content-Encoding gets the part again
uncompressed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sfloader_gui.core.models import DEFAULT_CONCURRENT_UPLOADS, ConfigError, LoadOptions
from sfloader_gui.core.salesforce.orgstate import gzip_refused_by
from sfloader_gui.emulator.server import EmulatorConfig, EmulatorServer
from tests.core.load.loadkit import Recorder, connect, count, load, options, write_big_accounts

PART = 60_000  # bytes per part: 15 parts of the file below


@pytest.fixture
def developer_org(tmp_path: Path) -> Iterator[EmulatorServer]:
    """A Developer Edition org behind a slow link: each upload of a part is a long-running call."""
    config = EmulatorConfig(
        db_path=tmp_path / "dev.sqlite3", profile="developer", long_request_seconds=0.2,
        faults={"bandwidth": 150_000},  # bytes/s per call: a 60 kB part takes about 0.4 s
    )  # fmt: skip
    with EmulatorServer(config) as org:
        yield org


def test_a_developer_org_load_of_fifteen_large_parts_over_a_slow_link_meets_no_refusal(
    developer_org: EmulatorServer, tmp_path: Path
) -> None:
    src = write_big_accounts(tmp_path / "big.csv", 3_850)
    opts = options(use_gzip=False, part_size_bytes=PART, max_concurrent_jobs=15)
    assert opts.max_concurrent_uploads == DEFAULT_CONCURRENT_UPLOADS == 4
    with connect(developer_org) as conn:
        result = load(developer_org, [src], tmp_path / "out", opts, conn=conn)
        peak = conn.wire.peak
    jobs = result.manifest["jobs"]
    assert len(jobs) == 15
    assert all(j["state"] == "JobComplete" and j["abandoned_jobs"] == [] for j in jobs)
    assert result.ok and result.manifest["totals"]["success"] == 3_850
    stats = developer_org.stats
    assert stats.concurrent_refusals == 0  # the org never had to refuse a call
    assert 2 <= stats.max_long_requests <= 4  # uploads did overlap, never more than the cap
    assert peak == 4
    assert count(developer_org) == 3_850


def test_without_the_upload_cap_the_same_load_runs_into_the_orgs_limit(
    developer_org: EmulatorServer, tmp_path: Path
) -> None:
    # the contrast: 15 uploads at once over the same link exceed the 5 long-running calls allowed
    src = write_big_accounts(tmp_path / "big.csv", 3_850)
    opts = options(use_gzip=False, part_size_bytes=PART, max_concurrent_uploads=15)
    load(developer_org, [src], tmp_path / "out", opts)
    assert developer_org.stats.concurrent_refusals > 0


def test_uploads_at_once_is_checked_like_parallel_jobs() -> None:
    with pytest.raises(ConfigError, match="Uploads at once must be between 1 and 15"):
        LoadOptions("Account", "External_Id__c", max_concurrent_uploads=16)


def test_a_gzip_job_the_org_could_not_read_is_sent_again_uncompressed_and_remembered(
    emulator: Any, tmp_path: Path
) -> None:
    emulator.faults.ignore_content_encoding = True  # the org keeps the compressed bytes as they came
    src = write_big_accounts(tmp_path / "big.csv", 400)
    rec = Recorder()
    first = load(emulator, [src], tmp_path / "out", options(use_gzip=True), recorder=rec)
    (job,) = first.manifest["jobs"]
    assert job["state"] == "JobComplete" and job["gzip"] is False
    assert job["records_processed"] == 400 and job["records_failed"] == 0
    (abandoned,) = job["abandoned_jobs"]
    assert abandoned["state"] == "Failed" and abandoned["job_id"] != job["job_id"]
    assert abandoned["reason"].startswith("gzip upload unreadable: ")
    assert any("ignore Content-Encoding" in n for n in job["notes"])
    assert first.manifest["accounting"]["balanced"] and first.ok
    assert gzip_refused_by(emulator.instance_url)
    # the next load to this org goes uncompressed from the start: one job, no gzip on the wire
    emulator.stats.reset()
    second = load(emulator, [src], tmp_path / "out", options(use_gzip=True))
    assert second.manifest["jobs"][0]["abandoned_jobs"] == []
    assert [p.content_encoding for p in emulator.stats.find("PUT", "/batches")] == [None]
    assert count(emulator) == 400


def test_a_gzip_job_failing_for_another_reason_is_not_sent_again(emulator: Any, tmp_path: Path) -> None:
    emulator.faults.update({"fail_jobs": 1, "fail_after_records": 0})  # not a header or line-ending error
    src = write_big_accounts(tmp_path / "big.csv", 50)
    result = load(emulator, [src], tmp_path / "out", options(use_gzip=True))
    (job,) = result.manifest["jobs"]
    assert job["state"] == "Failed" and job["gzip"] is True and job["abandoned_jobs"] == []
    assert emulator.stats.jobs_created == 1
    assert not gzip_refused_by(emulator.instance_url)


def test_the_manifest_records_the_gzip_level_the_run_used(emulator: Any, tmp_path: Path) -> None:
    src = write_big_accounts(tmp_path / "big.csv", 2_000)
    result = load(emulator, [src], tmp_path / "out", options(use_gzip=True))
    (job,) = result.manifest["jobs"]
    assert job["gzip"] is True and job["gzip_level"] in (1, 4, 6)
    assert sum(job["gzip_levels"].values()) == src.stat().st_size  # every raw byte, header included once
    compression = result.manifest["compression"]
    assert compression["gzip_level"] == job["gzip_level"]
    assert compression["raw_bytes_by_level"] == job["gzip_levels"]
    assert emulator.stats.find("PUT", "/batches")[0].content_encoding == "gzip" and result.ok
