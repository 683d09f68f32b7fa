"""Workbench fixtures: a run folder with failures in two files, and a quiet workbench over it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from sfloader_gui.ui.failures import WorkbenchWindow, open_workbench
from tests.core.review.runfolders import make_run

HEADER = ["External_Id__c", "Name", "Phone"]
MISSING_NAME = "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --"
BAD_REF = "INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--"


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    accounts = [[f"A-{i}", "" if i % 3 == 0 else f"Acme {i}", f"555-{i:04d}"] for i in range(1, 13)]
    partners = [[f"P-{i}", f"Partner {i}", "=1+1" if i == 2 else "x"] for i in range(1, 6)]
    return make_run(
        tmp_path,
        {"accounts.csv": (HEADER, accounts), "partners.csv": (HEADER, partners)},
        {
            "accounts.csv": {r[0]: MISSING_NAME for r in accounts if not r[1]} | {"A-4": BAD_REF},
            "partners.csv": {"P-2": BAD_REF},
        },
        unprocessed={"partners.csv": ["P-4", "P-5"]},
    )


def settle(win: WorkbenchWindow) -> None:
    """Wait for the background passes (error counts, source joins, retry outcomes) to report."""
    win.tasks.wait()
    from PySide6.QtWidgets import QApplication

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
