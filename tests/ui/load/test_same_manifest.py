"""One plan through the headless engine and through the app's load controller, both cancelled mid-way with
an abort: the two run folders' manifests are the same, apart from ids and times."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from sfloader_gui.core.load.engine import run_load
from sfloader_gui.core.load.journal import Journal
from sfloader_gui.core.load.results import Manifest
from sfloader_gui.core.load.run import LoadRun
from sfloader_gui.core.models import CancelToken, EventKind, JobEvent, JobState
from sfloader_gui.ui.load.controller import LoadController
from sfloader_gui.ui.load.jobs_model import JobsModel
from sfloader_gui.ui.tasks import BackgroundTasks
from tests.core.load.loadkit import Recorder, connect, options, plan, write_accounts

FILES, ROWS, AT_ONCE = 5, 10, 2
_JOB_ID = re.compile(r"750[0-9A-Za-z]{12,15}")


def comparable(manifest: Manifest) -> dict[str, Any]:
    """The manifest without what differs between two runs of the same plan: ids, folders and times."""
    text = _JOB_ID.sub("JOB", json.dumps(manifest)).replace(str(manifest["run_id"]), "RUN")
    same: dict[str, Any] = json.loads(text)
    for key in ("created_at", "finished_at"):
        same[key] = bool(same[key])
    # the calls depend on how many polls fit before the abort, the org's count on the runs before
    same["api"] = sorted(same["api"]) if "api" in same else None
    return same


def test_the_engine_and_the_app_write_the_same_manifest_for_a_cancelled_run(
    qtbot: QtBot, emulator: Any, tmp_path: Path
) -> None:
    emulator.faults.stall_jobs = -1  # jobs stay InProgress until aborted: which parts run is known
    files = [write_accounts(tmp_path / f"a{i}.csv", 1 + i * ROWS, ROWS) for i in range(FILES)]
    opts = options(max_concurrent_jobs=AT_ONCE)
    journal = Journal(tmp_path / "journal.sqlite3")
    with connect(emulator) as conn:
        # The headless engine (what `sfloader upsert` runs): abort once both first parts are processing.
        cancel = CancelToken()
        processing: set[str] = set()
        lock = threading.Lock()

        def abort_when_all_run(event: JobEvent) -> bool:
            if event.kind is EventKind.PROCESSING:
                with lock:
                    processing.add(event.part.key)
                    if len(processing) == AT_ONCE:
                        cancel.cancel(abort_jobs=True)
            return False

        recorder = Recorder(trigger=abort_when_all_run)
        headless = run_load(
            conn, plan(files, opts), opts, tmp_path / "cli", recorder, cancel, journal=journal
        )

        # The desktop app: the same plan, Cancel -> "Abort the running jobs" once both are processing.
        tasks = BackgroundTasks()
        controller = LoadController(JobsModel(), tasks)
        run = LoadRun.create(conn, plan(files, opts), opts, tmp_path / "app", journal=journal)
        controller.start(run)
        in_progress = lambda: sum(r.state is JobState.IN_PROGRESS for r in controller.model.rows())  # noqa: E731
        qtbot.waitUntil(lambda: in_progress() == AT_ONCE, timeout=20_000)
        with qtbot.waitSignal(controller.run_finished, timeout=30_000) as done:
            controller.cancel(abort_jobs=True)
        app_manifest = done.args[0].manifest
        controller.shutdown()
        tasks.wait()
    journal.close()

    states = [j["state"] for j in headless.manifest["jobs"]]
    assert states == ["Aborted"] * AT_ONCE + ["Cancelled"] * (FILES - AT_ONCE)
    assert headless.manifest["accounting"] == {"balanced": True, "unaccounted": 0}
    assert comparable(app_manifest) == comparable(headless.manifest)
    # both counted their own calls: AT_ONCE jobs created, uploaded, closed, polled and aborted at least
    assert app_manifest["api"]["calls"] >= AT_ONCE * 5 and headless.manifest["api"]["calls"] >= AT_ONCE * 5
