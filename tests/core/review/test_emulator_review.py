"""Review and retry over real runs: the engine loads the emulator's bad sample files."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sfloader_gui.core.review.filters import RowFilter, apply_filter
from sfloader_gui.core.review.relaunch import launch_retry
from sfloader_gui.core.review.retry import Outcome, RetryOutcomes, write_retry_files
from sfloader_gui.core.review.session import ReviewSession
from sfloader_gui.core.review.sorting import column_values
from tests.core.review.emulator_runs import SAMPLES, connect, load, load_mapped, query

# What a user types to fix each bad shipment (Shipment_Number__c -> column -> value).
SHIPMENT_FIXES = {
    "SHP-00101": {"Status__c": "Returned"},
    "SHP-00103": {"Weight_Kg__c": "221.5"},
    "SHP-00104": {"Weight_Kg__c": "228.5"},
    "SHP-00105": {"Ship_Date__c": "2026-02-28"},
    "SHP-00107": {"Account__r.External_Id__c": "ACC-0008"},
}


def _source_row(name: str, key: str) -> int:
    with (SAMPLES / name).open(newline="", encoding="utf-8") as f:
        return next(i for i, row in enumerate(csv.reader(f)) if row and row[0] == key)


def test_bad_contacts_group_and_join_to_their_source_rows(emulator: Any, tmp_path: Path) -> None:
    with connect(emulator) as conn:
        load(conn, ["accounts.csv"], "Account", tmp_path)
        run = load(conn, ["bad_contacts.csv"], "Contact", tmp_path)
    session = ReviewSession(run.run_dir)
    assert session.problems == []
    assert session.row_count == 4 == run.manifest["totals"]["failed"]
    codes = {g.code: g.count for g in session.groups.compute()}
    assert codes == {
        "INVALID_FIELD": 1,
        "REQUIRED_FIELD_MISSING": 1,
        "INVALID_EMAIL_ADDRESS": 1,
        "INVALID_TYPE_ON_FIELD_IN_RECORD": 1,
    }
    for join in session.joins.values():
        join.build()
    for row in range(session.row_count):
        info = session.info(row)
        assert info.source == "bad_contacts.csv"
        assert info.source_row == _source_row("bad_contacts.csv", info.external_id)
        assert info.job_id.startswith("750")


def test_a_blocked_file_is_named_and_the_run_stays_reviewable(emulator: Any, tmp_path: Path) -> None:
    with connect(emulator) as conn:
        run = load(conn, ["bad_accounts.csv", "accounts.csv"], "Account", tmp_path)
    session = ReviewSession(run.run_dir)
    assert any("bad_accounts.csv was not sent" in p for p in session.problems)
    assert session.row_count == 0


def test_retry_with_fixes_brings_the_run_to_zero_failures(emulator: Any, tmp_path: Path) -> None:
    with connect(emulator) as conn:
        load(conn, ["accounts.csv"], "Account", tmp_path)
        run = load(conn, ["bad_shipments.csv"], "Shipment__c", tmp_path)
        session = ReviewSession(run.run_dir)
        assert session.row_count == 5
        raw_before = next(run.run_dir.glob("jobs/*/failed.csv")).read_bytes()
        for row in range(session.row_count):
            for column, value in SHIPMENT_FIXES[session.info(row).external_id].items():
                session.set_value(row, column, value)
        batches = write_retry_files(session, list(range(session.row_count)))
        retry = launch_retry(conn, session, batches)
        assert retry.manifest["retry_of"] == run.run_dir.name
        assert retry.manifest["totals"]["failed"] == 0 and retry.manifest["totals"]["success"] == 5
        assert (retry.run_dir / "sources" / batches[0].path.name).is_file()
        outcomes = RetryOutcomes(ReviewSession(run.run_dir))
        assert {outcomes.outcome(k)[0] for k in SHIPMENT_FIXES} == {Outcome.SUCCEEDED}  # type: ignore[index]
        stored = query(
            conn,
            "SELECT Shipment_Number__c, Status__c, Weight_Kg__c FROM Shipment__c "
            "WHERE Shipment_Number__c IN ('SHP-00101', 'SHP-00103', 'SHP-00104', 'SHP-00105', "
            "'SHP-00107')",
        )
        assert len(stored) == 5
        by_key = {r["Shipment_Number__c"]: r for r in stored}
        assert by_key["SHP-00101"]["Status__c"] == "Returned"
        assert float(by_key["SHP-00103"]["Weight_Kg__c"]) == 221.5
        every = query(
            conn, "SELECT Shipment_Number__c FROM Shipment__c WHERE Shipment_Number__c LIKE 'SHP-001%'"
        )
        assert len(every) == 8  # all eight rows of the bad file are now in the org
    assert next(run.run_dir.glob("jobs/*/failed.csv")).read_bytes() == raw_before  # raw file untouched


def test_unprocessed_rows_of_a_failed_job_are_reviewed_and_retried(emulator: Any, tmp_path: Path) -> None:
    with connect(emulator) as conn:
        load(conn, ["accounts.csv"], "Account", tmp_path)
        emulator.faults.update(
            {"fail_jobs": 1, "fail_after_records": 0}
        )  # next job: Failed, rows unprocessed
        run = load(conn, ["shipments.csv"], "Shipment__c", tmp_path)
        session = ReviewSession(run.run_dir)
        groups = session.groups.compute()
        unprocessed = run.manifest["totals"]["unprocessed"]
        assert unprocessed > 0
        assert [(g.code, g.count) for g in groups] == [("NOT_PROCESSED", unprocessed)]
        assert "the job ended Failed" in groups[0].message
        retry = launch_retry(conn, session, write_retry_files(session, list(range(session.row_count))))
        assert retry.manifest["totals"] == {**retry.manifest["totals"], "failed": 0, "unprocessed": 0}
        outcomes = RetryOutcomes(ReviewSession(run.run_dir))
        assert outcomes.succeeded == unprocessed
        stored = query(
            conn, "SELECT Shipment_Number__c FROM Shipment__c WHERE Shipment_Number__c LIKE 'SHP-%'"
        )
        assert len(stored) == 30  # every row of shipments.csv is in the org now


def test_formula_like_values_round_trip_through_a_real_run(emulator: Any, tmp_path: Path) -> None:
    from sfloader_gui.core.review.export import export_excel_safe, export_raw
    from tests.core.review.test_export import DANGEROUS

    # Not NUL (Salesforce's CSV reader has none) and not a lone CR: the emulator's reader ends a row at a
    # CR even inside quotes (reported to the emulator work); the fixture-based test covers both.
    dangerous = [v for v in DANGEROUS if "\0" not in v and "\r" not in v]
    source = tmp_path / "formulas.csv"
    with source.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["External_Id__c", "FirstName", "LastName", "Title"])
        w.writerows(
            [f"CON-F{i}", value, "", value] for i, value in enumerate(dangerous)
        )  # no LastName: fails
    from sfloader_gui.core.load.engine import run_load
    from sfloader_gui.core.load.plan import plan_load
    from sfloader_gui.core.models import CancelToken, LoadOptions

    options = LoadOptions("Contact", "External_Id__c", poll_interval_s=0.05)
    with connect(emulator) as conn:
        run = run_load(
            conn, plan_load([source], options), options, tmp_path / "runs", lambda _e: None, CancelToken()
        )
    session = ReviewSession(run.run_dir)
    assert session.row_count == len(dangerous)
    raw = export_raw(session, range(session.row_count), tmp_path / "raw.csv")
    assert raw[0].read_bytes() == next(run.run_dir.glob("jobs/*/failed.csv")).read_bytes()
    export_excel_safe(session, range(session.row_count), tmp_path / "excel.csv")
    with (tmp_path / "excel.csv").open(newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    titles = {r[header.index("External_Id__c")]: r[header.index("Title")] for r in rows[1:]}
    for i, value in enumerate(dangerous):
        expected = "'" + value if value[0] in "=+-@\t\r\n" else value
        assert titles[f"CON-F{i}"] == expected
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r", "\n")) for r in rows for c in r)


def test_a_semicolon_crlf_source_groups_and_joins(emulator: Any, tmp_path: Path) -> None:
    from sfloader_gui.core.load.engine import run_load
    from sfloader_gui.core.load.plan import plan_load
    from sfloader_gui.core.models import CancelToken, LoadOptions

    with (SAMPLES / "bad_contacts.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    source = tmp_path / "semicolons.csv"
    with source.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, delimiter=";", lineterminator="\r\n").writerows(rows)
    options = LoadOptions("Contact", "External_Id__c", poll_interval_s=0.05)
    with connect(emulator) as conn:
        load(conn, ["accounts.csv"], "Account", tmp_path)
        run = run_load(
            conn, plan_load([source], options), options, tmp_path / "runs", lambda _e: None, CancelToken()
        )
    session = ReviewSession(run.run_dir)
    for join in session.joins.values():
        join.build()
    found = {
        session.info(r).external_id: (session.info(r).source_row, session.info(r).error.code)
        for r in range(session.row_count)
    }
    assert found == {
        "CON-0101": (1, "INVALID_FIELD"),
        "CON-0103": (3, "REQUIRED_FIELD_MISSING"),
        "CON-0104": (4, "INVALID_EMAIL_ADDRESS"),
        "CON-0106": (6, "INVALID_TYPE_ON_FIELD_IN_RECORD"),
    }


def test_failed_rows_of_a_mapped_converted_file_join_to_their_source_rows(
    emulator: Any, tmp_path: Path
) -> None:
    """Issue 11: label headers, local formats, Windows-1252: failed rows still find their source rows."""
    from sfloader_gui.core.load.engine import run_load
    from sfloader_gui.core.load.plan import plan_load
    from sfloader_gui.core.load.preflight import preflight
    from sfloader_gui.core.models import CancelToken, LoadOptions
    from sfloader_gui.core.salesforce.describe import Describer

    source = tmp_path / "kontakte.csv"
    source.write_bytes(
        "External Id;Last Name;Birthdate;Email;Account External Id\r\n"
        "K1;Müller;31.12.1980;k1@example.com;ACC-0001\r\n"
        "K2;;01.02.1981;k2@example.com;ACC-0001\r\n"
        "K3;Groß;02.03.1982;not-an-email;ACC-0001\r\n".encode("cp1252")
    )
    options = LoadOptions("Contact", "External_Id__c", poll_interval_s=0.05)
    with connect(emulator) as conn:
        load(conn, ["accounts.csv"], "Account", tmp_path)
        plan = plan_load([source], options, encodings={source: "cp1252"})
        describer = Describer(conn)
        preflight(plan, describer("Contact"), describer)
        assert not plan.files[0].blocked, plan.findings
        run = run_load(conn, plan, options, tmp_path / "runs", lambda _e: None, CancelToken())
    session = ReviewSession(run.run_dir)
    for join in session.joins.values():
        assert join.build().value == "ready", join.message
    found = {session.info(r).external_id: session.info(r).source_row for r in range(session.row_count)}
    assert found == {"K2": 2, "K3": 3}


BUSINESS = (
    "Account Name,External Id,Customer Since,Annual Revenue,Active Customer,Internal Notes\r\n"
    'Acme,W1,12/31/2026,"$1,234.50",Yes,keep\r\n'
    ',W2,1/15/2026,"10,000",no,call back\r\n'
    ',W3,2/28/2026,7,Yes,"says ""hi"""\r\n'
)


