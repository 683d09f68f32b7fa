"""Case 11: the network goes down while jobs are polled: pauses grow across failures, the run resumes, a
long outage costs a handful of log lines; the 2 h timeout only ever stops waiting."""

from __future__ import annotations

import logging
import math
import threading
from pathlib import Path
from typing import Any

import pytest

from sfloader_gui.core.models import EventKind, JobEvent
from tests.core.load.loadkit import Recorder, load, options, write_accounts
from tests.faults.kit import nothing_lost

# Scaled: the test's poll interval is 1/250 of the default 5 s, so this outage stands for 10 minutes
# (10 times the longest pause between checks: 12 intervals).
POLL_S = 0.02
OUTAGE_S = 10 * 12 * POLL_S


def test_an_outage_is_ridden_out_with_a_handful_of_log_lines(
    emulator: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sfloader_gui")

    # The outage starts once every job is on the server and polled: all three stay InProgress until then.
    # (On its first "Upload complete", another part could still be uploading on a busy machine, and its
    # job's failed upload and new job are a different case, with more to tell.)
    emulator.faults.stall_jobs = 3
    uploaded: set[str] = set()
    lock = threading.Lock()

    def outage_once_all_polled(event: JobEvent) -> bool:
        if event.kind is EventKind.STATE and event.message.startswith("Upload complete"):
            with lock:
                first_time = len(uploaded) < len(files)
                uploaded.add(event.part.key)
                if first_time and len(uploaded) == len(files):
                    emulator.faults.start_outage(OUTAGE_S)
                    emulator.faults.release_stalled()
        return False

    files = [write_accounts(tmp_path / f"f{n}.csv", n * 100, 10) for n in range(3)]
    result = load(emulator, files, tmp_path / "out", options(poll_interval_s=POLL_S, max_concurrent_jobs=3),
                  recorder=Recorder(trigger=outage_once_all_polled))  # fmt: skip
    assert result.ok
    dropped = [r for r in emulator.stats.find() if r.status == 0]
    assert len(dropped) >= 3  # the outage was felt
    lines = [r for r in caplog.records if r.name.startswith("sfloader_gui.core")]
    # At most 5 lines a job (close lost, checks failing, closed again, answering again, a download to
    # try again) and the
    # connection's 1st, 2nd, 4th, 8th... failure: the count grows with the log of the outage, not with it.
    assert len(lines) <= 5 * len(files) + math.log2(len(dropped)) + 2, "\n".join(
        r.getMessage() for r in lines
    )
    nothing_lost(result.run_dir, emulator, records=30)
