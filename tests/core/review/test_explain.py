"""Failures in plain words: every common code gets a meaning and a fix; the named columns are found;
exports say what became of each row and can leave out the rows a retry loaded."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from sfloader_gui.core.review.errors import parse_error
from sfloader_gui.core.review.explain import error_columns, explain
from sfloader_gui.core.review.export import export_excel_safe
from sfloader_gui.core.review.relaunch import launch_retry
from sfloader_gui.core.review.retry import RetryOutcomes, write_retry_files
from sfloader_gui.core.review.session import ReviewSession
from tests.core.review.emulator_runs import connect, load

# sf__Error texts as Salesforce writes them (the first seven also come from the emulator).
REAL = {
    "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --": (
        "A required field is empty: LastName.",
        ["LastName"],
    ),
    "INVALID_EMAIL_ADDRESS:Email: invalid email address: not-an-email:Email --": (
        "Email is not a valid email address.",
        ["Email"],
    ),
    "INVALID_TYPE_ON_FIELD_IN_RECORD:Employees: value not of required type: 12.5:NumberOfEmployees --": (
        "Employees holds a value of the wrong kind",
        ["NumberOfEmployees"],
    ),
    "STRING_TOO_LONG:Billing City: data value too large: ABCDEFGHIJ (max length=40):BillingCity --": (
        "Billing City is longer than the field allows. Shorten it to at most 40 characters.",
        ["BillingCity"],
    ),
    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:Status: bad value for restricted picklist field: Lost at sea:"
    "Status__c --": ("Status is not one of the values its picklist allows.", ["Status__c"]),
    "INVALID_FIELD:Foreign key external ID: ACC-9999 not found for field External_Id__c in entity "
    "Account:--": (
        "The parent Account ACC-9999 does not exist in the org.",
        ["Account.External_Id__c"],
    ),
    "DUPLICATE_VALUE:Duplicate external id specified: ACC-0105:External_Id__c --": (
        "The same External ID appears on more than one row",
        ["External_Id__c"],
    ),
    "DUPLICATE_VALUE:duplicate value found: Code__c duplicates value on record with id: a015g00000ABCDE:--": (
        "Another record already has this value",
        [],
    ),
    "UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record or 1 records: 0015g00000XYZ:--": (
        "Salesforce was saving the same or a related record",
        [],
    ),
    "FIELD_CUSTOM_VALIDATION_EXCEPTION:Close date must be in the future:CloseDate --": (
        "A validation rule of your org refused the row",
        [],
    ),
    "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY:AccountTrigger: execution of BeforeInsert caused by: "
    "System.NullPointerException: Attempt to de-reference a null object: Trigger.AccountTrigger: line 3, "
    "column 1:--": ("An automation of your org (a trigger, flow or process) failed", []),
}
COLUMNS = ["External_Id__c", "LastName", "Email", "NumberOfEmployees", "BillingCity", "Status__c",
           "Account.External_Id__c", "Owner.External_Id__c"]  # fmt: skip


@pytest.mark.parametrize("text", list(REAL))
def test_each_common_code_has_a_meaning_a_fix_and_its_columns(text: str) -> None:
    error = parse_error(text)
    plain = explain(error)
    assert plain is not None
    meaning, columns = REAL[text]
    assert plain.line().startswith(meaning)
    assert plain.fix and plain.fix.endswith(".") and "\n" not in plain.line()
    assert error_columns(error, COLUMNS) == columns


def test_unknown_codes_keep_salesforce_text_only() -> None:
    assert explain(parse_error("SOME_NEW_CODE:Something else went wrong:--")) is None


def test_export_says_what_became_of_each_row_and_can_leave_out_the_fixed(
    emulator: Any, tmp_path: Path
) -> None:
    with connect(emulator) as conn:
        load(conn, ["accounts.csv"], "Account", tmp_path)
        run = load(conn, ["bad_shipments.csv"], "Shipment__c", tmp_path)
        session = ReviewSession(run.run_dir)
        fixes = {"SHP-00101": ("Status__c", "Returned"), "SHP-00105": ("Ship_Date__c", "2026-02-28")}
        for row in range(session.row_count):
            fix = fixes.get(session.info(row).external_id)
            if fix:
                session.set_value(row, *fix)
        launch_retry(conn, session, write_retry_files(session, list(range(session.row_count))))
    session = ReviewSession(run.run_dir)
    outcomes = RetryOutcomes(session)

    def export(name: str, skip_fixed: bool) -> dict[str, dict[str, str]]:
        dest = tmp_path / name
        export_excel_safe(session, range(session.row_count), dest, outcomes, skip_fixed=skip_fixed)
        with dest.open(newline="", encoding="utf-8-sig") as f:
            return {r["Shipment_Number__c"]: r for r in csv.DictReader(f)}

    every = export("all.csv", skip_fixed=False)
    assert {k: r["Outcome"] for k, r in every.items()} == {
        "SHP-00101": "Succeeded on retry", "SHP-00103": "Failed again", "SHP-00104": "Failed again",
        "SHP-00105": "Succeeded on retry", "SHP-00107": "Failed again",
    }  # fmt: skip
    assert every["SHP-00107"]["What it means"].startswith("The parent Account ACC-0000 does not exist")
    assert set(export("open.csv", skip_fixed=True)) == {"SHP-00103", "SHP-00104", "SHP-00107"}
