"""Under the usual umask 022, a demo load from the window and a review leave nothing others can read."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from sfloader_gui.core import logs
from sfloader_gui.core.orgs import Environment, LoginMethod, OrgStore, build_profile
from sfloader_gui.core.review.export import export_excel_safe, export_raw
from sfloader_gui.core.review.report import write_summary_html
from sfloader_gui.core.review.session import ReviewSession
from sfloader_gui.core.settings import AppSettings, save_settings
from sfloader_gui.ui.app import DemoSwitch
from sfloader_gui.ui.main_window import MainWindow
from sfloader_gui.ui.orgs import OrgsController
from tests.file_modes import usual_umask, wide_open
from tests.ui.helpers import WAIT_MS, pick, wait_checked

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def _load(qtbot: QtBot, window: MainWindow, obj: str, files: list[Path]) -> Path:
    pick(qtbot, window, obj, "External_Id__c")
    window.files_panel.add_paths(files)
    wait_checked(qtbot, window)
    assert window.load_button.isEnabled(), window.blocking_reason()
    with qtbot.waitSignal(window.load_finished, timeout=60_000) as done:
        window.load_button.click()
    run_dir = done.args[0].run_folder
    assert isinstance(run_dir, Path)
    window.files_panel.clear()
    return run_dir


def test_demo_load_review_and_exports_are_private(qtbot: QtBot, samples_dir: Path, tmp_path: Path) -> None:
    home = Path(os.environ["SFLOADER_HOME"])
    with usual_umask():
        logs.setup_logging(logging.DEBUG)
        window = MainWindow(AppSettings(poll_interval_s=0.2), OrgsController())
        qtbot.addWidget(window)
        window.show()
        demo = DemoSwitch(window, rows_per_second=None)
        try:
            demo.connect()
            _load(qtbot, window, "Account", [samples_dir / "accounts.csv"])
            run_dir = _load(qtbot, window, "Contact", [samples_dir / "bad_contacts.csv"])
            qtbot.waitUntil(lambda: not window.controller.running, timeout=WAIT_MS)
            session = ReviewSession(run_dir)
            assert session.row_count > 0
            session.set_value(0, session.columns[-1], "fixed")  # writes review/edits.json
            exports = home / "exports"
            export_excel_safe(session, [0], exports / "failed.xlsx.csv")
            export_raw(session, [0], exports / "raw.csv")
            write_summary_html(session, exports / "summary.html")
            session.close()
            save_settings(AppSettings())
            demo_profile = build_profile(
                "Demo", Environment.DEMO, LoginMethod.TOKEN, instance_url="http://127.0.0.1:1"
            )
            OrgStore().upsert(demo_profile)
            written = {p.name for p in home.rglob("*")}
            # The demo org is still open: its WAL and SHM files are there too.
            assert {"demo-org.sqlite3", "demo-org.sqlite3-wal", "demo-org.sqlite3-shm"} <= written
            for name in (
                "journal.sqlite3",
                "sfloader.log",
                "manifest.json",
                "edits.json",
                "settings.json",
                "orgs.json",
            ):
                assert name in written, name
            assert wide_open(home) == []
        finally:
            demo.stop()
            logs.shutdown_logging()
