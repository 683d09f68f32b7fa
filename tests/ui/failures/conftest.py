"""Workbench fixtures: a real emulator run (three Contact files: bad rows, a failed job) and a workbench."""

from __future__ import annotations

import contextlib
import csv
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from sfloader_gui.core.load.engine import run_load
from sfloader_gui.core.load.journal import Journal
from sfloader_gui.core.load.plan import plan_load
from sfloader_gui.core.models import CancelToken, LoadOptions
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.ui.failures import WorkbenchWindow, open_workbench
from sfloader_gui.ui.failures.launcher import RetryLauncher
from sfloader_gui.ui.load.controller import LoadController
from sfloader_gui.ui.load.jobs_model import JobsModel
from sfloader_gui.ui.tasks import BackgroundTasks
from tests.core.review.emulator_runs import SAMPLES, connect, load

HEADER = [
    "External_Id__c",
    "FirstName",
    "LastName",
    "Email",
    "Phone",
    "Title",
    "Birthdate",
    "Account.External_Id__c",
]


def _contact(key: str, last: str, title: str = "Buyer") -> list[str]:
    return [key, "Ada", last, f"{key.lower()}@example.com", "(555) 020-0000", title, "1980-01-02", "ACC-0001"]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows([HEADER, *rows])
    return path


@pytest.fixture
def run_dir(emulator: Any, tmp_path: Path) -> Path:
    """Loaded by the engine into the emulator, one job per file, in this order:

    - queued_contacts.csv (Q-1, Q-2): its job is made to fail, so both rows come back unprocessed;
    - bad_contacts.csv (the sample): 4 rows fail (unknown account, no LastName, bad e-mail, bad date);
    - more_contacts.csv (M-1..M-6): M-2, M-3 (Title ``=1+1``) and M-4 have no LastName.
    """
    work = tmp_path / "work"
    work.mkdir()
    queued = _write(work / "queued_contacts.csv", [_contact("Q-1", "One"), _contact("Q-2", "Two")])
    bad = work / "bad_contacts.csv"
    shutil.copyfile(SAMPLES / "bad_contacts.csv", bad)
    more = _write(work / "more_contacts.csv", [
        _contact("M-1", "Ok"), _contact("M-2", ""), _contact("M-3", "", "=1+1"), _contact("M-4", ""),
        _contact("M-5", "Ok"), _contact("M-6", "Ok"),
    ])  # fmt: skip
    options = LoadOptions("Contact", "External_Id__c", poll_interval_s=0.05, max_concurrent_jobs=1)
    with connect(emulator) as conn:
        load(conn, ["accounts.csv"], "Account", tmp_path / "accounts")
        emulator.faults.update({"fail_jobs": 1, "fail_after_records": 0})  # the first job (one at a time)
        result = run_load(conn, plan_load([queued, bad, more], options), options, tmp_path / "runs",
                          lambda _e: None, CancelToken())  # fmt: skip
    return result.run_dir


def settle(win: WorkbenchWindow) -> None:
    """Wait for the background passes (error counts, source joins, retry outcomes) to report."""
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()  # the passes start once the window has painted
    win.tasks.wait()
    QApplication.processEvents()


@pytest.fixture
def workbench(qtbot: QtBot, run_dir: Path) -> Iterator[WorkbenchWindow]:
    win = open_workbench(run_dir)
    win.quiet = True
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    settle(win)
    yield win
    win.tasks.wait()


@contextlib.contextmanager
def app_retries(conn: SalesforceConnection, journal_dir: Path) -> Iterator[RetryLauncher]:
    """What the main window hands the workbench: retries run by an app load controller, journalled."""
    journal = Journal(journal_dir / "journal.sqlite3")
    tasks = BackgroundTasks()
    controller = LoadController(JobsModel(), tasks)
    try:
        yield RetryLauncher(conn, controller, journal)
    finally:
        controller.shutdown()
        tasks.wait()
        journal.close()
