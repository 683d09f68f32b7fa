"""Beyond the checklist: chunked uploads, other operations, query paging, API limit, restarts."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest

from sfloader_gui.emulator import worker
from sfloader_gui.emulator.server import EmulatorConfig, EmulatorServer
from tests.emulator.client import Bulk


def test_chunked_upload_plain_and_gzip(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    data = ("External_Id__c,Name\n" + "".join(f"E-{i},Name {i}\n" for i in range(3000))).encode()

    def pieces(blob: bytes) -> Iterator[bytes]:
        for i in range(0, len(blob), 4096):
            yield blob[i : i + 4096]

    for body, extra in ((data, {}), (gzip.compress(data), {"Content-Encoding": "gzip"})):
        job = bulk.new_job()
        r = bulk.s.put(f"{emulator.instance_url}/{job['contentUrl']}", data=pieces(body),
                       headers={"Content-Type": "text/csv", **extra})  # fmt: skip
        assert r.status_code == 201
        assert r.request.headers["Transfer-Encoding"] == "chunked"
        bulk.state(job["id"], "UploadComplete")
        assert emulator.wait_job(job["id"]).processed == 3000
    assert bulk.count("Account") == 3000


def test_insert_update_delete_operations(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    ins = bulk.load("Name,External_Id__c\nOne,E-1\nTwo,E-2\n", operation="insert", ext=None)
    ids = [
        line.split(",")[0].strip('"')
        for line in bulk.results(ins["id"], "successfulResults").text.splitlines()[1:]
    ]
    upd = bulk.load(f"Id,Name\n{ids[0]},Uno\n001000000000000AAA,Ghost\n", operation="update", ext=None)
    assert (upd["numberRecordsProcessed"], upd["numberRecordsFailed"]) == (2, 1)
    assert bulk.query(f"SELECT Name FROM Account WHERE Id = '{ids[0]}'")["records"][0]["Name"] == "Uno"
    dup = bulk.load("Name,External_Id__c\nAgain,E-2\n", operation="insert", ext=None)
    err = bulk.results(dup["id"], "failedResults").text.splitlines()[1]
    assert (
        f"DUPLICATE_VALUE:duplicate value found: External_Id__c duplicates value on record with id: {ids[1]}"
        in err
    )
    gone = bulk.load(f"Id\n{ids[0]}\n", operation="delete", ext=None)
    assert (gone["numberRecordsProcessed"], gone["numberRecordsFailed"]) == (1, 0)
    assert bulk.count("Account") == 1


def test_query_pages_with_next_records_url(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    bulk.load("External_Id__c,Name\n" + "".join(f"E-{i},N{i}\n" for i in range(2500)))
    first = bulk.query("SELECT External_Id__c FROM Account")
    assert first["totalSize"] == 2500 and not first["done"] and len(first["records"]) == 2000
    second = bulk.s.get(emulator.instance_url + first["nextRecordsUrl"]).json()
    assert second["done"] and len(second["records"]) == 500


def test_daily_api_limit(tmp_path: Path) -> None:
    with EmulatorServer(EmulatorConfig(db_path=tmp_path / "o.db", api_limit=3)) as org:
        bulk = Bulk(org)
        codes = [bulk.s.get(bulk.jobs).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 403]


def test_data_and_jobs_survive_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "org.db"
    cfg = EmulatorConfig(db_path=db, access_token="TOKEN")
    with EmulatorServer(cfg) as org:
        bulk = Bulk(org)
        done = bulk.load("External_Id__c,Name\nE-1,A\n")
        org.faults.stall_jobs = 1
        job = bulk.new_job()
        bulk.put(job, "External_Id__c,Name\nE-2,B\n")
        bulk.state(job["id"], "UploadComplete")
        org.wait_job(job["id"], ("InProgress",))
    with EmulatorServer(EmulatorConfig(db_path=db, access_token="TOKEN")) as org:
        bulk = Bulk(org)
        assert org.wait_job(job["id"]).state == "JobComplete"  # picked up again after the restart
        assert bulk.info(done["id"])["numberRecordsProcessed"] == 1
        assert bulk.count("Account") == 2
        again = bulk.load("External_Id__c,Name\nE-3,C\n")
        assert again["id"] not in (done["id"], job["id"])


def test_big_result_files_come_gzipped_from_a_cache(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    info = bulk.load(
        "External_Id__c,Name,Description\n" + "".join(f"E-{i},N{i},{'d' * 400}\n" for i in range(12000))
    )
    first = bulk.results(info["id"], "successfulResults", **{"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    lines = first.text.splitlines()
    assert len(lines) == 12001 and lines[1].endswith(f'"E-0","N0","{"d" * 400}"')
    again = bulk.results(info["id"], "successfulResults", **{"Accept-Encoding": "gzip"})
    assert again.content == first.content


def test_parallel_jobs_with_the_same_keys_never_duplicate_records(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    data = "External_Id__c,Name\n" + "".join(f"E-{i},N{i}\n" for i in range(3000))
    jobs = [bulk.new_job() for _ in range(3)]
    for job in jobs:
        bulk.put(job, data)
    for job in jobs:
        bulk.state(job["id"], "UploadComplete")
    finished = [emulator.wait_job(job["id"]) for job in jobs]
    assert [(j.processed, j.failed) for j in finished] == [(3000, 0)] * 3
    assert bulk.count("Account") == 3000
    assert emulator.stats.max_processing_jobs >= 2


def test_job_ids_are_not_reused_after_delete(tmp_path: Path) -> None:
    db = tmp_path / "org.db"
    with EmulatorServer(EmulatorConfig(db_path=db)) as org:
        bulk = Bulk(org)
        done = bulk.load("External_Id__c,Name\nE-1,A\n")
        bulk.s.delete(f"{bulk.jobs}/{done['id']}")
    with EmulatorServer(EmulatorConfig(db_path=db)) as org:
        assert Bulk(org).new_job()["id"] != done["id"]


def test_bench_mode_counts_records_with_quoted_newlines(tmp_path: Path) -> None:
    with EmulatorServer(EmulatorConfig(db_path=tmp_path / "o.db", count_only=True)) as org:
        bulk = Bulk(org)
        info = bulk.load('External_Id__c,Name\nE-1,"two\nlines"\nE-2,"a ""q"", b"\n')
        assert (info["state"], info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (
            "JobComplete",
            2,
            0,
        )
        assert bulk.count("Account") == 0  # bench mode stores nothing
        assert bulk.results(info["id"], "unprocessedrecords").text == "External_Id__c,Name\n"


def test_id_values_are_refused_on_insert(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    info = bulk.load("Id,Name\n001000000000001AAA,A\n,B\n", operation="insert", ext=None)
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (2, 1)
    err = bulk.results(info["id"], "failedResults").text.splitlines()[1]
    assert '"INVALID_FIELD_FOR_INSERT_UPDATE:cannot specify Id in an insert call:Id --"' in err


@pytest.mark.parametrize("held", [True, False], ids=["parsed-once", "key-pass"])
def test_duplicate_keys_fail_across_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, held: bool
) -> None:
    # small data is parsed once and held; big data (here: any) gets a key pass of its own first
    monkeypatch.setattr(worker, "IN_MEMORY_BYTES", worker.IN_MEMORY_BYTES if held else 0)
    with EmulatorServer(EmulatorConfig(db_path=tmp_path / "o.db", batch_size=2)) as org:
        bulk = Bulk(org)
        info = bulk.load("External_Id__c,Name\nE-1,A\nE-2,B\nE-3,C\nE-1,D\n")
        assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (4, 2)
        bad = bulk.results(info["id"], "failedResults").text.splitlines()[1:]
        assert all("DUPLICATE_VALUE:Duplicate external id specified: E-1" in line for line in bad)
        assert bulk.count("Account") == 2


def test_deleting_a_queued_job_stops_it_for_good(tmp_path: Path) -> None:
    db = tmp_path / "o.db"
    with EmulatorServer(EmulatorConfig(db_path=db, start_delay=0.2)) as org:
        bulk = Bulk(org)
        job = bulk.new_job()
        bulk.put(job, "External_Id__c,Name\nE-1,A\n")
        bulk.state(job["id"], "UploadComplete")
        assert bulk.s.delete(f"{bulk.jobs}/{job['id']}").status_code == 204
        assert org.org is not None
        org.org.processor.settle(job["id"])  # the queued worker wakes up and must find nothing to do
        assert bulk.s.get(f"{bulk.jobs}/{job['id']}").status_code == 404
        assert bulk.count("Account") == 0
    with EmulatorServer(EmulatorConfig(db_path=db)) as org:
        assert Bulk(org).s.get(f"{Bulk(org).jobs}/{job['id']}").status_code == 404


def test_api_usage_is_a_rolling_day(tmp_path: Path) -> None:
    with EmulatorServer(EmulatorConfig(db_path=tmp_path / "o.db", api_limit=2)) as org:
        bulk = Bulk(org)
        assert [bulk.s.get(bulk.jobs).status_code for _ in range(3)] == [200, 200, 403]
        org.advance_clock(24 * 3600 + 60)
        r = bulk.s.get(bulk.jobs)
        assert r.status_code == 200 and r.headers["Sforce-Limit-Info"] == "api-usage=1/2"
