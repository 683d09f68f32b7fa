"""Case 16: the same External ID in rows 1 and 20,001, and blank ones: pre-flight blocks the file and says
which rows, and nothing is sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sfloader_gui.core.load.engine import run_load
from sfloader_gui.core.load.plan import plan_load
from sfloader_gui.core.load.preflight import preflight
from sfloader_gui.core.models import CancelToken
from sfloader_gui.core.salesforce import describe
from tests.core.load.loadkit import Recorder, connect, options


def test_duplicates_far_apart_and_blank_keys_block_the_file(emulator: Any, tmp_path: Path) -> None:
    src = tmp_path / "dupes.csv"
    rows = [f"K{i},Name {i}" for i in range(1, 20_002)]
    rows[20_000] = "K1,Again"  # record 20,001 repeats record 1
    rows[5] = ",Blank key"
    src.write_text("External_Id__c,Name\n" + "\n".join(rows) + "\n", encoding="utf-8")
    opts = options()
    plan = plan_load([src], opts)
    with connect(emulator) as conn:
        preflight(plan, describe.describe_object(conn, "Account"), describe.Describer(conn))
        (fp,) = plan.files
        assert fp.blocked
        messages = " ".join(f.message for f in fp.findings)
        assert "K1" in messages and "20,001" in messages.replace("20001", "20,001")
        assert any(f.records and 6 in f.records for f in fp.findings)  # the blank key, by record number
        result = run_load(conn, plan, opts, tmp_path / "out", Recorder(), CancelToken())
    assert emulator.stats.jobs_created == 0 and result.manifest["files"][0]["blocked"]
