"""Under the usual umask 022, a CLI run against the demo org leaves nothing another user can read."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from sfloader_gui import cli
from sfloader_gui.core import paths
from tests.file_modes import usual_umask, wide_open

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def test_a_demo_run_and_its_retry_are_private(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "a.csv"
    src.write_text("External_Id__c,Name\nK1,One\nK2,\nK3,Three\n", encoding="utf-8")
    flags = [
        "--object",
        "Account",
        "--external-id",
        "External_Id__c",
        "--demo",
        "--json",
        "--poll-interval",
        "0.05",
    ]
    with usual_umask():
        assert cli.main(["upsert", str(src), *flags]) == 1  # K2 fails: no Name
        run_dir = Path(json.loads(capsys.readouterr().out)["run_dir"])
        assert cli.main(["retry", str(run_dir), "--demo", "--json", "--poll-interval", "0.05"]) == 1
    home = Path(os.environ["SFLOADER_HOME"])
    written = {p.name for p in home.rglob("*")}
    assert {
        "sfloader.log",
        "journal.sqlite3",
        paths.demo_org_db().name,
        "manifest.json",
        "failed.csv",
    } <= written
    assert run_dir.is_relative_to(home)
    assert wide_open(home) == []
