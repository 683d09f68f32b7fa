"""Recent runs (demo org): earlier loads listed from the results folder, reviewed and opened from there."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QUrl
from pytestqt.qtbot import QtBot

from sfloader_gui.core.load.history import RunState, RunSummary, fold_retries, recent_runs
from sfloader_gui.core.load.journal import JournalEntry
from sfloader_gui.core.models import JobState
from sfloader_gui.core.review.retry import record_retry, write_retry_files
from sfloader_gui.core.review.session import ReviewSession
from sfloader_gui.core.settings import AppSettings
from sfloader_gui.ui import runs as runs_ui
from sfloader_gui.ui.failures import WorkbenchWindow
from sfloader_gui.ui.main_window import CancelChoice
from sfloader_gui.ui.runs import RecentRunsDialog
from tests.core.review.emulator_runs import connect, load
from tests.core.review.runfolders import make_run
from tests.ui.helpers import WAIT_MS, open_window, pick, wait_checked


def _runs(emulator: Any, work: Path) -> Path:
    """Two loads into work/runs: the clean accounts, then contacts with four failed rows."""
    with connect(emulator) as conn:
        load(conn, ["accounts.csv"], "Account", work)
        load(conn, ["bad_contacts.csv"], "Contact", work)
    return work / "runs"


def test_recent_runs_list_review_and_open(qtbot: QtBot, emulator: Any, tmp_path: Path) -> None:
    results = _runs(emulator, tmp_path)
    window = open_window(qtbot, emulator, AppSettings(output_dir=str(results)))
    dialog = window.open_recent_runs()
    assert isinstance(dialog, RecentRunsDialog)
    model = dialog.model
    rows = [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]
    assert [r[2:] for r in rows] == [
        ["Contact", "bad_contacts.csv", "8", "4", "4", "0", "Finished, with failed rows"],
        ["Account", "accounts.csv", "25", "25", "0", "0", "Complete"],
    ]
    assert rows[0][1] == "Demo org" and len(rows[0][0]) == 16  # "2026-12-04 18:20"
    opened: list[QUrl] = []
    dialog.opener = opened.append
    dialog.view.selectRow(1)
    assert not dialog.review_button.isEnabled(), "nothing to review in a clean run"
    dialog.folder_button.click()
    assert opened and Path(opened[0].toLocalFile()) == dialog.runs[1].folder
    dialog.view.selectRow(0)
    dialog.review_button.click()
    [bench] = window.findChildren(WorkbenchWindow)
    assert bench.model is not None and bench.model.rowCount() == 4
    bench.close()


def test_a_run_the_app_stopped_in_says_what_is_left(tmp_path: Path) -> None:
    run = tmp_path / "20261204T100000Z_Account"
    run.mkdir()
    jobs = [{"file": "a.csv", "state": "InProgress", "records": 10, "records_processed": 0,
             "records_failed": 0, "records_unprocessed": 0}]  # fmt: skip
    manifest = {"run_id": run.name, "created_at": "2026-12-04T10:00:00Z", "finished_at": None,
                "instance_url": "https://acme.my.salesforce.com", "object": "Account",
                "files": [{"path": "/data/a.csv"}], "jobs": jobs, "totals": {"records": 10}}  # fmt: skip
    (run / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    [summary] = recent_runs(tmp_path)
    assert summary.state is RunState.NOT_FINISHED and summary.files == ("a.csv",)
    job = "750xx0000000001"
    left = JournalEntry(job, summary.instance_url, run, Path("/data/a.csv"), 1, "InProgress", "")
    [summary] = recent_runs(tmp_path, [left])
    assert summary.state is RunState.TO_FETCH and summary.to_fetch == (job,)


def test_hand_edited_manifests_never_break_the_list(tmp_path: Path) -> None:
    """A manifest edited by hand (null totals, text counts, a list for jobs' items) is left out or read
    leniently: the other runs are still listed."""
    good: dict[str, Any] = {"run_id": "good", "created_at": "2026-12-04T10:00:00Z",
                            "finished_at": "2026-12-04T10:01:00Z", "object": "Account", "jobs": [],
                            "totals": None}  # fmt: skip
    bad = {**good, "run_id": "bad", "jobs": [["not", "a", "job"]], "totals": {"failed": "many"}}
    for name, manifest in (("20261204T100000Z_good", good), ("20261204T110000Z_bad", bad)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    [summary] = recent_runs(tmp_path)
    assert summary.run_id == "good" and summary.records == 0 and summary.state is RunState.COMPLETE


def test_the_dialog_says_how_to_fetch_what_was_left(qtbot: QtBot, tmp_path: Path) -> None:
    test_a_run_the_app_stopped_in_says_what_is_left(tmp_path)
    dialog = RecentRunsDialog(tmp_path)
    qtbot.addWidget(dialog)
    assert dialog.model.rowCount() == 1
    assert dialog.model.index(0, 1).data() == "acme.my.salesforce.com"
    assert "Still running, or the app stopped during it" in dialog.detail.text()


def test_a_run_left_running_is_resumed_from_recent_runs(
    qtbot: QtBot, emulator: Any, samples_dir: Path, tmp_path: Path
) -> None:
    emulator.faults.stall_jobs = -1  # the job stays InProgress: the user stops waiting for it
    window = open_window(qtbot, emulator, AppSettings(poll_interval_s=0.2, output_dir=str(tmp_path)))
    pick(qtbot, window, "Account", "External_Id__c")
    window.files_panel.add_paths([samples_dir / "accounts.csv"])
    wait_checked(qtbot, window)
    window.load_button.click()
    qtbot.waitUntil(lambda: window.jobs_model.rows()[0].state is JobState.IN_PROGRESS, timeout=WAIT_MS)
    window.ask_cancel_choice = lambda closing=False: CancelChoice.STOP_WAITING  # type: ignore[method-assign]
    with qtbot.waitSignal(window.load_finished, timeout=60_000):
        window.cancel_button.click()
    dialog = window.open_recent_runs()
    assert isinstance(dialog, RecentRunsDialog)
    assert dialog.runs[0].state is RunState.TO_FETCH and dialog.resume_button.isEnabled()
    emulator.faults.release_stalled()  # Salesforce finishes the job meanwhile
    dialog.resume_button.click()
    assert not dialog.resume_button.isEnabled(), "one resume at a time"
    qtbot.waitUntil(lambda: not dialog.resuming, timeout=60_000)
    run = dialog.runs[0]
    assert run.state is RunState.COMPLETE and (run.success, run.failed) == (25, 0)
    assert not dialog.resume_button.isEnabled()
    assert "Resumed" in window.statusBar().currentMessage()


def _retried_run(tmp_path: Path) -> Path:
    """A run with 7 failed or unprocessed rows, and a later retry of it that loaded A-3 (its own folder)."""
    header = ["External_Id__c", "Name", "Phone"]
    accounts = [[f"A-{i}", "" if i % 3 == 0 else f"Acme {i}", "1"] for i in range(1, 13)]
    missing = "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --"
    run_dir = make_run(tmp_path / "runs", {"accounts.csv": (header, accounts)},
                       {"accounts.csv": {r[0]: missing for r in accounts if not r[1]}})  # fmt: skip
    session = ReviewSession(run_dir)
    batches = write_retry_files(session, list(range(session.row_count)))
    fixed = [["A-3", "Acme 3", "1"], ["A-6", "", "2"]]
    retry = make_run(tmp_path / "retry_out", {"retry.csv": (header, fixed)}, {"retry.csv": {"A-6": missing}})
    moved = run_dir.parent / "20261126T103000Z_Account"
    retry.rename(moved)
    manifest = json.loads((moved / "manifest.json").read_text(encoding="utf-8"))
    manifest["retry_of"], manifest["run_id"], manifest["created_at"] = (
        run_dir.name,
        moved.name,
        "2026-11-26T10:30:00Z",
    )
    (moved / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    record_retry(session, moved, batches)
    return run_dir


def _folding(dialog: RecentRunsDialog) -> bool:
    """Read afresh (a plain attribute read would be narrowed by mypy after an earlier assert)."""
    return dialog.folding


def test_the_list_shows_at_once_and_retry_counts_follow_from_the_background(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Folding retries reads result files (seconds on a million rows): never on the UI thread. Here the
    fold is held until the test lets it go: the dialog is up and usable meanwhile."""
    run_dir = _retried_run(tmp_path)
    gate, started = threading.Event(), threading.Event()
    threads: list[threading.Thread] = []

    def held(runs: list[RunSummary]) -> list[RunSummary]:
        threads.append(threading.current_thread())
        started.set()
        assert gate.wait(WAIT_MS / 1000)
        return fold_retries(runs)

    monkeypatch.setattr(runs_ui, "fold_retries", held)
    dialog = RecentRunsDialog(run_dir.parent)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.folding and "counting the rows later retries loaded" in dialog.where.text()
    cells = [[dialog.model.index(r, c).data() for c in range(4, 9)] for r in range(dialog.model.rowCount())]
    assert cells == [["2", "1", "1", "0", "Finished, with failed rows (a retry)"],
                     ["12", "8", "4", "0", "Finished, with failed rows"]]  # fmt: skip
    opened: list[QUrl] = []
    dialog.opener = opened.append
    dialog.view.selectRow(1)  # the user works with the list while the counts are read
    dialog.folder_button.click()
    assert opened and Path(opened[0].toLocalFile()) == run_dir
    assert dialog.review_button.isEnabled()
    assert started.wait(WAIT_MS / 1000) and threads[0] is not threading.main_thread()
    with qtbot.waitSignal(dialog.folded, timeout=WAIT_MS):
        gate.set()
    assert not _folding(dialog) and "counting" not in dialog.where.text()
    assert [dialog.model.index(1, c).data() for c in range(4, 9)] == [
        "12", "9 (1 on retry)", "3", "0", "Finished, with failed rows"]  # fmt: skip
    assert dialog.view.currentIndex().row() == 1, "the user's selection stays"
    assert "Later retries loaded 1 of its 4 failed rows; 3 still to fix." in dialog.detail.text()
    # Refresh lists again at once and folds again; a listing with no retry has nothing to wait for.
    with qtbot.waitSignal(dialog.folded, timeout=WAIT_MS):
        dialog.refresh_button.click()
        assert _folding(dialog)
    assert dialog.runs[1].fixed == 1
    empty = RecentRunsDialog(tmp_path / "nothing")
    qtbot.addWidget(empty)
    assert not empty.folding


@pytest.fixture
def in_new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The computer's clock in New York (UTC-5 in winter, UTC-4 in summer)."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_runs_show_the_computers_local_time_newest_first(
    qtbot: QtBot, tmp_path: Path, in_new_york: None
) -> None:
    for stamp, created in (
        ("20260704T233000Z", "2026-07-04T23:30:00Z"),
        ("20261204T100000Z", "2026-12-04T10:00:00Z"),
    ):
        run = tmp_path / f"{stamp}_Account"
        run.mkdir()
        manifest = {"run_id": run.name, "created_at": created, "finished_at": created, "object": "Account",
                    "jobs": [], "totals": {"records": 0}}  # fmt: skip
        (run / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    dialog = RecentRunsDialog(tmp_path)
    qtbot.addWidget(dialog)
    assert dialog.model.headerData(0, Qt.Orientation.Horizontal) == "Date"
    dates = [dialog.model.index(r, 0).data() for r in range(dialog.model.rowCount())]
    assert dates == ["2026-12-04 05:00", "2026-07-04 19:30"]  # local time, not UTC; newest first