def test_a_mapped_files_rows_show_its_own_columns_and_retry_converted_again(
    emulator: Any, tmp_path: Path
) -> None:
    """Issue 11: the file's headers (the ignored one too) and values, the value as sent beside a converted
    one; an edit in the file's format is converted by the retry as the first run converted the column."""
    source = tmp_path / "accounts_us.csv"
    source.write_bytes(BUSINESS.encode("cp1252"))
    with connect(emulator) as conn:
        run = load_mapped(conn, source, "Account", tmp_path, ignore=("Internal Notes",))
        session = ReviewSession(run.run_dir)
        assert session.columns == [
            "Account Name", "External Id", "Customer Since", "Annual Revenue", "Active Customer",
            "Internal Notes",
        ]  # fmt: skip
        before = session.info(0)
        assert not before.from_source  # the source is not read yet: the values as sent, under its headers
        assert session.values(0)[2] == "2026-01-15" and session.values(0)[5] == ""
        assert session.read_only_now(0)  # an edit waits for the file's own value
        session.build_joins()
        assert not session.read_only_now(0)
        rows = {session.info(r).external_id: r for r in range(session.row_count)}
        info, values = session.bundle(rows["W2"])
        assert info.from_source and info.source_row == 2
        assert values == ["", "W2", "1/15/2026", "10,000", "no", "call back"]
        assert info.sent == {2: "2026-01-15", 3: "10000", 4: "false"}
        assert session.values(rows["W3"])[5] == 'says "hi"'
        # Searching and sorting see the file's own values, the ignored column included.
        assert list(apply_filter(session, RowFilter(text="CALL BACK"))) == [rows["W2"]]
        assert list(apply_filter(session, RowFilter(text="2/28/2026"))) == [rows["W3"]]
        assert column_values(session, "Internal Notes") == ["call back", 'says "hi"']
        session.set_value(rows["W2"], "Account Name", "Fixed Co")
        session.set_value(rows["W2"], "Customer Since", "3/4/2026")  # alone either order: MDY as before
        batches = write_retry_files(session, [rows["W2"]])
        assert batches[0].transform is not None
        assert batches[0].path.read_text(encoding="utf-8").splitlines() == [
            "Account Name,External Id,Customer Since,Annual Revenue,Active Customer,Internal Notes",
            'Fixed Co,W2,3/4/2026,"10,000",no,call back',
        ]
        result = launch_retry(conn, session, batches)
        assert result.manifest["totals"]["failed"] == 0, result.manifest
        got = query(conn, "SELECT Name, Customer_Since__c, AnnualRevenue, Active__c FROM Account "
                          "WHERE External_Id__c = 'W2'")[0]  # fmt: skip
        assert (got["Name"], got["Customer_Since__c"], got["AnnualRevenue"], got["Active__c"]) == (
            "Fixed Co", "2026-03-04", 10000, False,
        )  # fmt: skip
        entry = result.manifest["files"][0]["transform"]
        assert entry is not None
        assert entry["ignored_columns"] == ["Internal Notes"]
        assert {c["column"]: c.get("choice") for c in entry["conversions"]}["Customer Since"] == "MDY"
        session.close()


