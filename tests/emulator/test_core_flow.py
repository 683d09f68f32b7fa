"""The minimal upsert path end to end over HTTP: create, PUT, close, poll, results, query."""

from __future__ import annotations

import csv
import io

import requests

from sfloader_gui.emulator.server import EmulatorServer
from tests.emulator.client import Bulk

DATA = 'External_Id__c,Name,Phone\nE-1,Acme,555\nE-2,"Globex, Inc",\nE-3,,1\n'


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_versions_need_no_auth(emulator: EmulatorServer) -> None:
    r = requests.get(f"{emulator.instance_url}/services/data/")
    assert r.status_code == 200
    assert {"label", "url", "version"} <= set(r.json()[-1])


def test_upsert_creates_then_updates_and_reports_rows(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    info = bulk.load(DATA)
    assert info["state"] == "JobComplete"
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (3, 1)
    ok = rows(bulk.results(info["id"], "successfulResults").text)
    assert ok[0] == ["sf__Id", "sf__Created", "External_Id__c", "Name", "Phone"]
    assert [r[1:] for r in ok[1:]] == [["true", "E-1", "Acme", "555"], ["true", "E-2", "Globex, Inc", ""]]
    bad = rows(bulk.results(info["id"], "failedResults").text)
    assert bad[1] == [
        "",
        "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --",
        "E-3",
        "",
        "1",
    ]
    assert bulk.count("Account") == 2

    again = bulk.load(DATA)
    ok2 = rows(bulk.results(again["id"], "successfulResults").text)
    assert [r[1] for r in ok2[1:]] == ["false", "false"]
    assert [r[0] for r in ok2[1:]] == [r[0] for r in ok[1:]]  # the same records were updated
    assert bulk.count("Account") == 2


def test_empty_cell_keeps_value_and_na_clears_it(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    bulk.load("External_Id__c,Name,Phone\nE-1,Acme,555\n")
    bulk.load("External_Id__c,Name,Phone\nE-1,Acme Renamed,\n")
    rec = bulk.query("SELECT Name, Phone FROM Account WHERE External_Id__c = 'E-1'")["records"][0]
    assert (rec["Name"], rec["Phone"]) == ("Acme Renamed", "555")
    bulk.load("External_Id__c,Name,Phone\nE-1,Acme Renamed,#N/A\n")
    rec = bulk.query("SELECT Phone FROM Account WHERE External_Id__c = 'E-1'")["records"][0]
    assert rec["Phone"] is None


def test_results_csv_shape_and_content_type(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    info = bulk.load('External_Id__c,Name\nE-9,"Say ""hi"""\n')
    r = bulk.results(info["id"], "successfulResults", **{"Accept-Encoding": "identity"})
    assert r.headers["Content-Type"] == "text/csv; charset=UTF-8"
    line = r.text.splitlines()[1]
    assert line.endswith(',"true","E-9","Say ""hi"""')
    assert bulk.results(info["id"], "failedResults").text == '"sf__Id","sf__Error",External_Id__c,Name\n'
    assert bulk.results(info["id"], "unprocessedrecords").text == "External_Id__c,Name\n"


def test_keep_alive_reuses_one_connection(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    bulk.load(DATA)
    adapter = bulk.s.get_adapter(emulator.instance_url)
    conns = list(adapter.poolmanager.pools._container.values())  # type: ignore[attr-defined]
    assert len(conns) == 1 and conns[0].num_connections == 1


def test_emulator_fixture_is_an_authenticated_org(emulator: EmulatorServer) -> None:
    r = requests.get(
        f"{emulator.instance_url}/services/data/v66.0/sobjects/", headers={"Authorization": "Bearer nope"}
    )
    assert r.status_code == 401
    assert r.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
