"""Business files through `sfloader`: label headers, local dates and amounts, cp1252, workbooks, .sdl.

Every check reads the records back through the emulator's REST query, record by record.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from sfloader_gui import cli
from tests.core.load.loadkit import connect

HEADER = (
    "Account Name,External Id,Customer Since,Last Review,Annual Revenue,Employees,"
    "Active Customer,Customer Tier,Discount %,Industry"
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def upsert(
    org: Any, *files: Path, obj: str = "Account", key: str = "External_Id__c", extra: tuple[str, ...] = ()
) -> list[str]:
    return ["upsert", *map(str, files), "--object", obj, "--external-id", key,
            "--instance-url", org.instance_url, "--access-token", org.access_token, "--poll-interval", "0.05",
            *extra]  # fmt: skip


def records(org: Any, soql: str) -> list[dict[str, Any]]:
    with connect(org) as conn:
        return list(conn.get_json("query", params={"q": soql})["records"])


FIELDS = (
    "External_Id__c, Name, Customer_Since__c, Last_Review__c, AnnualRevenue, NumberOfEmployees, "
    "Active__c, Tier__c, Discount__c"
)


def by_key(org: Any) -> dict[str, dict[str, Any]]:
    return {r["External_Id__c"]: r for r in records(org, f"SELECT {FIELDS} FROM Account")}


def test_a_us_file_with_labels_and_local_formats_loads_converted(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "us.csv"
    src.write_text(
        HEADER + "\n"
        'Acme,US1,12/31/2026,7/1/2026 1:05 PM,"$1,234.50",42.0,Yes,Gold,12.5%,Banking\n'
        'Globex,US2,1/2/2026,12/31/2026 23:59,"10,000",7,no,silver,3,Energy\n'
        "Initech,US3,2026-03-04,,,,,T3,,\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, *upsert(emulator, src, extra=("--time-zone", "America/New_York", "--json")))
    assert code == 0, err
    assert "'Account Name' -> Name" in err and "read as MDY (month first) (inferred" in err
    manifest = json.loads((Path(json.loads(out)["run_dir"]) / "manifest.json").read_text())
    sent = manifest["files"][0]["transform"]
    assert sent["sent_header"][:2] == ["Name", "External_Id__c"] and sent["ignored_columns"] == []
    rules = {r["column"]: r for r in sent["conversions"]}
    assert rules["Customer Since"] == {"column": "Customer Since", "field": "Customer_Since__c",
                                       "kind": "date", "choice": "MDY", "inferred": True}  # fmt: skip
    assert rules["Last Review"]["time_zone"] == "America/New_York"
    assert sent["choices"]["date_format"] == "auto"
    got = by_key(emulator)
    assert got["US1"]["Name"] == "Acme"
    assert got["US1"]["Customer_Since__c"] == "2026-12-31"
    assert got["US2"]["Customer_Since__c"] == "2026-01-02"
    assert got["US3"]["Customer_Since__c"] == "2026-03-04"
    assert got["US1"]["Last_Review__c"].startswith("2026-07-01T17:05:00")  # 13:05 EDT in UTC
    assert got["US2"]["Last_Review__c"].startswith("2027-01-01T04:59:00")
    assert got["US1"]["AnnualRevenue"] == 1234.5 and got["US2"]["AnnualRevenue"] == 10000
    assert got["US1"]["NumberOfEmployees"] == 42
    assert got["US1"]["Active__c"] is True and got["US2"]["Active__c"] is False
    assert [got[k]["Tier__c"] for k in ("US1", "US2", "US3")] == ["T1", "T2", "T3"]
    assert got["US1"]["Discount__c"] == 12.5


def test_a_european_cp1252_crlf_file_loads_converted(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "eu.csv"
    text = (
        "Account Name;External Id;Customer Since;Last Review;Annual Revenue;Employees;Active Customer;"
        "Customer Tier;Discount %;Industry\r\n"
        "Café Müller;EU1;31.12.2026;31.12.2026 13:05;1.234,50 €;42;Ja;Gold;12,5 %;Banking\r\n"
        "Société Générale;EU2;01.02.2026;01.02.2026 08:00;10.000;7;Nein;Bronze;3;Energy\r\n"
    )
    src.write_bytes(text.encode("cp1252"))
    code, _, err = run(capsys, *upsert(emulator, src))
    assert code == 2 and "--convert-from" in err
    code, _, err = run(
        capsys, *upsert(emulator, src, extra=("--convert-from", "cp1252", "--time-zone", "Europe/Berlin"))
    )
    assert code == 0, err
    got = by_key(emulator)
    assert got["EU1"]["Name"] == "Café Müller" and got["EU2"]["Name"] == "Société Générale"
    assert got["EU1"]["Customer_Since__c"] == "2026-12-31" and got["EU2"]["Customer_Since__c"] == "2026-02-01"
    assert got["EU1"]["Last_Review__c"].startswith("2026-12-31T12:05:00")
    assert got["EU1"]["AnnualRevenue"] == 1234.5 and got["EU2"]["AnnualRevenue"] == 10000
    assert got["EU1"]["Active__c"] is True and got["EU2"]["Active__c"] is False
    assert got["EU2"]["Tier__c"] == "T3" and got["EU1"]["Discount__c"] == 12.5
    assert src.read_bytes() == text.encode("cp1252")  # nothing rewritten on disk


def test_an_ambiguous_date_column_is_refused_then_loaded_with_a_format(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "amb.csv"
    src.write_text("External Id,Account Name,Customer Since\nA1,Acme,03/04/2026\nA2,Beta,05/06/2026\n")
    code, out, _ = run(capsys, *upsert(emulator, src, extra=("--json",)))
    assert code == 2
    doc = json.loads(out)
    assert "Customer Since" in doc["error"] and "--date-format" in doc["error"]
    assert doc["findings"][0]["code"] == "ambiguous_date"
    assert emulator.stats.jobs_created == 0
    code, _, err = run(capsys, *upsert(emulator, src, extra=("--date-format", "DMY")))
    assert code == 0, err
    assert by_key(emulator)["A1"]["Customer_Since__c"] == "2026-04-03"


def test_a_bad_value_on_record_5000_is_refused_before_any_job(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "big.csv"
    rows = [f'K{n},Name {n},{(n % 28) + 1}/{(n % 12) + 1}/2026,"{n:,}.50"' for n in range(1, 6001)]
    rows[4999] = 'K5000,Name 5000,31/13/2026,"5,000.50"'
    src.write_text("External Id,Account Name,Customer Since,Annual Revenue\n" + "\n".join(rows) + "\n")
    code, out, _ = run(capsys, *upsert(emulator, src, extra=("--json", "--date-format", "DMY")))
    assert code == 2
    message = json.loads(out)["error"]
    assert "big.csv" in message and "'Customer Since'" in message and "record 5,000" in message
    assert "31/13/2026" in message
    assert emulator.stats.jobs_created == 0


def test_an_unknown_restricted_picklist_value_is_refused(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "tier.csv"
    src.write_text(
        "External Id,Account Name,Customer Tier\nT1,Acme,Gold\nT2,Beta,Platinum\nT3,Gamma,Platinum\n"
    )
    code, _, err = run(capsys, *upsert(emulator, src))
    assert code == 2 and "'Platinum'" in err and "records 2 and 3" in err and "Tier__c" in err
    assert emulator.stats.jobs_created == 0


def test_a_scientific_notation_key_is_refused(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "sci.csv"
    src.write_text(
        "External Id,Account Name,Customer Since\n1.23457E+14,Acme,2026-01-01\n123456789012346,B,\n"
    )
    code, _, err = run(capsys, *upsert(emulator, src))
    assert code == 2 and "scientific notation" in err and "record 1" in err
    assert emulator.stats.jobs_created == 0


def test_lost_leading_zeros_are_a_warning(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "zip.csv"
    src.write_text("External Id,Account Name,Billing Zip/Postal Code\nZ1,A,02134\nZ2,B,2134\nZ3,C,90210\n")
    code, _, err = run(capsys, *upsert(emulator, src))
    assert code == 0, err
    assert "leading zeros" in err and "'2134' (record 2)" in err


def test_an_unmatched_column_is_refused_with_suggestions(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "odd.csv"
    src.write_text("External Id,Account Nam,Notes\nX1,Acme,hi\n")
    code, _, err = run(capsys, *upsert(emulator, src))
    assert code == 2 and "'Account Nam'" in err and "Did you mean Account Name (Name)" in err
    assert emulator.stats.jobs_created == 0


def test_skip_column_leaves_a_column_out_and_a_typo_in_it_is_refused(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "export.csv"
    src.write_text("External Id,Account Name,Internal note\nS1,Acme,call back\n")
    code, _, err = run(capsys, *upsert(emulator, src))
    assert code == 2 and "--skip-column 'Internal note' leaves it out" in err  # the advice, ready to paste

    code, _, err = run(capsys, *upsert(emulator, src, extra=("--skip-column", "Internal Notes")))
    assert code == 2 and "--skip-column 'Internal Notes': no file has such a column" in err
    assert emulator.stats.jobs_created == 0

    code, out, err = run(capsys, *upsert(emulator, src, extra=("--skip-column", "internal NOTE", "--json")))
    assert code == 0, err
    assert "columns not sent: 'Internal note'" in err
    manifest = json.loads((Path(json.loads(out)["run_dir"]) / "manifest.json").read_text())
    mapping = {m["column"]: (m["field"], m["how"]) for m in manifest["files"][0]["transform"]["mapping"]}
    assert mapping["Internal note"] == (None, "ignored") and mapping["Account Name"] == ("Name", "label")
    assert manifest["options"]["skip_columns"] == ["internal NOTE"]
    with connect(emulator) as conn:
        got = conn.get_json("query", params={"q": "SELECT Name FROM Account WHERE External_Id__c = 'S1'"})
    assert got["records"][0]["Name"] == "Acme"


def _xlsx(path: Path) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Accounts"
    ws.append(["External Id", "Account Name", "Customer Since", "Last Review", "Annual Revenue", "Employees",
               "Active Customer"])  # fmt: skip
    ws.append(["X1", "Acme", date(2026, 12, 31), datetime(2026, 7, 1, 13, 5), 1234.5, 42.0, True])
    ws.append(["X2", "Beta", date(2026, 1, 2), None, 10000, 7, "No"])
    other = wb.create_sheet("Other")
    other.append(["External Id", "Account Name"])
    other.append(["X9", "From the second sheet"])
    wb.save(path)
    return path


def test_a_workbook_with_date_and_number_cells_loads(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = _xlsx(tmp_path / "accounts.xlsx")
    code, _, err = run(capsys, *upsert(emulator, book, extra=("--time-zone", "UTC")))
    assert code == 0, err
    got = by_key(emulator)
    assert set(got) == {"X1", "X2"}
    assert got["X1"]["Customer_Since__c"] == "2026-12-31" and got["X2"]["Customer_Since__c"] == "2026-01-02"
    assert got["X1"]["Last_Review__c"].startswith("2026-07-01T13:05:00")
    assert got["X1"]["AnnualRevenue"] == 1234.5 and got["X1"]["NumberOfEmployees"] == 42
    assert got["X1"]["Active__c"] is True and got["X2"]["Active__c"] is False
    code, _, err = run(capsys, *upsert(emulator, book, extra=("--sheet", "Other")))
    assert code == 0, err
    assert by_key(emulator)["X9"]["Name"] == "From the second sheet"


def test_sdl_round_trip_and_a_hand_written_sdl_with_escapes(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "s.csv"
    src.write_text("External Id,Account Name,Note: internal,Industry\nS1,Acme,x,Banking\n")
    flags = ["--instance-url", emulator.instance_url, "--access-token", emulator.access_token]
    sdl = tmp_path / "written.sdl"
    code, out, err = run(capsys, "mapping", str(src), "--object", "Account", "--out", str(sdl), *flags)
    assert code == 2 and "Note: internal" in out and "needs a choice" in out  # still unmatched
    text = sdl.read_text("iso-8859-1")
    assert "Account\\ Name=Name" in text and "External\\ Id=External_Id__c" in text
    code, _, err = run(capsys, *upsert(emulator, src, extra=("--mapping", str(sdl))))
    assert code == 0, err
    assert "'Note: internal'" in err and "not sent" in err  # the .sdl does not list it, and the run says so
    hand = tmp_path / "hand.sdl"
    hand.write_text(
        "# Data Loader mapping\n! another comment\nExternal\\ Id=External_Id__c\nAccount\\ Name = Name\n"
        "Note\\:\\ internal=Description\nIndustry=\n",
        encoding="iso-8859-1",
    )
    code, out, err = run(capsys, *upsert(emulator, src, extra=("--mapping", str(hand), "--json")))
    assert code == 0, err
    manifest = json.loads((Path(json.loads(out)["run_dir"]) / "manifest.json").read_text())
    assert manifest["files"][0]["transform"]["ignored_columns"] == ["Industry"]
    row = records(emulator, "SELECT Name, Description, Industry FROM Account WHERE External_Id__c = 'S1'")[0]
    assert row["Description"] == "x" and row["Name"] == "Acme" and row["Industry"] == "Banking"


def test_a_utf16_file_is_read_as_it_is(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "utf16.csv"
    src.write_bytes("External Id\tAccount Name\r\nU1\tÅngström AB\r\n".encode("utf-16"))
    code, _, err = run(capsys, *upsert(emulator, src))
    assert code == 0, err
    assert (
        records(emulator, "SELECT Name FROM Account WHERE External_Id__c = 'U1'")[0]["Name"] == "Ångström AB"
    )


def test_the_business_samples_load_with_no_edit(
    emulator: Any, samples_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    samples = [
        ("accounts_business.csv", "Account", "External_Id__c", 10),
        ("contacts_business.csv", "Contact", "External_Id__c", 8),
        ("shipments_business.csv", "Shipment__c", "Shipment_Number__c", 12),
        ("shipments_business.xlsx", "Shipment__c", "Shipment_Number__c", 8),
    ]
    for name, obj, key, count in samples:
        code, out, err = run(capsys, *upsert(emulator, samples_dir / name, obj=obj, key=key,
                                             extra=("--convert-from", "cp1252", "--json")))  # fmt: skip
        assert code == 0, (name, err)
        totals = json.loads(out)["totals"]
        assert (totals["records"], totals["success"], totals["failed"]) == (count, count, 0), name
        assert name in (samples_dir / "README.md").read_text(encoding="utf-8")
    acc = records(emulator, "SELECT Name, AnnualRevenue, Customer_Since__c, Tier__c, Active__c FROM Account "
                            "WHERE External_Id__c = 'ACC-B001'")[0]  # fmt: skip
    assert acc == {**acc, "Name": "Müller & Söhne GmbH", "AnnualRevenue": 125000.5,
                   "Customer_Since__c": "2016-06-08", "Tier__c": "T2", "Active__c": True}  # fmt: skip
    con = records(emulator, "SELECT Birthdate, HasOptedOutOfEmail, AccountId FROM Contact "
                            "WHERE External_Id__c = 'CON-B003'")[0]  # fmt: skip
    assert con["Birthdate"] == "1973-04-13" and con["HasOptedOutOfEmail"] is True and con["AccountId"]
    shp = records(emulator, "SELECT Weight_Kg__c, Ship_Date__c, Insured__c, Declared_Value__c, Status__c "
                            "FROM Shipment__c WHERE Shipment_Number__c = 'SHP-B0002'")[0]  # fmt: skip
    assert (shp["Weight_Kg__c"], shp["Ship_Date__c"], shp["Insured__c"], shp["Declared_Value__c"]) == (
        2.5,
        "2026-03-03",
        False,
        2000.5,
    )
    xl = records(emulator, "SELECT Ship_Date__c, Weight_Kg__c, Insured__c FROM Shipment__c "
                           "WHERE Shipment_Number__c = 'SHP-X0001'")[0]  # fmt: skip
    assert (xl["Ship_Date__c"], xl["Weight_Kg__c"], xl["Insured__c"]) == ("2026-01-11", 2.4, True)


def test_retry_of_a_converted_file_applies_the_same_mapping_and_conversions(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "eu.csv"
    src.write_bytes(
        "External Id;Account Name;Customer Since;Annual Revenue\r\n"
        "R1;Café;31.12.2026;1.234,50\r\nR2;;01.02.2026;10,5\r\nR3;Bar;03.04.2026;7\r\n".encode("cp1252")
    )
    code, out, err = run(capsys, *upsert(emulator, src, extra=("--convert-from", "cp1252", "--json")))
    assert code == 1, err  # R2 has no Name: Salesforce refuses that row
    run_dir = json.loads(out)["run_dir"]
    assert by_key(emulator)["R1"]["Customer_Since__c"] == "2026-12-31"
    # The user fixes the source row (the file is theirs), then retries the failed rows only.
    src.write_bytes(src.read_bytes().replace(b"R2;;", b"R2;Fixed;"))
    flags = ["--instance-url", emulator.instance_url, "--access-token", emulator.access_token]
    code, out, err = run(capsys, "retry", run_dir, *flags, "--poll-interval", "0.05", "--json")
    assert code == 0, err
    assert json.loads(out)["totals"]["records"] == 1  # only the failed row was sent again
    got = by_key(emulator)["R2"]
    # 01.02.2026 alone could be either order: the retry reads it as the first run did (day first).
    assert (got["Name"], got["Customer_Since__c"], got["AnnualRevenue"]) == ("Fixed", "2026-02-01", 10.5)


def test_every_date_order_separator_time_form_and_checkbox_form(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """YMD, DMY and MDY with / . - separators and one-digit parts, times with seconds and AM/PM, and every
    checkbox form (y/n, 1/0, TRUE/false, x and blank), one file per locale in one run, record by record."""
    head = "External Id,Account Name,Customer Since,Last Review,Active Customer\n"
    files = {
        "ymd.csv": "Y1,A,2026/12/31,2026/12/31 23:59:59,y\nY2,B,2026.1.2,2026.01.02 7:08:09 AM,N\n",
        "dmy.csv": "D1,C,31-12-2026,31-12-2026 11:59 PM,1\nD2,D,1-2-2026,13-02-2026 00:00:00,0\n",
        "mdy.csv": "M1,E,12-31-2026,12/31/2026 12:30 AM,TRUE\nM2,F,1-2-2026,,false\n",
        "marks.csv": "X1,G,,,x\nX2,H,,,\n",
    }
    paths = []
    for name, rows in files.items():
        paths.append(tmp_path / name)
        paths[-1].write_text(head + rows, encoding="utf-8")
    code, out, err = run(capsys, *upsert(emulator, *paths, extra=("--time-zone", "UTC", "--json")))
    assert code == 0, err
    manifest = json.loads((Path(json.loads(out)["run_dir"]) / "manifest.json").read_text())
    orders = {
        Path(f["path"]).name: {r["column"]: r.get("choice") for r in f["transform"]["conversions"]}
        for f in manifest["files"]
    }
    assert [orders[n]["Customer Since"] for n in ("ymd.csv", "dmy.csv", "mdy.csv")] == ["YMD", "DMY", "MDY"]
    assert orders["marks.csv"]["Active Customer"] == "x"
    got = by_key(emulator)
    want = {
        "Y1": ("2026-12-31", "2026-12-31T23:59:59", True),
        "Y2": ("2026-01-02", "2026-01-02T07:08:09", False),
        "D1": ("2026-12-31", "2026-12-31T23:59:00", True),
        "D2": ("2026-02-01", "2026-02-13T00:00:00", False),
        "M1": ("2026-12-31", "2026-12-31T00:30:00", True),
        "M2": ("2026-01-02", None, False),
        "X1": (None, None, True),
        "X2": (None, None, False),
    }
    for key, (since, review, active) in want.items():
        rec = got[key]
        assert rec["Customer_Since__c"] == since, key
        assert (rec["Last_Review__c"] or "")[:19] == (review or ""), key
        assert rec["Active__c"] is active, key


def test_two_digit_years_are_refused_before_any_job(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "short.csv"
    src.write_text("External Id,Account Name,Customer Since\nS1,Acme,12/31/26\nS2,Beta,1/2/2026\n")
    code, out, _ = run(capsys, *upsert(emulator, src, extra=("--json",)))
    assert code == 2
    message = json.loads(out)["error"]
    assert "'Customer Since'" in message and "12/31/26" in message and "record 1" in message
    assert emulator.stats.jobs_created == 0


def test_an_ambiguous_number_column_is_refused_then_loaded_with_a_separator(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "amounts.csv"
    # 1,500 is 1500 with a decimal point and 1.5 with a decimal comma; no value of the column tells.
    src.write_text('External Id,Account Name,Annual Revenue\nN1,Acme,"1,500"\nN2,Beta,"2,250"\n')
    code, out, _ = run(capsys, *upsert(emulator, src, extra=("--json",)))
    assert code == 2
    doc = json.loads(out)
    assert "Annual Revenue" in doc["error"] and "--decimal-separator" in doc["error"]
    assert emulator.stats.jobs_created == 0
    code, _, err = run(capsys, *upsert(emulator, src, extra=("--decimal-separator", ",")))
    assert code == 0, err
    got = by_key(emulator)
    assert (got["N1"]["AnnualRevenue"], got["N2"]["AnnualRevenue"]) == (1.5, 2.25)


def test_the_manifest_records_each_files_mapping_conversions_and_ignored_columns(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two files, one run: per file its mapping, each conversion (given or inferred) and what was not sent."""
    us = tmp_path / "us.csv"
    us.write_text("External Id,Account Name,Customer Since,Annual Revenue,Internal Notes\n"
                  'G1,Acme,31/12/2026,"1,234.50",call\n')  # fmt: skip
    eu = tmp_path / "eu.csv"
    eu.write_text("External Id;Account Name;Customer Since;Annual Revenue;Kommentar\n"
                  "G2;Beta;01.02.2026;1.234,50;Rückruf\n", encoding="utf-8")  # fmt: skip
    sdl = tmp_path / "map.sdl"
    sdl.write_text("External\\ Id=External_Id__c\nAccount\\ Name=Name\nCustomer\\ Since=Customer_Since__c\n"
                   "Annual\\ Revenue=AnnualRevenue\n", encoding="iso-8859-1")  # fmt: skip
    extra = ("--mapping", str(sdl), "--date-format", "DMY", "--json")
    code, out, err = run(capsys, *upsert(emulator, us, eu, extra=extra))
    assert code == 0, err
    manifest = json.loads((Path(json.loads(out)["run_dir"]) / "manifest.json").read_text())
    files = {Path(f["path"]).name: f["transform"] for f in manifest["files"]}
    assert files["us.csv"]["ignored_columns"] == ["Internal Notes"]
    assert files["eu.csv"]["ignored_columns"] == ["Kommentar"]
    assert files["us.csv"]["mapping"] == [
        {"column": "External Id", "field": "External_Id__c", "how": "sdl"},
        {"column": "Account Name", "field": "Name", "how": "sdl"},
        {"column": "Customer Since", "field": "Customer_Since__c", "how": "sdl"},
        {"column": "Annual Revenue", "field": "AnnualRevenue", "how": "sdl"},
        {"column": "Internal Notes", "field": None, "how": "unlisted"},
    ]
    for name, separator in (("us.csv", "."), ("eu.csv", ",")):
        rules = {r["column"]: r for r in files[name]["conversions"]}
        assert rules["Customer Since"]["choice"] == "DMY" and rules["Customer Since"]["inferred"] is False
        assert rules["Annual Revenue"]["choice"] == separator and rules["Annual Revenue"]["inferred"] is True
        assert files[name]["choices"]["date_format"] == "DMY"
    got = by_key(emulator)
    assert (got["G1"]["Customer_Since__c"], got["G1"]["AnnualRevenue"]) == ("2026-12-31", 1234.5)
    assert (got["G2"]["Customer_Since__c"], got["G2"]["AnnualRevenue"]) == ("2026-02-01", 1234.5)


