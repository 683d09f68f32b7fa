"""Pre-flight against the demo org's real describe (over HTTP): columns, keys, relationships, types."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sfloader_gui.core.load.plan import FilePlan, LoadPlan, plan_load
from sfloader_gui.core.load.preflight import preflight
from sfloader_gui.core.mapping.model import ColumnMap, Mapping
from sfloader_gui.core.models import LoadOptions
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.salesforce.describe import Describer
from sfloader_gui.core.salesforce.tokens import StaticToken


@pytest.fixture
def describer(emulator: Any) -> Iterator[Describer]:
    conn = SalesforceConnection(emulator.instance_url, StaticToken(emulator.access_token))
    yield Describer(conn)
    conn.close()


def planned(tmp_path: Path, text: str, obj: str = "Account", key: str = "External_Id__c") -> LoadPlan:
    path = tmp_path / f"{obj.lower()}.csv"
    path.write_text(text, encoding="utf-8")
    return plan_load([path], LoadOptions(object_name=obj, external_id_field=key))


def by_code(fp: FilePlan, code: str) -> list[str]:
    return [f.message for f in fp.findings if f.code == code]


def test_clean_file_has_no_findings(tmp_path: Path, describer: Describer) -> None:
    plan = planned(
        tmp_path,
        "External_Id__c,Name,AnnualRevenue,NumberOfEmployees,Industry,Parent.External_Id__c\n"
        "A1,Acme,1000.50,12,Banking,\nA2,Globex,,3,Energy,A1\n",
    )
    assert preflight(plan, describer("Account"), describer) == []
    assert not plan.files[0].blocked


def test_unknown_and_read_only_columns_block_the_file(tmp_path: Path, describer: Describer) -> None:
    plan = planned(tmp_path, "External_Id__c,Name,Nmae,CreatedDate,Phone\nA1,Acme,x,2024-01-01,1\n")
    findings = preflight(plan, describer("Account"), describer)
    fp = plan.files[0]
    assert fp.blocked
    (unknown,) = by_code(fp, "unknown_column")
    assert "account.csv" in unknown and "'Nmae'" in unknown and "Did you mean Account Name (Name)" in unknown
    (ro,) = by_code(fp, "read_only_column")
    assert "CreatedDate" in ro and "read-only" in ro
    assert {f.code for f in findings} == {"unknown_column", "read_only_column"}


def test_key_must_be_an_external_id_or_lookup_field(tmp_path: Path, describer: Describer) -> None:
    plan = planned(tmp_path, "Phone,Name\n1,A\n", key="Phone")
    preflight(plan, describer("Account"))
    (msg,) = by_code(plan.files[0], "not_an_external_id")
    assert "Phone is not an External ID field of Account" in msg and "External_Id__c" in msg
    plan = planned(tmp_path, "Nope__c,Name\n1,A\n", key="Nope__c")
    preflight(plan, describer("Account"))
    assert by_code(plan.files[0], "unknown_external_id_field")


def test_relationship_columns(tmp_path: Path, describer: Describer) -> None:
    text = "External_Id__c,LastName,Account.Phone,Acount.External_Id__c\nC1,Doe,1,2\n"
    plan = planned(tmp_path, text, obj="Contact")
    preflight(plan, describer("Contact"), describer)
    fp = plan.files[0]
    (parent,) = by_code(fp, "parent_not_external_id")
    assert "contact.csv" in parent and "'Account.Phone'" in parent and "External_Id__c" in parent
    (rel,) = by_code(fp, "unknown_relationship")
    assert "'Acount'" in rel


def test_a_required_field_not_mapped_blocks_unless_rows_only_update(
    tmp_path: Path, describer: Describer
) -> None:
    plan = planned(tmp_path, "External_Id__c,Phone\nA1,1\n")
    findings = preflight(plan, describer("Account"))
    assert [f.code for f in findings] == ["required_missing"]
    assert findings[0].severity == "error" and "Name (Account Name)" in findings[0].message
    assert "--allow-missing-required" in findings[0].message and plan.files[0].blocked
    path = plan.files[0].path
    options = LoadOptions(
        object_name="Account", external_id_field="External_Id__c", allow_missing_required=True
    )
    plan = plan_load([path], options)
    findings = preflight(plan, describer("Account"))
    assert [(f.code, f.severity) for f in findings] == [("required_missing", "warning")]
    assert not plan.files[0].blocked


def test_the_external_id_must_be_mapped(tmp_path: Path, describer: Describer) -> None:
    """The key is found by the mapping: a column the header check missed, or a key column left out."""
    plan = planned(tmp_path, "Ref,Account Name\nA1,Acme\nA2,Beta\nA1,Gamma\n")
    assert by_code(plan.files[0], "no_external_id_column")  # the header alone does not name it
    path = plan.files[0].path
    auto = preflight(plan, describer("Account"))
    assert {f.code for f in auto} == {"unknown_column", "external_id_not_mapped"}
    assert not by_code(plan.files[0], "no_external_id_column")
    (msg,) = by_code(plan.files[0], "external_id_not_mapped")
    assert "External_Id__c is not mapped: no column" in msg
    mapped = Mapping((ColumnMap("Ref", "External_Id__c", "user"), ColumnMap("Account Name", "Name", "label")))
    preflight(plan, describer("Account"), mappings={path: mapped})
    fp = plan.files[0]
    assert fp.key_column == 0 and not by_code(fp, "no_external_id_column")
    (dupes,) = by_code(fp, "duplicate_external_id")  # the mapped key column is checked for repeats
    assert "'A1' in records 1 and 3" in dupes
    ignored = mapped.with_target("Ref", None)
    preflight(plan, describer("Account"), mappings={path: ignored})
    (msg,) = by_code(plan.files[0], "external_id_not_mapped")
    assert "the column 'Ref' is not sent" not in msg  # 'Ref' is not named like the key
    keyed = planned(tmp_path, "External_Id__c,Name\nA1,Acme\n")
    kpath = keyed.files[0].path
    preflight(
        keyed,
        describer("Account"),
        mappings={kpath: Mapping.identity(["External_Id__c", "Name"]).with_target("External_Id__c", None)},
    )
    (msg,) = by_code(keyed.files[0], "external_id_not_mapped")
    assert "the column 'External_Id__c' is not sent" in msg and keyed.files[0].blocked


def test_a_workbook_duplicate_key_is_reported_once(tmp_path: Path, describer: Describer) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = tmp_path / "dupes.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["External_Id__c", "Name"], ["D1", "Acme"], ["D2", "Beta"], ["D1", "Gamma"], ["", "Delta"]):
        ws.append(row)
    wb.save(book)
    plan = plan_load([book], LoadOptions(object_name="Account", external_id_field="External_Id__c"))
    preflight(plan, describer("Account"))
    codes = [f.code for f in plan.files[0].findings]
    assert codes.count("duplicate_external_id") == 1 and codes.count("blank_external_id") == 1, codes


def test_relationship_column_supplies_its_lookup(tmp_path: Path, describer: Describer) -> None:
    text = "Shipment_Number__c,Weight_Kg__c,Account__r.External_Id__c\nS1,2.5,A1\n"
    plan = planned(tmp_path, text, obj="Shipment__c", key="Shipment_Number__c")
    assert preflight(plan, describer("Shipment__c"), describer) == []


def test_values_that_cannot_be_sent_block_the_file_with_their_records(
    tmp_path: Path, describer: Describer
) -> None:
    """Issue 11: values are checked over the whole file and converted; what cannot be sent blocks."""
    text = (
        "Shipment_Number__c,Weight_Kg__c,Ship_Date__c,Insured__c,Status__c,Delivered_At__c\n"
        "S1,2.5,2024-05-31,true,Planned,2024-05-31T10:00:00Z\n"
        "S2,7.25,31/05/2024,maybe,Lost,2024-02-30 10:00\n"
        "S3,abc,2024-13-01,1,Delivered,\n"
    )
    plan = planned(tmp_path, text, obj="Shipment__c", key="Shipment_Number__c")
    findings = preflight(plan, describer("Shipment__c"), describer)
    assert plan.files[0].blocked and all(f.severity == "error" for f in findings)
    got = {(f.code, f.message.split("'")[1], tuple(f.records)) for f in findings}
    assert got == {
        ("bad_value", "Weight_Kg__c", (3,)),
        ("bad_value", "Ship_Date__c", (3,)),  # 31/05/2024 is a day-first date: converted
        ("bad_value", "Insured__c", (2,)),
        ("unknown_picklist_value", "Status__c", (2,)),
        ("bad_value", "Delivered_At__c", (2,)),
    }
    assert all("shipment__c.csv" in f.message for f in findings)


def test_first_rows_of_a_file_sent_as_it_is_still_get_type_warnings(
    tmp_path: Path, describer: Describer
) -> None:
    text = "Shipment_Number__c,Tracking_Url__c,Weight_Kg__c\nS1,x,2.5\nS2,y," + "9" * 30 + "\n"
    plan = planned(tmp_path, text, obj="Shipment__c", key="Shipment_Number__c")
    findings = preflight(plan, describer("Shipment__c"), describer)
    assert {f.code for f in findings} <= {"type_mismatch"}
    assert not plan.files[0].blocked


def test_preflight_again_replaces_its_findings(tmp_path: Path, describer: Describer) -> None:
    plan = planned(tmp_path, "External_Id__c,Nmae\nA1,x\n")
    preflight(plan, describer("Account"))
    preflight(plan, describer("Account"))
    assert [f.code for f in plan.files[0].findings].count("unknown_column") == 1


def test_blocked_files_are_skipped(tmp_path: Path, describer: Describer) -> None:
    plan = planned(tmp_path, "External_Id__c,Nmae\n")
    assert preflight(plan, describer("Account")) == []
    assert [f.code for f in plan.files[0].findings] == ["header_only"]


def test_polymorphic_prefix_naming_an_unknown_object(tmp_path: Path, describer: Describer) -> None:
    plan = planned(
        tmp_path, "External_Id__c,LastName,Nothing__x:Account.External_Id__c\nC1,Doe,A1\n", obj="Contact"
    )
    preflight(plan, describer("Contact"), describer)
    (msg,) = by_code(plan.files[0], "unknown_relationship")
    assert "'Nothing__x'" in msg and "contact.csv" in msg


def test_type_checks_read_past_the_first_block(tmp_path: Path, describer: Describer) -> None:
    filler = "x" * 2000
    rows = "".join(f"S{i},1.5,{filler}\n" for i in range(400)) + "S400,heavy,y\n"
    plan = planned(
        tmp_path, "Shipment_Number__c,Weight_Kg__c,Name\n" + rows, obj="Shipment__c", key="Shipment_Number__c"
    )
    findings = preflight(plan, describer("Shipment__c"), sample_rows=1000)
    weight = [f for f in findings if "Weight_Kg__c" in f.message]
    assert weight and weight[0].records == [401]


def test_keys_differing_only_in_case_block_a_case_insensitive_external_id(
    tmp_path: Path, describer: Describer
) -> None:
    # Account.External_Id__c is unique and treats ABC and abc as one value (describe: caseSensitive false)
    plan = planned(tmp_path, "External_Id__c,Name\nabc-1,A\nB-2,B\nABC-1,C\nb-2,D\nC-3,E\n")
    preflight(plan, describer("Account"), describer)
    fp = plan.files[0]
    (message,) = by_code(fp, "duplicate_external_id_case")
    assert fp.blocked
    assert message.startswith("account.csv: 4 records have External IDs (External_Id__c) that differ only")
    assert "'abc-1' (record 1) and 'ABC-1' (record 3)" in message
    assert "one record in Salesforce" in message
    assert sorted(f.records for f in fp.findings if f.code == "duplicate_external_id_case")[0] == [1, 2, 3, 4]


def test_keys_differing_only_in_case_load_into_a_case_sensitive_external_id(
    tmp_path: Path, describer: Describer
) -> None:
    # Shipment__c.Shipment_Number__c is unique and case-sensitive: SN-1 and sn-1 are two records
    text = "Shipment_Number__c,Weight_Kg__c\nSN-1,1\nsn-1,2\n"
    plan = planned(tmp_path, text, obj="Shipment__c", key="Shipment_Number__c")
    assert preflight(plan, describer("Shipment__c"), describer) == []
    assert not plan.files[0].blocked


def test_the_exact_duplicate_message_does_not_claim_salesforce_would_reject_them(tmp_path: Path) -> None:
    plan = planned(tmp_path, "External_Id__c,Name\nA-1,x\nA-1,y\n")
    (message,) = by_code(plan.files[0], "duplicate_external_id")
    assert "would fail every row" not in message
    assert "batch of 200" in message and "keep one row per External ID" in message


def test_a_workbook_key_that_differs_only_in_case_is_a_duplicate(
    tmp_path: Path, describer: Describer
) -> None:
    """Account.External_Id__c treats ABC and abc as one value: a workbook's rows are compared, not its
    zip bytes (with the key's API name or its label as the header)."""
    openpyxl = pytest.importorskip("openpyxl")
    for header in (["External_Id__c", "Name"], ["External Id", "Account Name"]):
        book = tmp_path / f"case_{header[0]}.xlsx"
        wb = openpyxl.Workbook()
        ws = wb.active
        for row in (header, ["ab-1", "Acme"], ["AB-1", "Beta"], ["ab-2", "Gamma"]):
            ws.append(row)
        wb.save(book)
        plan = plan_load([book], LoadOptions(object_name="Account", external_id_field="External_Id__c"))
        preflight(plan, describer("Account"))
        (msg,) = by_code(plan.files[0], "duplicate_external_id_case")
        assert "'ab-1' (record 1) and 'AB-1' (record 2)" in msg, msg
    # An exact repeat is named once, by the repeat's finding alone (as in a CSV file).
    book = tmp_path / "both.xlsx"
    wb = openpyxl.Workbook()
    for row in (["External Id", "Account Name"], ["ab-1", "A"], ["ab-1", "B"], ["AB-1", "C"]):
        wb.active.append(row)
    wb.save(book)
    plan = plan_load([book], LoadOptions(object_name="Account", external_id_field="External_Id__c"))
    preflight(plan, describer("Account"))
    assert [f.code for f in plan.files[0].findings] == ["duplicate_external_id"]