def test_a_workbooks_failed_rows_show_its_cells_and_retry(emulator: Any, tmp_path: Path) -> None:
    """A workbook's rows are read back through the same reader (only the failed rows are kept)."""
    openpyxl = pytest.importorskip("openpyxl")
    book = tmp_path / "accounts.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["External Id", "Account Name", "Customer Since", "Active Customer", "Owner Notes"])
    ws.append(["B1", "Acme", date(2026, 12, 31), "Yes", "fine"])
    ws.append(["B2", None, date(2026, 1, 2), "No", "no name yet"])
    wb.save(book)
    with connect(emulator) as conn:
        run = load_mapped(conn, book, "Account", tmp_path, ignore=("Owner Notes",))
        session = ReviewSession(run.run_dir)
        session.build_joins()
        assert session.row_count == 1
        info, values = session.bundle(0)
        assert info.from_source and info.source_row == 2
        assert values == ["B2", "", "2026-01-02", "No", "no name yet"]
        assert info.sent == {3: "false"}
        session.set_value(0, "Account Name", "Named")
        result = launch_retry(conn, session, write_retry_files(session, [0]))
        assert result.manifest["totals"]["failed"] == 0, result.manifest
        got = query(conn, "SELECT Name, Active__c FROM Account WHERE External_Id__c = 'B2'")
        assert [(g["Name"], g["Active__c"]) for g in got] == [("Named", False)]
        session.close()
