"""Case 17: the same file loaded twice: the second run creates nothing, the record count is unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sfloader_gui.core.load.results import run_file
from tests.core.load.loadkit import count, load, write_accounts
from tests.faults.kit import nothing_lost, rows_in


def test_a_second_load_of_the_same_file_only_updates(emulator: Any, tmp_path: Path) -> None:
    src = write_accounts(tmp_path / "a.csv", 1, 40)
    first = load(emulator, [src], tmp_path / "out")
    nothing_lost(first.run_dir, emulator, records=40)
    second = load(emulator, [src], tmp_path / "out")
    assert second.ok and count(emulator) == 40
    nothing_lost(second.run_dir, emulator, records=40)
    (job,) = second.manifest["jobs"]
    created = [r["sf__Created"] for r in rows_in(run_file(second.run_dir, job["success_file"]))]
    assert created == ["false"] * 40
