"""Ingest calls and describe against the emulator: paging, results on disk, abort/delete, field metadata."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest

from sfloader_gui.core.salesforce import bulk, describe
from sfloader_gui.core.salesforce.connection import RetryPolicy, SalesforceConnection
from sfloader_gui.core.salesforce.errors import NotFoundError

CSV = b'External_Id__c,Name\nA1,Acme\nA2,"Two\nlines"\n'


def finished_job(conn: SalesforceConnection, emulator: Any) -> bulk.JobInfo:
    job = bulk.create_upsert_job(conn, "Account", "External_Id__c")
    bulk.upload_job_data(conn, job, iter([gzip.compress(CSV)]), gzip=True)
    bulk.close_job(conn, job.id)
    with SalesforceConnection(emulator.instance_url, conn.token_provider) as poller:
        info = bulk.get_job(poller, job.id)
        while info.state not in ("JobComplete", "Failed"):
            info = bulk.get_job(poller, job.id)
    return info


def test_results_stream_to_disk_gzipped_and_never_overwrite(
    emulator: Any, conn: SalesforceConnection, tmp_path: Path
) -> None:
    info = finished_job(conn, emulator)
    assert (info.state, info.records_processed) == ("JobComplete", 2)
    saved, problems = bulk.download_all_results(conn, info.id, tmp_path / "job")
    assert not problems
    assert saved["success"].read_bytes().count(b'"true"') == 2
    assert saved["failed"].read_bytes() == b'"sf__Id","sf__Error",External_Id__c,Name\n'
    results = emulator.stats.find("GET", "Results")
    assert results and all(r.response_encoding == "gzip" for r in results)
    with pytest.raises(FileExistsError):
        bulk.download_results(conn, info.id, bulk.SUCCESS, saved["success"])


def test_aborting_a_finished_job_just_reports_it_and_delete_removes_it(
    emulator: Any, conn: SalesforceConnection
) -> None:
    info = finished_job(conn, emulator)
    assert bulk.abort_job(conn, info.id).state == "JobComplete"
    bulk.delete_job(conn, info.id)
    with pytest.raises(NotFoundError):
        bulk.get_job(conn, info.id)


def test_list_jobs_follows_every_page(emulator: Any, conn: SalesforceConnection) -> None:
    emulator.org.config.list_page_size = 2
    created = {bulk.create_upsert_job(conn, "Account", "External_Id__c").id for _ in range(5)}
    assert {j.id for j in bulk.list_jobs(conn)} == created
    assert len(emulator.stats.find("GET", "/jobs/ingest")) == 3


def test_describe_feeds_the_pickers(conn: SalesforceConnection) -> None:
    names = [o.name for o in describe.list_objects(conn)]
    assert "Account" in names
    account = describe.describe_object(conn, "Account")
    ext = account.field("external_id__c")  # case-insensitive, as Salesforce is
    assert ext is not None and ext.external_id and ext.createable and ext.type == "string"
    assert "External_Id__c" in [f.name for f in account.external_id_fields]
    parent = account.relationship("Parent")
    assert parent is not None and parent.reference_to == ("Account",)
    with pytest.raises(NotFoundError):
        describe.describe_object(conn, "NoSuchThing__c")


def test_backoff_has_full_jitter_and_retry_after_wins() -> None:
    policy = RetryPolicy(base_s=1.0, cap_s=8.0, max_retry_after_s=30.0)
    delays = [policy.delay(3, None) for _ in range(200)]
    assert min(delays) >= 0 and max(delays) <= 8.0 and len(set(delays)) > 100
    assert policy.delay(0, 12.0) >= 12.0
    assert policy.delay(0, 600.0) == 30.0
