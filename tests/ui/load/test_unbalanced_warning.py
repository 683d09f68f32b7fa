"""Issue 9: a run whose records do not add up is told to the user on both front ends: on stderr by the
command, in the log pane by the app (both from ``LoadRun.finish``'s manifest). The org miscounts one job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from sfloader_gui import cli
from sfloader_gui.core.load.results import load_manifest
from sfloader_gui.core.settings import AppSettings
from tests.cli.test_cli import upsert
from tests.core.load.loadkit import write_accounts
from tests.ui.helpers import open_window, pick, wait_checked

TOLD = (
    "1 record not accounted for: the org's counts and the result files do not add up to the records sent "
    "(the jobs' notes in manifest.json say where)."
)
WARNING = r"records? not accounted for"


def unbalanced(run_dir: Path) -> None:
    manifest = load_manifest(run_dir)
    assert manifest["accounting"] == {"balanced": False, "unaccounted": 1}
    (job,) = manifest["jobs"]
    assert any(n.startswith("accounting mismatch: 20 records sent, 19 processed") for n in job["notes"])


@pytest.mark.app_warnings(WARNING)
def test_the_command_says_the_records_do_not_add_up(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.faults.miscount_jobs = 1
    src = write_accounts(tmp_path / "a.csv", 1, 20)
    status = cli.main(upsert(emulator, src, extra=("--out", str(tmp_path / "runs"))))
    assert status == 1, "every job completed with no failed record, but the records do not add up"
    err = capsys.readouterr().err
    assert f"sfloader: warning: {TOLD}" in err.splitlines()
    (run_dir,) = (tmp_path / "runs").iterdir()
    unbalanced(run_dir)


@pytest.mark.app_warnings(WARNING)
def test_the_app_says_the_records_do_not_add_up(qtbot: QtBot, emulator: Any, tmp_path: Path) -> None:
    emulator.faults.miscount_jobs = 1
    window = open_window(qtbot, emulator, AppSettings(poll_interval_s=0.1, output_dir=str(tmp_path / "runs")))
    pick(qtbot, window, "Account", "External_Id__c")
    window.files_panel.add_paths([write_accounts(tmp_path / "a.csv", 1, 20)])
    wait_checked(qtbot, window)
    with qtbot.waitSignal(window.load_finished, timeout=60_000) as done:
        window.load_button.click()
    run_dir = done.args[0].run_folder
    shown = [line.split("  ", 1)[1] for line in window.log_pane.toPlainText().splitlines()]
    assert f"Warning: Run {run_dir.name}: {TOLD}" in shown
    unbalanced(run_dir)
