"""Checklist items about the job resource itself: create, upload, close, abort, delete, list, errors."""

from __future__ import annotations

import gzip
import json
import re
import zlib
from pathlib import Path

import requests

from sfloader_gui.emulator import ids
from sfloader_gui.emulator.server import EmulatorConfig, EmulatorServer
from tests.emulator.client import Bulk

CSV = "External_Id__c,Name\nE-1,One\nE-2,Two\n"
TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")


def test_01_create_job_returns_open_jobinfo(emulator: EmulatorServer) -> None:
    r = Bulk(emulator).s.post(
        f"{emulator.instance_url}/services/data/v66.0/jobs/ingest/",
        json={"object": "Account", "operation": "upsert", "externalIdFieldName": "External_Id__c"},
    )
    assert r.status_code == 200
    info = r.json()
    assert list(info)[:7] == [
        "id",
        "operation",
        "object",
        "createdById",
        "createdDate",
        "systemModstamp",
        "state",
    ]
    assert info["state"] == "Open" and info["concurrencyMode"] == "Parallel" and info["contentType"] == "CSV"
    assert info["apiVersion"] == 66.0 and isinstance(info["apiVersion"], float)
    assert (info["lineEnding"], info["columnDelimiter"]) == ("LF", "COMMA")
    assert len(info["id"]) == 18 and info["id"].startswith("750") and ids.is_valid_id(info["id"])
    assert TS.match(info["createdDate"]) and TS.match(info["systemModstamp"])
    assert info["contentUrl"] == f"services/data/v66.0/jobs/ingest/{info['id']}/batches"


