"""Checklist items about the data: header checks, CSV dialects, per-row validation, upsert semantics."""

from __future__ import annotations

import csv
import io

import pytest

from sfloader_gui.emulator.csvdata import DELIMITERS
from sfloader_gui.emulator.server import EmulatorServer
from tests.emulator.client import Bulk


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def failed(bulk: Bulk, job_id: str) -> list[list[str]]:
    return rows(bulk.results(job_id, "failedResults").text)[1:]


def test_18_unknown_header_fails_the_job_after_upload(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    job = bulk.new_job()
    assert bulk.put(job, "External_Id__c,Name,ContactId__c\nE-1,A,x\n").status_code == 201
    bulk.state(job["id"], "UploadComplete")
    emulator.wait_job(job["id"])
    info = bulk.info(job["id"])
    assert info["state"] == "Failed"
    assert info["errorMessage"] == "InvalidBatch : Field name not found : ContactId__c"
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (0, 0)


def test_19_line_ending_mismatch_fails_the_job(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    info = bulk.load("External_Id__c,Name\r\nE-1,A\r\n")
    assert info["state"] == "Failed"
    assert info["errorMessage"] == (
        "ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF"
    )
    info = bulk.load("External_Id__c,Name\nE-1,A\n", lineEnding="CRLF")
    assert info["errorMessage"].endswith("Current LineEnding setting is CRLF")
    assert bulk.load("External_Id__c,Name\r\nE-1,A\r\n", lineEnding="CRLF")["state"] == "JobComplete"


def test_20_bom_is_part_of_the_first_header_name(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    info = bulk.load("\ufeffExternal_Id__c,Name\nE-1,A\n")
    assert info["state"] == "Failed"
    assert info["errorMessage"] == "InvalidBatch : Field name not found : \ufeffExternal_Id__c"


@pytest.mark.parametrize("name", list(DELIMITERS))
def test_21_every_delimiter_and_rfc4180_quoting(emulator: EmulatorServer, name: str) -> None:
    bulk = Bulk(emulator)
    d = DELIMITERS[name]
    data = (
        f"External_Id__c{d}Name{d}Description\n"
        f'E-1{d}"Acme{d} ""Best"" Inc"{d}"line one\nline two"\n'
        f"E-2{d}Plain{d}x\n"
    )
    info = bulk.load(data, columnDelimiter=name)
    assert (info["state"], info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (
        "JobComplete",
        2,
        0,
    )
    rec = bulk.query("SELECT Name, Description FROM Account WHERE External_Id__c = 'E-1'")["records"][0]
    assert rec == {**rec, "Name": f'Acme{d} "Best" Inc', "Description": "line one\nline two"}


def test_21_space_before_opening_quote_fails_that_row(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    info = bulk.load('External_Id__c,Name\nE-1, "Smith"\nE-2,"Jones"\n')
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (2, 1)
    assert failed(bulk, info["id"])[0][2] == "E-1"


def test_22_required_field_missing_row(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    info = bulk.load("External_Id__c,Name,Phone\nE-1,,555\nE-2,Ok,\n")
    assert info["state"] == "JobComplete"
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (2, 1)
    assert failed(bulk, info["id"]) == [
        ["", "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --", "E-1", "", "555"]
    ]


def test_23_fieldless_errors_end_with_double_dash(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    info = bulk.load("External_Id__c,LastName,Account.External_Id__c\nC-1,Smith,NOPE\n", obj="Contact")
    err = failed(bulk, info["id"])[0][1]
    assert (
        err == "INVALID_FIELD:Foreign key external ID: NOPE not found for field External_Id__c "
        "in entity Account:--"
    )


def test_24_na_nulls_and_empty_keeps(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    bulk.load("External_Id__c,Name,Industry,NumberOfEmployees\nE-1,A,Banking,10\n")
    bulk.load("External_Id__c,Name,Industry,NumberOfEmployees\nE-1,,#N/A,\n")
    rec = bulk.query("SELECT Name, Industry, NumberOfEmployees FROM Account")["records"][0]
    assert (rec["Name"], rec["Industry"], rec["NumberOfEmployees"]) == ("A", None, 10)
    info = bulk.load("External_Id__c,Name\nE-1,#N/A\n")
    assert failed(bulk, info["id"])[0][1].startswith("REQUIRED_FIELD_MISSING:")


def test_25_upsert_created_flags_and_duplicates(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    first = bulk.load("External_Id__c,Name\nE-1,A\n")
    info = bulk.load("External_Id__c,Name\nE-1,A2\nE-2,B\nE-3,C\nE-3,C again\n")
    ok = rows(bulk.results(info["id"], "successfulResults").text)[1:]
    assert [(r[1], r[2]) for r in ok] == [("false", "E-1"), ("true", "E-2")]
    assert ok[0][0] == rows(bulk.results(first["id"], "successfulResults").text)[1][0]
    bad = failed(bulk, info["id"])
    assert [r[2] for r in bad] == ["E-3", "E-3"]
    assert all(r[1].startswith("DUPLICATE_VALUE:Duplicate external id specified: E-3") for r in bad)
    # Contact's external id is not unique: two stored records with one key make the upsert ambiguous
    bulk.load("External_Id__c,LastName\nC-1,One\n", obj="Contact", operation="insert", ext=None)
    bulk.load("External_Id__c,LastName\nC-1,Two\n", obj="Contact", operation="insert", ext=None)
    info = bulk.load("External_Id__c,LastName\nC-1,Three\n", obj="Contact")
    assert failed(bulk, info["id"])[0][1].startswith("DUPLICATE_EXTERNAL_ID:")


def test_26_relationship_columns(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    bulk.load("External_Id__c,Name\nA-1,Parent\n")
    info = bulk.load(
        "External_Id__c,LastName,Account.External_Id__c\nC-1,Kid,A-1\nC-2,Lost,A-404\n", obj="Contact"
    )
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (2, 1)
    rec = bulk.query("SELECT LastName, Account.Name FROM Contact WHERE External_Id__c = 'C-1'")["records"][0]
    assert rec["Account"]["Name"] == "Parent"
    # polymorphic syntax: required on Task.Who / Task.What, refused on Contact.Account
    bulk.load("External_Id__c,LastName,Company,Email\nL-1,Lee,Lee Inc,lee@example.com\n", obj="Lead")
    task = bulk.load(
        "External_Id__c,Subject,Lead:Who.Email,Account:What.External_Id__c\nT-1,Call,lee@example.com,A-1\n",
        obj="Task",
    )
    assert (task["state"], task["numberRecordsFailed"]) == ("JobComplete", 0)
    rec = bulk.query("SELECT Who.LastName, What.Name FROM Task")["records"][0]
    assert (rec["Who"]["LastName"], rec["What"]["Name"]) == ("Lee", "Parent")
    bare = bulk.load("External_Id__c,Who.Email\nT-2,lee@example.com\n", obj="Task")
    assert bare["errorMessage"] == "InvalidBatch : type is needed for polymorphic foreign key references: Who"
    poly = bulk.load("External_Id__c,LastName,Account:Account.External_Id__c\nC-3,X,A-1\n", obj="Contact")
    assert poly["state"] == "Failed"
    assert poly["errorMessage"] == (
        "InvalidBatch : type is not needed for non polymorphic foreign key references: Account"
    )


def test_27_result_files_exact_shape(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    info = bulk.load("External_Id__c,Name,AnnualRevenue\nE-1,A,912260031\nE-2,,1\n")
    ok = bulk.results(info["id"], "successfulResults")
    assert ok.headers["Content-Type"] == "text/csv; charset=UTF-8"
    lines = ok.text.splitlines()
    assert lines[0] == '"sf__Id","sf__Created",External_Id__c,Name,AnnualRevenue'
    assert lines[1].endswith('"true","E-1","A","9.12260031E8"') and lines[1].startswith('"001')
    bad = bulk.results(info["id"], "failedResults").text.splitlines()
    assert bad == [
        '"sf__Id","sf__Error",External_Id__c,Name,AnnualRevenue',
        '"","REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --","E-2","","1"',
    ]
    clean = bulk.load("External_Id__c,Name\nE-3,C\n")
    assert bulk.results(clean["id"], "failedResults").text == '"sf__Id","sf__Error",External_Id__c,Name\n'
    assert bulk.results(clean["id"], "unprocessedrecords").text == "External_Id__c,Name\n"


def test_type_errors_use_salesforce_strings(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    bulk.load("External_Id__c,Name\nA-1,Parent\n")
    data = (
        "Shipment_Number__c,Account__r.External_Id__c,Status__c,Weight_Kg__c,Ship_Date__c,Tracking_Url__c\n"
        "S-1,A-1,Lost,1,2026-01-01,\n"
        "S-2,A-1,Planned,heavy,2026-01-01,\n"
        "S-3,A-1,Planned,1,2026-02-30,\n"
        f"S-4,A-1,Planned,1,2026-01-01,{'x' * 256}\n"
        "S-5,A-1,Planned,,2026-01-01,\n"
        "S-6,A-1,Planned,2.5,2026-01-01,\n"
    )
    info = bulk.load(data, obj="Shipment__c", ext="Shipment_Number__c")
    errs = {r[2]: r[1] for r in failed(bulk, info["id"])}
    assert errs["S-1"] == (
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:Status: bad value for restricted picklist field: "
        "Lost:Status__c --"
    )
    assert (
        errs["S-2"]
        == "INVALID_TYPE_ON_FIELD_IN_RECORD:Weight (kg): value not of required type: heavy:Weight_Kg__c --"
    )
    assert errs["S-3"].startswith(
        "INVALID_TYPE_ON_FIELD_IN_RECORD:Ship Date: value not of required type: 2026-02-30"
    )
    assert errs["S-4"].startswith("STRING_TOO_LONG:Tracking URL: data value too large: xxx")
    assert errs["S-4"].endswith("(max length=255):Tracking_Url__c --")
    assert errs["S-5"] == "REQUIRED_FIELD_MISSING:Required fields are missing: [Weight_Kg__c]:Weight_Kg__c --"
    assert "S-6" not in errs


def test_lookup_ids_must_exist(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    parent = bulk.load("External_Id__c,Name\nA-1,Parent\n")
    pid = rows(bulk.results(parent["id"], "successfulResults").text)[1][0]
    info = bulk.load(
        f"External_Id__c,LastName,AccountId\nC-1,Ok,{pid[:15]}\nC-2,Ghost,001000000000000AAA\nC-3,Bad,003xyz\n",
        obj="Contact",
    )
    errs = {r[2]: r[1] for r in failed(bulk, info["id"])}
    assert errs == {
        "C-2": "INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--",
        "C-3": "MALFORMED_ID:Account ID: id value of incorrect type: 003xyz:AccountId --",
    }
    rec = bulk.query("SELECT AccountId FROM Contact WHERE External_Id__c = 'C-1'")["records"][0]
    assert rec["AccountId"] == pid


def test_number_columns_check_range_and_type_on_every_path(emulator: EmulatorServer) -> None:
    """Plain digits and numbers skip the converter call; everything else must still fail as before."""
    bulk = Bulk(emulator)
    data = (
        "External_Id__c,Name,NumberOfEmployees,AnnualRevenue\n"
        "N-1,A,12345678,468098000.00\n"
        "N-2,B,123456789,1\n"
        "N-3,C,+7,1e18\n"
        "N-4,D,3.5,1\n"
        "N-5,E,1,nan\n"
        "N-6,F,1,abc\n"
        "N-7,G,007,-0.0005\n"
    )
    info = bulk.load(data)
    errs = {r[2]: r[1] for r in failed(bulk, info["id"])}
    assert errs == {
        "N-2": "NUMBER_OUTSIDE_VALID_RANGE:Employees: value outside of valid range on numeric field: "
        "123456789:NumberOfEmployees --",
        "N-3": "NUMBER_OUTSIDE_VALID_RANGE:Annual Revenue: value outside of valid range on numeric field: "
        "1e18:AnnualRevenue --",
        "N-4": "INVALID_TYPE_ON_FIELD_IN_RECORD:Employees: value not of required type: "
        "3.5:NumberOfEmployees --",
        "N-5": "NUMBER_OUTSIDE_VALID_RANGE:Annual Revenue: value outside of valid range on numeric field: "
        "nan:AnnualRevenue --",
        "N-6": "INVALID_TYPE_ON_FIELD_IN_RECORD:Annual Revenue: value not of required type: "
        "abc:AnnualRevenue --",
    }
    ok = {r[2]: r for r in rows(bulk.results(info["id"], "successfulResults").text)[1:]}
    assert ok["N-1"][4:] == ["12345678", "4.68098E8"]
    assert ok["N-7"][4:] == ["007", "-5.0E-4"]
