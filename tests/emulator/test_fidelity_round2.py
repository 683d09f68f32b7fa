"""Fidelity round 2 (issue 12): concurrent long calls, 200-record transactions, key case, stored gzip,
and the texts real orgs answer with — each proven over HTTP."""

from __future__ import annotations

import csv
import gzip
import io
import threading
from pathlib import Path

import pytest
import requests

from sfloader_gui.emulator.server import EmulatorConfig, EmulatorServer
from tests.emulator.client import Bulk

CONCURRENT = [
    {
        "errorCode": "REQUEST_LIMIT_EXCEEDED",
        "message": "ConcurrentRequests (Concurrent API Requests) Limit exceeded.",
    }
]


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _slow_uploads(org: EmulatorServer, n: int) -> list[threading.Thread]:
    """n uploads on their own connections, each lasting about a second under the bandwidth cap."""
    body = ("External_Id__c,Name\n" + "".join(f"E-{i},Name {i}\n" for i in range(3000))).encode()
    org.faults.bandwidth = len(body)  # bytes/s: about one second per upload
    jobs = [Bulk(org).new_job() for _ in range(n)]
    statuses: list[int] = []

    def put(job: dict[str, str]) -> None:
        statuses.append(Bulk(org).put(job, body).status_code)

    threads = [threading.Thread(target=put, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    return threads


@pytest.mark.parametrize(("profile", "limit"), [("developer", 5), ("production", 25)])
def test_concurrent_long_calls_are_limited_per_org_profile(tmp_path: Path, profile: str, limit: int) -> None:
    config = EmulatorConfig(db_path=tmp_path / "o.db", profile=profile, long_request_seconds=0.3)
    with EmulatorServer(config) as org:
        bulk = Bulk(org)
        job = bulk.new_job()
        threads = _slow_uploads(org, 5)
        org.wait_long_requests(5)  # five uploads have now been running for longer than the threshold
        r = bulk.s.get(f"{bulk.jobs}/{job['id']}")
        if limit == 5:
            assert r.status_code == 403 and r.json() == CONCURRENT
            assert r.headers["Sforce-Limit-Info"].startswith("api-usage=")
        else:
            assert r.status_code == 200
        for t in threads:
            t.join()
        assert bulk.s.get(f"{bulk.jobs}/{job['id']}").status_code == 200  # the long calls ended
        assert org.stats.max_long_requests == 5
        assert org.stats.concurrent_refusals == (1 if limit == 5 else 0)
        assert [r.status for r in org.stats.find("PUT")] == [201] * 5


def test_short_calls_are_never_limited(tmp_path: Path) -> None:
    config = EmulatorConfig(db_path=tmp_path / "o.db", profile="developer", long_request_seconds=5)
    with EmulatorServer(config) as org:
        bulk = Bulk(org)
        job = bulk.new_job()
        results: list[int] = []

        def poll() -> None:
            s = requests.Session()
            s.headers["Authorization"] = "Bearer " + org.access_token
            results.extend(s.get(f"{bulk.jobs}/{job['id']}").status_code for _ in range(5))

        threads = [threading.Thread(target=poll) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [200] * 60 and org.stats.concurrent_refusals == 0


def _accounts(keys: list[str]) -> str:
    return "External_Id__c,Name\n" + "".join(f"{k},Name {i}\n" for i, k in enumerate(keys))


@pytest.mark.parametrize("batch_size", [10_000, 7])
def test_a_key_repeated_in_a_later_transaction_updates_the_earlier_record(
    tmp_path: Path, batch_size: int
) -> None:
    # 201 records, the first and the last with one key: 200 inserted, then the 201st updates the first
    keys = [f"K-{i}" for i in range(200)] + ["K-0"]
    with EmulatorServer(EmulatorConfig(db_path=tmp_path / "o.db", batch_size=batch_size)) as org:
        bulk = Bulk(org)
        info = bulk.load(_accounts(keys))
        assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (201, 0)
        ok = _rows(bulk.results(info["id"], "successfulResults").text)[1:]
        assert [r[1] for r in ok].count("true") == 200
        first, last = ok[0], ok[-1]
        assert (last[1], last[2], last[0]) == ("false", "K-0", first[0])
        assert bulk.count("Account") == 200
        assert bulk.query("SELECT Name FROM Account WHERE External_Id__c = 'K-0'")["records"][0]["Name"] == (
            "Name 200"
        )


@pytest.mark.parametrize("batch_size", [10_000, 3])
def test_a_key_repeated_inside_one_transaction_fails_every_such_row(tmp_path: Path, batch_size: int) -> None:
    keys = ["D-1", "D-2", "D-3", "D-4", "D-1", "D-5"]
    with EmulatorServer(EmulatorConfig(db_path=tmp_path / "o.db", batch_size=batch_size)) as org:
        bulk = Bulk(org)
        info = bulk.load(_accounts(keys))
        assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (6, 2)
        bad = _rows(bulk.results(info["id"], "failedResults").text)[1:]
        assert [r[1] for r in bad] == [
            "DUPLICATE_VALUE:Duplicate external id specified: D-1:External_Id__c --"
        ] * 2
        assert bulk.count("Account") == 4


def test_external_id_case_follows_the_fields_case_sensitive_flag(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    flags = {}
    for obj, name in (("Account", "External_Id__c"), ("Shipment__c", "Shipment_Number__c")):
        fields = bulk.s.get(f"{bulk.base}/sobjects/{obj}/describe/").json()["fields"]
        flags[obj] = next(f for f in fields if f["name"] == name)
        assert flags[obj]["unique"] and flags[obj]["externalId"]
    assert flags["Account"]["caseSensitive"] is False and flags["Shipment__c"]["caseSensitive"] is True

    # case-insensitive unique key: "abc-1" finds the record stored as "ABC-1"; "x-1"/"X-1" are one key
    bulk.load(_accounts(["ABC-1"]))
    info = bulk.load(_accounts(["abc-1", "x-1", "X-1"]))
    ok = _rows(bulk.results(info["id"], "successfulResults").text)[1:]
    assert [(r[1], r[2]) for r in ok] == [("false", "abc-1")]
    bad = _rows(bulk.results(info["id"], "failedResults").text)[1:]
    assert [r[2] for r in bad] == ["x-1", "X-1"]
    assert all(r[1].startswith("DUPLICATE_VALUE:Duplicate external id specified: ") for r in bad)
    assert bulk.count("Account") == 1

    # case-sensitive unique key: "sn-1" is a different record from "SN-1"
    ship = "Shipment_Number__c,Weight_Kg__c\n"
    bulk.load(ship + "SN-1,1\n", obj="Shipment__c", ext="Shipment_Number__c")
    info = bulk.load(ship + "sn-1,2\nSn-1,3\n", obj="Shipment__c", ext="Shipment_Number__c")
    ok = _rows(bulk.results(info["id"], "successfulResults").text)[1:]
    assert [(r[1], r[2]) for r in ok] == [("true", "sn-1"), ("true", "Sn-1")]
    assert bulk.count("Shipment__c") == 3


def test_relationship_columns_follow_the_parent_keys_case_flag(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    bulk.load(_accounts(["PARENT-1"]))
    info = bulk.load(
        "Shipment_Number__c,Weight_Kg__c,Account__r.External_Id__c\nS-1,1,parent-1\n",
        obj="Shipment__c",
        ext="Shipment_Number__c",
    )
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (1, 0)


def test_an_org_that_ignores_content_encoding_fails_the_job_with_nothing_processed(
    emulator: EmulatorServer,
) -> None:
    emulator.faults.update({"ignore_content_encoding": True})
    bulk = Bulk(emulator)
    job = bulk.new_job()
    body = gzip.compress(_accounts([f"G-{i}" for i in range(500)]).encode(), compresslevel=6)
    assert bulk.put(job, body, **{"Content-Encoding": "gzip"}).status_code == 201
    assert bulk.state(job["id"], "UploadComplete").status_code == 200
    emulator.wait_job(job["id"])
    info = bulk.info(job["id"])
    assert info["state"] == "Failed"
    assert info["errorMessage"].startswith(
        ("InvalidBatch : Field name not found : ", "ClientInputError : LineEnding is invalid on user data.")
    )
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (0, 0)
    assert bulk.count("Account") == 0
    # the same upload without the header-ignoring fault loads as usual
    emulator.faults.clear()
    job = bulk.new_job()
    assert bulk.put(job, body, **{"Content-Encoding": "gzip"}).status_code == 201
    bulk.state(job["id"], "UploadComplete")
    assert emulator.wait_job(job["id"]).state == "JobComplete"


def test_upsert_key_that_is_not_an_external_id_gets_the_long_wording(emulator: EmulatorServer) -> None:
    r = Bulk(emulator).create(ext="website")
    assert r.status_code == 400
    assert r.json() == [
        {
            "errorCode": "INVALIDJOB",
            "message": "InvalidJob : Field name provided, website does not match an External ID, "
            "Salesforce Id, or indexed field for Account",
        }
    ]


def test_values_in_row_errors_are_html_escaped(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    info = bulk.load(
        'Shipment_Number__c,Weight_Kg__c,Status__c\nS-1,1,Macy\'s\nS-2,x<1>&"y",Planned\n',
        obj="Shipment__c",
        ext="Shipment_Number__c",
    )
    errors = [r[1] for r in _rows(bulk.results(info["id"], "failedResults").text)[1:]]
    assert errors == [
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:Status: bad value for restricted picklist field: "
        "Macy&#39;s:Status__c --",
        "INVALID_TYPE_ON_FIELD_IN_RECORD:Weight (kg): value not of required type: "
        "x&lt;1&gt;&amp;&quot;y&quot;:Weight_Kg__c --",
    ]


def test_a_key_matching_several_records_names_the_field_label(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    for name in ("One", "Two"):  # Contact's External_Id__c is not unique
        bulk.load(f"External_Id__c,LastName\nC-1,{name}\n", obj="Contact", operation="insert", ext=None)
    stored = sorted(r["Id"] for r in bulk.query("SELECT Id FROM Contact")["records"])
    info = bulk.load("External_Id__c,LastName\nC-1,Three\n", obj="Contact")
    err = _rows(bulk.results(info["id"], "failedResults").text)[1][1]
    assert err == (
        "DUPLICATE_EXTERNAL_ID:External Id: more than one record found for external id field: "
        f"[{', '.join(stored)}]:External_Id__c --"
    )


def test_an_oversize_upload_is_accepted_and_its_job_fails(tmp_path: Path) -> None:
    with EmulatorServer(EmulatorConfig(db_path=tmp_path / "o.db", upload_limit=400)) as org:
        bulk = Bulk(org)
        job = bulk.new_job()
        assert bulk.put(job, _accounts([f"E-{i}" for i in range(40)])).status_code == 201
        assert bulk.state(job["id"], "UploadComplete").status_code == 200
        org.wait_job(job["id"])
        info = bulk.info(job["id"])
        assert info["state"] == "Failed"
        assert info["errorMessage"] == (
            "InvalidJob : Error encountered while processing job: Uploaded batch file size greater than max "
            "size. Org max upload file size is 400 bytes"
        )
        assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (0, 0)
        assert bulk.count("Account") == 0


def test_second_put_accepted_then_the_close_fails_when_so_configured(tmp_path: Path) -> None:
    with EmulatorServer(EmulatorConfig(db_path=tmp_path / "o.db", second_put="at_close")) as org:
        bulk = Bulk(org)
        job = bulk.new_job()
        assert bulk.put(job, _accounts(["E-1"])).status_code == 201
        assert bulk.put(job, _accounts(["E-2"])).status_code == 201
        r = bulk.state(job["id"], "UploadComplete")
        assert r.status_code == 400
        assert r.json() == [
            {
                "errorCode": "INVALIDJOB",
                "message": f"Found multipe contents for job: <{job['id']}>, please 'Close' / 'Abort' / "
                "'Delete' the current Job then create a new Job and make sure you only do 'PUT' once on a "
                "given Job.",
            }
        ]
        assert bulk.info(job["id"])["state"] == "Open"
        assert bulk.state(job["id"], "Aborted").status_code == 200
