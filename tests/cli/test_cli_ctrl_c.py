"""Ctrl-C in `sfloader upsert`: the first one starts nothing new and offers, for 5 s, to abort the running
jobs in Salesforce; a second one aborts them and still saves what they processed."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from sfloader_gui.core.salesforce import bulk
from tests.cli.test_cli import upsert
from tests.core.load.loadkit import connect, write_accounts


def start(emulator: Any, src: Path) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    argv = [sys.executable, "-m", "sfloader_gui.cli", *upsert(emulator, src, extra=("--json",))]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    return proc, lines


def wait_for_poll(emulator: Any, proc: subprocess.Popen[str]) -> None:
    """A state the user would see: the org is being asked about the job."""
    with emulator.org.jobs.changed:
        emulator.org.jobs.changed.wait_for(
            lambda: (
                proc.poll() is not None or any(j.state == "InProgress" for j in emulator.org.jobs.listing())
            ),
            timeout=30,
        )


def line_with(lines: queue.Queue[str], text: str) -> str:
    while True:
        line = lines.get(timeout=30)
        if text in line:
            return line


def test_a_second_ctrl_c_aborts_the_running_job_and_saves_what_it_processed(
    emulator: Any, tmp_path: Path
) -> None:
    emulator.faults.stall_jobs = 1
    proc, lines = start(emulator, write_accounts(tmp_path / "a.csv", 1, 5))
    wait_for_poll(emulator, proc)
    proc.send_signal(signal.SIGINT)
    assert "Ctrl-C again to abort 1 running job in Salesforce" in line_with(lines, "Ctrl-C again")
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 1
    (job,) = json.loads(out)["jobs"]
    assert job["state"] == "Aborted" and job["unprocessed_file"]
    with connect(emulator) as conn:
        assert bulk.get_job(conn, job["job_id"]).state == "Aborted"


def test_one_ctrl_c_leaves_the_job_running_after_the_grace_time(emulator: Any, tmp_path: Path) -> None:
    emulator.faults.stall_jobs = 1
    proc, lines = start(emulator, write_accounts(tmp_path / "a.csv", 1, 5))
    wait_for_poll(emulator, proc)
    proc.send_signal(signal.SIGINT)
    line_with(lines, "Ctrl-C again to abort 1 running job")
    assert proc.poll() is None  # still running, waiting for a second Ctrl-C
    assert "sfloader resume" in line_with(lines, "leaving the running jobs running")
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 1
    (job,) = json.loads(out)["jobs"]
    with connect(emulator) as conn:
        assert bulk.get_job(conn, job["job_id"]).state == "InProgress"
