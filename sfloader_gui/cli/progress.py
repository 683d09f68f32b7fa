"""The terminal side of a running load: one redrawn status line, Ctrl-C and SIGTERM."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from sfloader_gui.core.load.journal import Journal
from sfloader_gui.core.models import CancelToken, EventKind, JobEvent, JobState, LoadOptions
from sfloader_gui.core.salesforce.connection import SalesforceConnection

if TYPE_CHECKING:  # imported where used: `sfloader --help` stays quick
    from sfloader_gui.core.load.plan import LoadPlan
    from sfloader_gui.core.load.run import RunResult


class Progress:
    """One status line on a terminal's stderr, redrawn as events arrive; silent when not a TTY."""

    def __init__(self, stream: TextIO, total_parts: int) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.total = total_parts
        self._lock = threading.Lock()
        self._states: dict[str, JobState] = {}
        self._sent: dict[str, int] = {}
        self._processed: dict[str, tuple[int, int]] = {}

    def __call__(self, event: JobEvent) -> None:
        key = event.part.key
        with self._lock:
            self._states[key] = event.state
            if event.kind is EventKind.UPLOAD_PROGRESS:
                self._sent[key] = event.bytes_sent
            if event.kind is EventKind.PROCESSING:
                self._processed[key] = (event.records_processed, event.records_failed)
            if not self.enabled:
                return
            if event.kind is EventKind.LOG or (event.kind is EventKind.STATE and event.message):
                self.stream.write(f"\r\033[K{event.part.describe()}: {event.message}\n")
            self.stream.write("\r\033[K" + self.line())
            self.stream.flush()

    def running(self) -> int:
        """Parts whose job is on the server and not ended yet."""
        with self._lock:
            return sum(1 for s in self._states.values() if not s.is_terminal and s is not JobState.QUEUED)

    def line(self) -> str:
        states = list(self._states.values())
        done = sum(1 for s in states if s.is_terminal)
        running = len(states) - done - sum(1 for s in states if s is JobState.QUEUED)
        processed = sum(p for p, _ in self._processed.values())
        failed = sum(f for _, f in self._processed.values())
        mb = sum(self._sent.values()) / 1e6
        return (
            f"jobs {done}/{self.total} done, {running} running · {mb:,.1f} MB sent · "
            f"{processed:,} records processed, {failed:,} failed"
        )

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


@contextlib.contextmanager
def _on_sigterm(cancel: CancelToken) -> Iterator[None]:
    """A scheduler's SIGTERM stops like one Ctrl-C: no new parts, running jobs left to finish."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, lambda *_: cancel.cancel(abort_jobs=False))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


CTRL_C_GRACE_S = 5.0  # after a first Ctrl-C: time to press it again and abort the running jobs


class _CtrlC:
    """Counts Ctrl-C presses with a signal handler, so a press at any moment (even while the previous
    one is being answered) is seen by the waiting loop instead of interrupting it."""

    def __init__(self) -> None:
        self.presses = 0

    def __call__(self, signum: int, frame: object) -> None:
        self.presses += 1


@contextlib.contextmanager
def _counting_ctrl_c() -> Iterator[_CtrlC]:
    counter = _CtrlC()
    if threading.current_thread() is not threading.main_thread():
        yield counter
        return
    previous = signal.signal(signal.SIGINT, counter)
    try:
        yield counter
    finally:
        signal.signal(signal.SIGINT, previous)


def _wait_with_ctrl_c(
    future: Future[RunResult | None], cancel: CancelToken, progress: Progress, ctrl_c: _CtrlC
) -> RunResult | None:
    """Wait for the load. A first Ctrl-C starts no new part and gives ``CTRL_C_GRACE_S`` to press it again
    (abort the running jobs in Salesforce); without a second one the jobs are left running and the command
    ends, saying how to get their results. SIGTERM (``_on_sigterm``) does not wait."""
    grace_until: float | None = None
    seen = 0
    while True:
        try:
            return future.result(timeout=0.1)
        except FutureTimeout:
            pass
        if ctrl_c.presses > seen:
            seen = ctrl_c.presses
            if grace_until is None and not cancel.cancelled:
                running = progress.running()
                cancel.stop_new()
                if running == 0:
                    cancel.cancel(abort_jobs=False)
                    print("\nsfloader: stopping: no part is started any more.", file=sys.stderr)
                    continue
                grace_until = time.monotonic() + CTRL_C_GRACE_S
                jobs = "job" if running == 1 else "jobs"
                again = f"Ctrl-C again to abort {running} running {jobs} in Salesforce"
                later = f"otherwise they are left running in {CTRL_C_GRACE_S:g} s"
                print(f"\nsfloader: no new part is started. {again} (rows already processed stay "
                      f"loaded); {later}.", file=sys.stderr, flush=True)  # fmt: skip
            elif not cancel.abort_jobs:
                cancel.cancel(abort_jobs=True, reason="you pressed Ctrl-C twice")
                print("\nsfloader: aborting the running jobs in Salesforce, then saving what they processed…",
                      file=sys.stderr, flush=True)  # fmt: skip
        elif grace_until is not None and time.monotonic() >= grace_until and not cancel.cancelled:
            cancel.cancel(abort_jobs=False)
            print("sfloader: leaving the running jobs running in Salesforce; get their results later "
                  "with: sfloader resume RUN_DIR", file=sys.stderr, flush=True)  # fmt: skip


def run_with_progress(
    conn: SalesforceConnection,
    plan: LoadPlan | None,
    options: LoadOptions,
    out: Path,
    *,
    retry_of: Path | None = None,
) -> RunResult | None:
    """Run the load on a worker thread; see ``_wait_with_ctrl_c`` for Ctrl-C and SIGTERM."""
    from sfloader_gui.core.load import engine
    from sfloader_gui.core.load.part.plan import part_plans

    progress = Progress(sys.stderr, len(part_plans(plan)) if plan is not None else 0)
    cancel = CancelToken()

    journal = Journal()  # jobs left running (timeout, Ctrl-C) stay findable: `sfloader jobs --unsettled`

    def work() -> RunResult | None:
        try:
            if retry_of is not None:
                return engine.retry_failed(conn, retry_of, options, out, progress, cancel, journal)
            assert plan is not None, "a plan, or a run folder to retry"
            return engine.run_load(conn, plan, options, out, progress, cancel, journal=journal)
        finally:
            journal.close()

    with (
        _on_sigterm(cancel),
        _counting_ctrl_c() as ctrl_c,
        ThreadPoolExecutor(1, thread_name_prefix="sfloader-load") as pool,
    ):
        future = pool.submit(work)
        result = _wait_with_ctrl_c(future, cancel, progress, ctrl_c)
    progress.finish()
    return result
