"""OpenDocument (.ods) and Excel 97-2003 (.xls) workbooks load like .xlsx, on the sheet given (issue 11).

Every check reads the records back through the emulator's REST query.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sfloader_gui import cli
from tests.core.load.loadkit import connect
from tests.ods import Cell, write_ods

DATA = Path(__file__).parent / "data"
HEADER: list[Cell] = ["External Id", "Account Name", "Customer Since", "Employees", "Active Customer"]
FIELDS = "External_Id__c, Name, Customer_Since__c, NumberOfEmployees, Active__c"


def run(capsys: pytest.CaptureFixture[str], emulator: Any, *argv: str) -> tuple[int, str, str]:
    flags = ["--instance-url", emulator.instance_url, "--access-token", emulator.access_token,
             "--poll-interval", "0.05", "--json"]  # fmt: skip
    code = cli.main([*argv, *flags])
    out, err = capsys.readouterr()
    return code, out, err


def upsert(*files: Path, sheet: str | None = None) -> list[str]:
    return ["upsert", *map(str, files), "--object", "Account", "--external-id", "External_Id__c",
            *(["--sheet", sheet] if sheet else [])]  # fmt: skip


def accounts(emulator: Any, prefix: str) -> dict[str, tuple[Any, ...]]:
    soql = f"SELECT {FIELDS} FROM Account WHERE External_Id__c LIKE '{prefix}%'"
    with connect(emulator) as conn:
        found = conn.get_json("query", params={"q": soql})["records"]
    return {
        r["External_Id__c"]: (r["Name"], r["Customer_Since__c"], r["NumberOfEmployees"], r["Active__c"])
        for r in found
    }


def test_an_xls_workbook_loads_its_named_sheet(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = tmp_path / "accounts.xls"
    shutil.copyfile(DATA / "accounts.xls", book)  # made with xlwt: see data/README.md
    code, _, err = run(capsys, emulator, *upsert(book))
    assert code == 2, err  # the first sheet is a note, not the accounts: the message names the others
    assert "the sheet 'Notes' has a header but no records" in err and "'Accounts'" in err
    code, out, err = run(capsys, emulator, *upsert(book, sheet="Accounts"))
    assert code == 0, err
    manifest = json.loads((Path(json.loads(out)["run_dir"]) / "manifest.json").read_text())
    assert manifest["files"][0]["sheet"] == "Accounts" and manifest["options"]["sheet"] == "Accounts"
    assert accounts(emulator, "XLS") == {
        "XLS1": ("Old Format Co", "2026-12-31", 42, True),
        "XLS2": ("Binary Ltd", "2026-01-02", 7, False),
    }


def _ods(path: Path, second_name: str | None) -> Path:
    rows: list[list[Cell]] = [
        HEADER,
        ["ODS1", "Ods & Co", date(2026, 12, 31), 42.0, True],
        ["ODS2", second_name, date(2026, 1, 2), 7, False],  # no name: Salesforce refuses the row
    ]
    return write_ods(path, {"Notes": [["Not loaded"]], "Accounts": rows})


def test_an_ods_workbook_loads_its_named_sheet_and_retries_from_it(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = _ods(tmp_path / "accounts.ods", None)
    code, out, err = run(capsys, emulator, *upsert(book, sheet="Accounts"))
    assert code == 1, err  # ODS2 failed
    run_dir = json.loads(out)["run_dir"]
    assert accounts(emulator, "ODS") == {"ODS1": ("Ods & Co", "2026-12-31", 42, True)}
    # The user fixes the row in the workbook, then retries the failed rows: read from the same sheet.
    _ods(book, "Fixed Ltd")
    code, out, err = run(capsys, emulator, "retry", run_dir)
    assert code == 0, err
    assert json.loads(out)["totals"]["records"] == 1
    assert accounts(emulator, "ODS")["ODS2"] == ("Fixed Ltd", "2026-01-02", 7, False)