def test_columns_are_matched_by_api_name_case_label_and_relationship(
    emulator: Any, tmp_path: Path, samples_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each auto-mapping rule in its order, on a Contact file whose parent comes by relationship + label."""
    code, _, err = run(capsys, *upsert(emulator, samples_dir / "accounts.csv"))
    assert code == 0, err
    src = tmp_path / "people.csv"
    src.write_text(
        "External_Id__c,lastname,First-Name,Email Opt Out,birth date,Account External Id\n"
        "P1,Lovelace,Ada,Yes,12/31/1815,ACC-0001\n"
    )
    code, out, err = run(capsys, *upsert(emulator, src, obj="Contact", extra=("--json",)))
    assert code == 0, err
    manifest = json.loads((Path(json.loads(out)["run_dir"]) / "manifest.json").read_text())
    mapping = {m["column"]: (m["field"], m["how"]) for m in manifest["files"][0]["transform"]["mapping"]}
    assert mapping == {
        "External_Id__c": ("External_Id__c", "name"),
        "lastname": ("LastName", "name_case"),
        "First-Name": ("FirstName", "label"),
        "Email Opt Out": ("HasOptedOutOfEmail", "label"),
        "birth date": ("Birthdate", "label"),
        "Account External Id": ("Account.External_Id__c", "relationship"),
    }
    with connect(emulator) as conn:
        soql = "SELECT LastName, FirstName, HasOptedOutOfEmail, Birthdate, AccountId FROM Contact"
        got = conn.get_json("query", params={"q": soql + " WHERE External_Id__c = 'P1'"})
        account = conn.get_json(
            "query", params={"q": "SELECT Id FROM Account WHERE External_Id__c = 'ACC-0001'"}
        )
    rec = got["records"][0]
    assert (rec["LastName"], rec["FirstName"], rec["HasOptedOutOfEmail"], rec["Birthdate"]) == (
        "Lovelace", "Ada", True, "1815-12-31",
    )  # fmt: skip
    assert rec["AccountId"] == account["records"][0]["Id"]


def test_a_required_field_not_mapped_is_refused_unless_rows_only_update(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = tmp_path / "first.csv"
    first.write_text("External Id,Account Name\nQ1,Acme\n")
    assert run(capsys, *upsert(emulator, first))[0] == 0
    phones = tmp_path / "phones.csv"
    phones.write_text("External Id,Phone\nQ1,555-0100\n")
    code, out, err = run(capsys, *upsert(emulator, phones, extra=("--json",)))
    assert code == 2 and "Name (Account Name)" in err and "--allow-missing-required" in err
    assert [f["code"] for f in json.loads(out)["findings"]] == ["required_missing"]
    assert emulator.stats.jobs_created == 1  # the first load only
    code, _, err = run(capsys, *upsert(emulator, phones, extra=("--allow-missing-required",)))
    assert code == 0, err
    assert "warning: phones.csv: required fields of Account are not mapped: Name" in err
    assert by_key(emulator)["Q1"]["Name"] == "Acme"


def test_the_external_id_must_be_mapped(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "ref.csv"
    src.write_text("Ref,Account Name\nK1,Acme\nK2,Beta\n")
    code, _, err = run(capsys, *upsert(emulator, src))
    assert code == 2 and "External_Id__c is not mapped" in err and "'Ref'" in err
    sdl = tmp_path / "ref.sdl"
    sdl.write_text("Ref=External_Id__c\nAccount\\ Name=Name\n", encoding="iso-8859-1")
    code, _, err = run(capsys, *upsert(emulator, src, extra=("--mapping", str(sdl))))
    assert code == 0, err  # the key is the column the mapping sends to it
    assert set(by_key(emulator)) == {"K1", "K2"}
    left_out = tmp_path / "left_out.sdl"
    left_out.write_text("Account\\ Name=Name\n", encoding="iso-8859-1")
    code, _, err = run(capsys, *upsert(emulator, src, extra=("--mapping", str(left_out))))
    assert code == 2 and "External_Id__c is not mapped" in err
    assert emulator.stats.jobs_created == 1


def test_sfloader_mapping_save_is_used_by_upsert_then_forgotten(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "crm.csv"
    src.write_text("Key,Company,Remarks\nV1,Acme,x\n")
    sdl = tmp_path / "crm.sdl"
    sdl.write_text("Key=External_Id__c\nCompany=Name\n", encoding="iso-8859-1")
    flags = ["--object", "Account", "--instance-url", emulator.instance_url,
             "--access-token", emulator.access_token]  # fmt: skip
    code, _, err = run(capsys, "mapping", str(src), *flags)
    assert code == 2  # auto-mapping cannot place Key and Company
    code, _, err = run(capsys, "mapping", str(src), *flags, "--mapping", str(sdl), "--save")
    assert code == 0 and "mapping saved for this org" in err, err
    # A new export with the columns in another order: the header set is the same.
    nxt = tmp_path / "crm_next.csv"
    nxt.write_text("Company,Remarks,Key\nBeta,y,V2\n")
    code, out, err = run(capsys, *upsert(emulator, nxt, extra=("--json",)))
    assert code == 0, err
    assert "crm_next.csv: using the mapping saved for this org" in err
    assert json.loads(out)["mappings"] == [{"file": str(nxt), "source": "saved"}]
    assert by_key(emulator)["V2"]["Name"] == "Beta"
    code, out, _ = run(capsys, "mapping", str(nxt), *flags, "--json")
    assert code == 0 and {c["status"] for c in json.loads(out)["columns"]} == {"saved mapping", "ignored"}
    code, _, err = run(capsys, "mapping", str(nxt), *flags, "--forget")
    assert code == 2 and "forgot the mapping" in err
    code, _, err = run(capsys, *upsert(emulator, nxt))
    assert code == 2 and "using the mapping saved" not in err


def test_a_saved_mapping_brings_back_rows_only_update_and_a_refusal_names_it(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 11: "Rows only update existing records" is saved with the mapping and reapplied; a load
    refused after a saved mapping was used says so in its --json error (``mappings``)."""
    first = tmp_path / "first.csv"
    first.write_text("External Id,Account Name\nR1,Acme\n")
    assert run(capsys, *upsert(emulator, first))[0] == 0
    src = tmp_path / "phones.csv"
    src.write_text("Client No,Tel\nR1,555-0100\n")
    sdl = tmp_path / "phones.sdl"
    sdl.write_text("Client\\ No=External_Id__c\nTel=Phone\n", encoding="iso-8859-1")
    flags = ["--object", "Account", "--external-id", "External_Id__c",
             "--instance-url", emulator.instance_url, "--access-token", emulator.access_token]  # fmt: skip
    code, _, err = run(capsys, "mapping", str(src), *flags, "--mapping", str(sdl), "--save")
    assert code == 0 and "mapping saved for this org" in err, err
    code, out, err = run(capsys, *upsert(emulator, src, extra=("--json",)))
    assert code == 2 and "Name (Account Name)" in err and "using the mapping saved" in err
    doc = json.loads(out)
    assert [f["code"] for f in doc["findings"]] == ["required_missing"]
    assert doc["mappings"] == [{"file": str(src), "source": "saved"}]
    # Saved again with rows only updating: the next load needs no flag.
    extra = ("--mapping", str(sdl), "--save", "--allow-missing-required")
    code, _, err = run(capsys, "mapping", str(src), *flags, *extra)
    assert code == 0, err
    code, out, err = run(capsys, *upsert(emulator, src, extra=("--json",)))
    assert code == 0, err
    assert "phones.csv: rows only update existing records (as saved with the mapping)" in err
    assert json.loads(out)["mappings"] == [{"file": str(src), "source": "saved"}]
    run_dir = Path(json.loads(out)["run_dir"])
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["options"]["allow_missing_required"] is True
    (rec,) = records(emulator, "SELECT Name, Phone FROM Account WHERE External_Id__c = 'R1'")
    assert (rec["Name"], rec["Phone"]) == ("Acme", "555-0100")
