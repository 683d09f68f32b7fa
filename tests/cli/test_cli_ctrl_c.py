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


class Command:
    """A running `sfloader upsert --json`; each of its pipes has one reader thread, the only one: a second
    reader (``communicate``) of the stderr pipe shared its lines with the first and closed it under it,
    which failed the test on a busy machine."""

    def __init__(self, emulator: Any, src: Path) -> None:
        argv = [sys.executable, "-m", "sfloader_gui.cli", *upsert(emulator, src, extra=("--json",))]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self._out: list[str] = []
        self._readers = [
            threading.Thread(target=self._read_stderr, daemon=True),
            threading.Thread(target=self._read_stdout, daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.put(line)

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        self._out.append(self.proc.stdout.read())

    def line_with(self, text: str) -> str:
        while True:
            line = self.lines.get(timeout=30)
            if text in line:
                return line

    def finish(self) -> tuple[int, str]:
        """Its exit code and standard output, once it has ended."""
        code = self.proc.wait(timeout=60)
        for reader in self._readers:
            reader.join(timeout=30)
        return code, "".join(self._out)

    def __enter__(self) -> Command:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:  # a failed test: the command must not outlive it
            self.proc.kill()
        self.finish()
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()


def wait_for_poll(emulator: Any, proc: subprocess.Popen[str]) -> None:
    """A state the user would see: the org is being asked about the job."""
    with emulator.org.jobs.changed:
        assert emulator.org.jobs.changed.wait_for(
            lambda: (
                proc.poll() is not None or any(j.state == "InProgress" for j in emulator.org.jobs.listing())
            ),
            timeout=60,
        ), "no job of the command reached InProgress"
    assert proc.poll() is None, "the command ended before its job was polled"  # the job is stalled


def test_a_second_ctrl_c_aborts_the_running_job_and_saves_what_it_processed(
    emulator: Any, tmp_path: Path
) -> None:
    emulator.faults.stall_jobs = 1
    with Command(emulator, write_accounts(tmp_path / "a.csv", 1, 5)) as cmd:
        wait_for_poll(emulator, cmd.proc)
        cmd.proc.send_signal(signal.SIGINT)
        # Pressed again once the first press was answered: two signals sent at once can arrive as one.
        assert "Ctrl-C again to abort 1 running job in Salesforce" in cmd.line_with("Ctrl-C again")
        cmd.proc.send_signal(signal.SIGINT)
        code, out = cmd.finish()
    assert code == 1
    (job,) = json.loads(out)["jobs"]
    assert job["state"] == "Aborted" and job["unprocessed_file"]
    with connect(emulator) as conn:
        assert bulk.get_job(conn, job["job_id"]).state == "Aborted"


def test_one_ctrl_c_leaves_the_job_running_after_the_grace_time(emulator: Any, tmp_path: Path) -> None:
    emulator.faults.stall_jobs = 1
    with Command(emulator, write_accounts(tmp_path / "a.csv", 1, 5)) as cmd:
        wait_for_poll(emulator, cmd.proc)
        cmd.proc.send_signal(signal.SIGINT)
        cmd.line_with("Ctrl-C again to abort 1 running job")
        # The command waits out the grace time for a second press (this line is written when it ends) and
        # says how to get the results of the job it leaves running.
        assert "sfloader resume" in cmd.line_with("leaving the running jobs running")
        code, out = cmd.finish()
    assert code == 1
    (job,) = json.loads(out)["jobs"]
    with connect(emulator) as conn:
        assert bulk.get_job(conn, job["job_id"]).state == "InProgress"