def test_02_create_errors_have_salesforce_bodies(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    r = bulk.create("Acount")
    assert r.status_code == 400
    assert r.json() == [{"errorCode": "INVALIDJOB", "message": "InvalidJob : Unable to find object: Acount"}]
    r = bulk.create(ext=None)
    assert r.json()[0]["message"] == (
        "InvalidJob : External ID was blank for Account. An External ID must be specified for upsert."
    )
    r = bulk.create(ext="Name")
    assert r.json()[0] == {
        "errorCode": "INVALIDJOB",
        "message": "InvalidJob : Field name provided, Name does not match an External ID, Salesforce Id, "
        "or indexed field for Account",
    }
    r = bulk.create(operation="merge")
    assert r.status_code == 400
    assert r.json() == [
        {"errorCode": "API_ERROR", "message": "Invalid value: 'merge' supplied for property: 'operation'"}
    ]


def test_03_external_id_only_for_upsert_and_rule_only_when_given(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    assert bulk.new_job()["externalIdFieldName"] == "External_Id__c"
    insert = bulk.new_job(operation="insert", ext=None)
    assert "externalIdFieldName" not in insert and "assignmentRuleId" not in insert
    ruled = bulk.new_job(operation="insert", ext=None, assignmentRuleId="01Q8d000000001AAA")
    assert ruled["assignmentRuleId"] == "01Q8d000000001AAA"


def test_04_multipart_create_processes_at_once(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    job = json.dumps({"object": "Account", "operation": "upsert", "externalIdFieldName": "External_Id__c"})
    r = bulk.s.post(
        bulk.jobs,
        files={
            "job": ("job", job, "application/json"),
            "content": ("content", CSV, "text/csv"),
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "UploadComplete"
    done = emulator.wait_job(r.json()["id"])
    assert (done.state, done.processed) == ("JobComplete", 2)
    assert bulk.count("Account") == 2


def test_05_put_returns_201_with_empty_body(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    r = bulk.put(bulk.new_job(), CSV)
    assert r.status_code == 201 and r.content == b""


def test_06_second_put_is_refused_and_first_upload_kept(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    job = bulk.new_job()
    bulk.put(job, CSV)
    r = bulk.put(job, "External_Id__c,Name\nE-3,Three\n")
    assert r.status_code == 400
    assert r.json() == [
        {
            "errorCode": "BULK_API_ERROR",
            "message": f"Found multipe contents for job: <{job['id']}>, please "
            "'Close' / 'Abort' / 'Delete' the "
            "current Job then create a new Job and make sure you only do 'PUT' once on a given Job.",
        }
    ]
    bulk.state(job["id"], "UploadComplete")
    assert emulator.wait_job(job["id"]).processed == 2


def test_07_put_on_a_closed_job_is_rejected(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    job = bulk.new_job()
    bulk.state(job["id"], "Aborted")
    r = bulk.put(job, CSV)
    assert r.status_code == 400 and r.json()[0]["errorCode"] == "INVALIDJOBSTATE"


def test_08_upload_over_the_size_limit_fails_its_job(tmp_path: Path) -> None:
    with EmulatorServer(EmulatorConfig(db_path=tmp_path / "o.db", upload_limit=400)) as org:
        bulk = Bulk(org)
        job = bulk.new_job()
        big = "External_Id__c,Name\n" + "".join(f"E-{i},Name {i}\n" for i in range(40))
        assert bulk.put(job, big).status_code == 201  # accepted on the wire, refused when processed
        bulk.state(job["id"], "UploadComplete")
        info = org.wait_job(job["id"])
        assert info.state == "Failed" and "Org max upload file size is 400 bytes" in (
            info.error_message or ""
        )
        ok = bulk.new_job()
        assert bulk.put(ok, CSV).status_code == 201


def test_09_gzip_and_deflate_request_bodies_are_decoded(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    for enc, body in (
        ("gzip", gzip.compress(CSV.encode())),
        ("deflate", zlib.compress(b"External_Id__c,Name\nE-3,Three\n")),
    ):
        job = bulk.new_job()
        assert bulk.put(job, body, **{"Content-Encoding": enc}).status_code == 201
        bulk.state(job["id"], "UploadComplete")
        assert emulator.wait_job(job["id"]).state == "JobComplete"
    assert bulk.count("Account") == 3
    assert [r.content_encoding for r in emulator.stats.find("PUT")] == ["gzip", "deflate"]


def test_10_upload_complete_returns_jobinfo_and_blocks_more_puts(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    job = bulk.new_job()
    bulk.put(job, CSV)
    r = bulk.state(job["id"], "UploadComplete")
    assert r.status_code == 200 and r.json()["state"] == "UploadComplete"
    assert bulk.put(job, CSV).status_code == 400


def test_11_states_progress_and_counts_grow(tmp_path: Path) -> None:
    cfg = EmulatorConfig(db_path=tmp_path / "o.db", batch_size=3, rows_per_second=300, start_delay=0.05)
    with EmulatorServer(cfg) as org:
        bulk = Bulk(org)
        job = bulk.new_job()
        bulk.put(job, "External_Id__c,Name\n" + "".join(f"E-{i},N{i}\n" for i in range(12)))
        bulk.state(job["id"], "UploadComplete")
        assert bulk.info(job["id"])["state"] == "UploadComplete"
        org.wait_job(job["id"], ("InProgress",))
        seen: list[int] = []
        registry = org.org.jobs  # type: ignore[union-attr]
        with registry.changed:
            while True:
                live = registry.jobs[job["id"]]
                if not seen or seen[-1] != live.processed:
                    seen.append(live.processed)
                if live.state == "JobComplete":
                    break
                registry.changed.wait(5)
        info = bulk.info(job["id"])
        assert (
            info["state"] == "JobComplete" and info["numberRecordsProcessed"] == 12 and info["retries"] == 0
        )
        assert seen == sorted(seen) and len(seen) >= 3 and all(n % 3 == 0 for n in seen)


def test_12_open_job_info_has_content_url_and_job_type(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    job = bulk.new_job()
    info = bulk.info(job["id"])
    assert info["contentUrl"] == job["contentUrl"] and info["jobType"] == "V2Ingest"
    assert "numberRecordsProcessed" not in info
    info = bulk.load(CSV)
    assert "contentUrl" not in info and info["jobType"] == "V2Ingest"


def test_13_abort_rules(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    job = bulk.new_job()
    r = bulk.state(job["id"], "Aborted")
    assert r.status_code == 200 and r.json()["state"] == "Aborted"
    done = bulk.load(CSV)
    r = bulk.state(done["id"], "Aborted")
    assert r.status_code == 400
    assert r.json() == [
        {"errorCode": "INVALIDJOBSTATE", "message": "Aborting already Completed Job not allowed"}
    ]


def test_14_delete_rules(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    open_job = bulk.new_job()
    assert bulk.s.delete(f"{bulk.jobs}/{open_job['id']}").status_code == 400
    done = bulk.load(CSV)
    r = bulk.s.delete(f"{bulk.jobs}/{done['id']}")
    assert r.status_code == 204 and r.content == b""
    r = bulk.s.get(f"{bulk.jobs}/{done['id']}")
    assert r.status_code == 404
    assert r.json() == [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]


def test_15_unknown_job_is_404_everywhere(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    fake = ids.make_id("750", 999999)
    for method, suffix in (("GET", ""), ("PATCH", ""), ("DELETE", ""), ("PUT", "/batches"),
                           ("GET", "/successfulResults"), ("GET", "/failedResults")):  # fmt: skip
        r = bulk.s.request(method, f"{bulk.jobs}/{fake}{suffix}", json={"state": "Aborted"})
        assert r.status_code == 404, (method, suffix)
        assert r.json()[0]["errorCode"] == "NOT_FOUND"


def test_16_missing_or_bad_token_is_401(emulator: EmulatorServer) -> None:
    url = f"{emulator.instance_url}/services/data/v66.0/jobs/ingest"
    for headers in ({}, {"Authorization": "Bearer 00Dxx!bogus"}):
        r = requests.get(url, headers=headers)
        assert r.status_code == 401
        assert r.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def test_17_limit_info_header_and_throttle_switch(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    first = bulk.s.get(bulk.jobs).headers["Sforce-Limit-Info"]
    second = bulk.s.get(bulk.jobs).headers["Sforce-Limit-Info"]
    assert re.fullmatch(r"api-usage=\d+/15000", first)
    assert int(second.split("=")[1].split("/")[0]) == int(first.split("=")[1].split("/")[0]) + 1
    emulator.faults.request_limit = True
    r = bulk.s.get(bulk.jobs)
    assert r.status_code == 403 and r.json()[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    emulator.faults.request_limit = False
    assert bulk.s.get(bulk.jobs).status_code == 200


def test_28_results_path_case_and_trailing_slash(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    done = bulk.load(CSV)
    for kind in ("unprocessedrecords", "unprocessedRecords", "unprocessedrecords/", "successfulResults/"):
        assert bulk.results(done["id"], kind).status_code == 200, kind


def test_29_gzip_results_only_when_asked(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    done = bulk.load(CSV)
    url = f"{bulk.jobs}/{done['id']}/successfulResults"
    auth = bulk.s.headers["Authorization"]
    raw = requests.get(url, headers={"Authorization": auth, "Accept-Encoding": "gzip"},
                       stream=True)  # fmt: skip
    assert raw.headers["Content-Encoding"] == "gzip"
    body = gzip.decompress(raw.raw.read())
    assert body.startswith(b'"sf__Id","sf__Created",External_Id__c,Name\n')
    plain = requests.get(
        url, headers={"Authorization": bulk.s.headers["Authorization"], "Accept-Encoding": "br"}
    )
    assert "Content-Encoding" not in plain.headers and plain.content == body


def test_30_list_pages_and_job_type_filter(tmp_path: Path) -> None:
    with EmulatorServer(EmulatorConfig(db_path=tmp_path / "o.db", list_page_size=2)) as org:
        bulk = Bulk(org)
        made = {bulk.new_job()["id"] for _ in range(5)}
        seen: list[str] = []
        url: str | None = bulk.jobs
        while url:
            page = bulk.s.get(url if url.startswith("http") else org.instance_url + url).json()
            assert len(page["records"]) <= 2
            seen += [j["id"] for j in page["records"]]
            url = None if page["done"] else page["nextRecordsUrl"]
        assert set(seen) == made and len(seen) == 5
        assert bulk.s.get(bulk.jobs, params={"jobType": "Classic"}).json()["records"] == []
        assert len(bulk.s.get(bulk.jobs, params={"jobType": "V2Ingest"}).json()["records"]) == 2


def test_31_forced_failure_leaves_unprocessed_rows(tmp_path: Path) -> None:
    cfg = EmulatorConfig(
        db_path=tmp_path / "o.db", batch_size=2, faults={"fail_jobs": 1, "fail_after_records": 2}
    )
    with EmulatorServer(cfg) as org:
        bulk = Bulk(org)
        data = "External_Id__c,Name\n" + "".join(f"E-{i},N{i}\n" for i in range(5))
        info = bulk.load(data)
        assert info["state"] == "Failed" and info["errorMessage"]
        assert info["numberRecordsProcessed"] == 2
        assert len(bulk.results(info["id"], "successfulResults").text.splitlines()) == 3
        assert (
            bulk.results(info["id"], "unprocessedrecords").text
            == "External_Id__c,Name\nE-2,N2\nE-3,N3\nE-4,N4\n"
        )
        assert bulk.load(data)["state"] == "JobComplete"  # only one job was set to fail


def test_32_old_jobs_expire(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    open_job = bulk.new_job()
    done = bulk.load(CSV)
    emulator.advance_clock(25 * 3600)
    assert bulk.info(open_job["id"])["state"] == "Failed"
    assert bulk.put(open_job, CSV).status_code == 400
    emulator.advance_clock(7 * 24 * 3600)
    assert bulk.s.get(f"{bulk.jobs}/{done['id']}").status_code == 404
