"""`sfloader jobs --reconcile` and the reconcile at the start of `sfloader upsert`, after a crashed run."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest

from sfloader_gui.core.load.journal import Journal
from sfloader_gui.core.load.liveness import end_this_process
from sfloader_gui.core.load.part.create import create_job
from sfloader_gui.core.salesforce import bulk
from tests.cli.test_cli import org_flags, run, upsert
from tests.core.load.loadkit import connect, count, write_accounts
from tests.core.load.test_reconcile import crashed_run, foreign_job


def crash_after_create(org: Any, tmp_path: Path) -> str:
    """A run that created its job (journalled in the app's own journal) and died before uploading."""
    src = write_accounts(tmp_path / "crashed.csv", 1, 5)
    with connect(org) as conn, contextlib.closing(Journal()) as journal:
        info = create_job(crashed_run(conn, journal, src, tmp_path / "out"))
    end_this_process()  # the crash: the run's process is gone
    assert info is not None
    return info.id


def test_jobs_reconcile_aborts_the_stray_and_says_so(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stray = crash_after_create(emulator, tmp_path)
    other = foreign_job(emulator)
    code, out, _ = run(capsys, "jobs", "--reconcile", *org_flags(emulator)[:4])
    assert code == 0
    assert f"aborted stray job {stray} (Account)" in out and other not in out
    with connect(emulator) as conn:
        assert bulk.get_job(conn, stray).state == "Aborted"
        assert bulk.get_job(conn, other).state == "Open"
    code, out, _ = run(capsys, "jobs", "--reconcile", "--json", *org_flags(emulator)[:4])
    assert code == 0 and json.loads(out) == {"aborted": [], "running": [], "finished": [], "problems": []}


def test_upsert_first_aborts_what_a_crashed_run_left_open(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stray = crash_after_create(emulator, tmp_path)
    src = write_accounts(tmp_path / "a.csv", 1, 8)
    code, out, err = run(capsys, *upsert(emulator, src, extra=("--json", "--out", str(tmp_path / "runs"))))
    assert code == 0, err
    assert f"sfloader: aborted stray job {stray}" in err
    assert json.loads(out)["totals"]["success"] == 8 and count(emulator) == 8
    with connect(emulator) as conn:
        assert bulk.get_job(conn, stray).state == "Aborted"
