"""Loops a user goes round: the two sample buttons, run folders dropped or added for review (demo org)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from sfloader_gui.ui.failures import WorkbenchWindow
from tests.core.review.emulator_runs import connect, load
from tests.ui.dnd import drop_paths
from tests.ui.helpers import open_window, pick, wait_checked


def test_the_sample_buttons_add_clean_files_or_files_with_errors(qtbot: QtBot, emulator: Any) -> None:
    window = open_window(qtbot, emulator)
    window.enable_samples()
    pick(qtbot, window, "Account", "External_Id__c")
    panel = window.files_panel
    assert panel.samples_button.isVisible() and panel.bad_samples_button.isVisible()
    panel.samples_button.click()
    wait_checked(qtbot, window)
    assert [e.path.name for e in window.files_model.entries()] == ["accounts.csv"]
    assert window.load_button.isEnabled(), "the README's 'add the samples, then Load' works"
    panel.bad_samples_button.click()
    wait_checked(qtbot, window)
    assert [e.path.name for e in window.files_model.entries()] == ["accounts.csv", "bad_accounts.csv"]
    assert not window.load_button.isEnabled() and "bad_accounts.csv" in window.load_reason.text()


def test_a_run_folder_or_its_manifest_opens_for_review_not_for_loading(
    qtbot: QtBot, emulator: Any, tmp_path: Path
) -> None:
    with connect(emulator) as conn:
        load(conn, ["accounts.csv"], "Account", tmp_path / "a")
        run = load(conn, ["bad_contacts.csv"], "Contact", tmp_path / "c").run_dir
    window = open_window(qtbot, emulator)
    assert drop_paths(window.files_panel.drop_zone, [run]) == (True, True)
    benches = window.findChildren(WorkbenchWindow)
    assert len(benches) == 1 and benches[0].session is not None
    assert benches[0].session.run_dir == run.resolve() and benches[0].model is not None
    assert benches[0].model.rowCount() == 4
    window.files_panel.add_paths([run / "manifest.json"])
    assert len(window.findChildren(WorkbenchWindow)) == 2
    assert window.files_model.rowCount() == 0, "success.csv, failed.csv are results, not files to load"
    assert not window.files_panel.ignored.isVisible()
    for bench in window.findChildren(WorkbenchWindow):
        bench.close()
