"""A 250 MB file: cut into three 100 MB parts at record boundaries, every row in the org exactly once."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

import pytest

from sfloader_gui.core.load.results import run_file
from tests.core.load.loadkit import count, load, options, write_big_accounts

ROWS = 1_120_000  # about 253 MB with write_big_accounts (226 bytes a row)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_250_mb_file_loads_in_three_parts_with_no_row_lost_or_repeated(
    emulator: Any, tmp_path: Path
) -> None:
    src = write_big_accounts(tmp_path / "big.csv", ROWS)
    assert src.stat().st_size > 250_000_000
    result = load(emulator, [src], tmp_path / "out", options(poll_interval_s=0.5, timeout_s=540))
    jobs = result.manifest["jobs"]
    assert len(jobs) == 3 and all(j["state"] == "JobComplete" for j in jobs)
    assert sum(j["records"] for j in jobs) == ROWS
    assert [j["first_record"] for j in jobs] == [
        1,
        1 + jobs[0]["records"],
        1 + jobs[0]["records"] + jobs[1]["records"],
    ]
    assert result.manifest["accounting"] == {"balanced": True, "unaccounted": 0}
    assert result.manifest["totals"]["success"] == ROWS
    seen = 0
    keys: set[str] = set()
    for job in jobs:
        with run_file(result.run_dir, job["success_file"]).open(newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            col = next(reader).index("External_Id__c")
            for row in reader:
                keys.add(row[col])
                seen += 1
    assert seen == ROWS and len(keys) == ROWS  # no row lost, none repeated
    assert count(emulator) == ROWS
    quoted = count(emulator, "SELECT COUNT() FROM Account WHERE External_Id__c = 'B00000005'")
    assert quoted == 1
    src.unlink()  # pytest keeps recent tmp folders: do not leave 500 MB behind
    shutil.rmtree(result.run_dir)
