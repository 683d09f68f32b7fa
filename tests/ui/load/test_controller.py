"""The controller's thread plumbing with stand-in part functions: pool size, row updates, cancel, crashes.

The real engine against the emulator is exercised in test_main_window_load.py; these tests pin down what the
controller itself promises whatever the job function does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from sfloader_gui.core.models import CancelToken, EventKind, JobEvent, JobOutcome, JobState, PartRef
from sfloader_gui.ui.load.controller import LoadController, PreparedPart, PreparedRun, RunResult
from sfloader_gui.ui.load.jobs_model import JobsModel
from sfloader_gui.ui.tasks import BackgroundTasks

Sink = Callable[[JobEvent], None]


class Concurrency:
    def __init__(self) -> None:
        self.now = 0
        self.peak = 0
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self.now -= 1


def completing_job(
    ref: PartRef, rows: int, gate: threading.Barrier | None, conc: Concurrency
) -> Callable[[Sink, CancelToken], JobOutcome]:
    def job(on_event: Sink, cancel: CancelToken) -> JobOutcome:
        with conc:
            on_event(JobEvent(EventKind.STATE, ref, JobState.OPEN, job_id=f"750{ref.part:015d}"))
            on_event(JobEvent(EventKind.UPLOAD_PROGRESS, ref, JobState.OPEN, bytes_sent=5, bytes_total=10))
            if gate is not None:
                gate.wait(timeout=10)  # proves `max_jobs` parts really run at the same time
            on_event(JobEvent(EventKind.PROCESSING, ref, JobState.IN_PROGRESS, records_processed=rows))
            return JobOutcome(
                part=ref, state=JobState.JOB_COMPLETE, job_id=f"750{ref.part:015d}", rows=rows,
                records_processed=rows, records_failed=1,
            )  # fmt: skip

    return job


def make_controller(qtbot: QtBot) -> tuple[LoadController, BackgroundTasks]:
    tasks = BackgroundTasks()
    controller = LoadController(JobsModel(), tasks)
    return controller, tasks


def run_and_wait(qtbot: QtBot, controller: LoadController, run: PreparedRun) -> RunResult:
    with qtbot.waitSignal(controller.run_finished, timeout=20_000) as blocker:
        controller.start(run)
    result: RunResult = blocker.args[0]
    return result


def refs(n: int) -> list[PartRef]:
    return [PartRef(Path("/data/accounts.csv"), i + 1, n) for i in range(n)]


def test_parts_run_in_parallel_up_to_the_pool_size_and_rows_complete(qtbot: QtBot) -> None:
    controller, tasks = make_controller(qtbot)
    conc = Concurrency()
    gate = threading.Barrier(4)
    parts = [PreparedPart(r, 10, completing_job(r, 10, gate, conc)) for r in refs(8)]
    finalized: list[int] = []

    def finalize(outcomes: list[JobOutcome], cancelled: bool) -> Path:
        finalized.append(len(outcomes))
        return Path("/x")

    run = PreparedRun(parts, max_jobs=4, finalize=finalize)
    result = run_and_wait(qtbot, controller, run)
    assert conc.peak == 4, "exactly max_jobs parts ran at once"
    assert controller.pool.maxThreadCount() == 4
    assert finalized == [8]
    assert {o.state for o in result.outcomes} == {JobState.JOB_COMPLETE}
    rows = controller.model.rows()
    assert [r.state for r in rows] == [JobState.JOB_COMPLETE] * 8
    assert all(r.processed == 10 and r.failed == 1 and r.job_id for r in rows)
    controller.shutdown()
    tasks.wait()


def test_pool_never_exceeds_fifteen(qtbot: QtBot) -> None:
    controller, tasks = make_controller(qtbot)
    conc = Concurrency()
    parts = [PreparedPart(r, 1, completing_job(r, 1, None, conc)) for r in refs(3)]
    run_and_wait(qtbot, controller, PreparedRun(parts, max_jobs=40, finalize=lambda o, c: None))
    assert controller.pool.maxThreadCount() == 15
    controller.shutdown()
    tasks.wait()


@pytest.mark.parametrize("abort", [True, False])
def test_cancel_drops_queued_parts_and_tells_running_ones(qtbot: QtBot, abort: bool) -> None:
    controller, tasks = make_controller(qtbot)
    started: list[PartRef] = []
    seen_abort: list[bool] = []

    def blocking(ref: PartRef) -> Callable[[Sink, CancelToken], JobOutcome]:
        def job(on_event: Sink, cancel: CancelToken) -> JobOutcome:
            on_event(JobEvent(EventKind.STATE, ref, JobState.IN_PROGRESS, job_id="750X"))
            started.append(ref)
            assert cancel.wait(20), "cancel never arrived"
            seen_abort.append(cancel.abort_jobs)
            state = JobState.ABORTED if cancel.abort_jobs else JobState.TIMED_OUT
            return JobOutcome(part=ref, state=state, job_id="750X", error_message="stopped by the user")

        return job

    parts = [PreparedPart(r, 5, blocking(r)) for r in refs(5)]
    controller.start(PreparedRun(parts, max_jobs=2, finalize=lambda o, c: None))
    qtbot.waitUntil(lambda: len(started) == 2, timeout=10_000)
    with qtbot.waitSignal(controller.run_finished, timeout=20_000) as blocker:
        controller.cancel(abort_jobs=abort)
    result: RunResult = blocker.args[0]
    assert result.cancelled
    states = sorted(o.state.value for o in result.outcomes)
    running_state = JobState.ABORTED if abort else JobState.TIMED_OUT
    assert states == sorted([running_state.value] * 2 + [JobState.CANCELLED.value] * 3)
    assert seen_abort == [abort, abort]
    controller.shutdown()
    tasks.wait()


def test_a_crashing_part_becomes_an_error_row_with_its_message(qtbot: QtBot) -> None:
    controller, tasks = make_controller(qtbot)
    (ref,) = refs(1)

    def broken(on_event: Sink, cancel: CancelToken) -> JobOutcome:
        raise RuntimeError("disk on fire")

    with qtbot.waitSignal(controller.part_failed, timeout=10_000) as failed:
        run_and_wait(qtbot, controller, PreparedRun([PreparedPart(ref, 1, broken)], 1, lambda o, c: None))
    assert failed.args[0] == ref
    assert "disk on fire" in failed.args[1]
    row = controller.model.rows()[0]
    assert row.state is JobState.ERROR
    assert row.error is not None and "disk on fire" in row.error
    controller.shutdown()
    tasks.wait()


def test_cancel_right_after_start_sends_nothing(qtbot: QtBot) -> None:
    controller, tasks = make_controller(qtbot)
    ran: list[PartRef] = []

    def job_for(ref: PartRef) -> Callable[[Sink, CancelToken], JobOutcome]:
        def job(on_event: Sink, cancel: CancelToken) -> JobOutcome:
            ran.append(ref)
            return JobOutcome(part=ref, state=JobState.JOB_COMPLETE)

        return job

    parts = [PreparedPart(r, 1, job_for(r)) for r in refs(6)]
    controller.start(PreparedRun(parts, max_jobs=3, finalize=lambda o, c: None))
    with qtbot.waitSignal(controller.run_finished, timeout=10_000) as done:
        controller.cancel(abort_jobs=False)
    result: RunResult = done.args[0]
    assert ran == [], "parts not yet handed to the pool never run"
    assert [o.state for o in result.outcomes] == [JobState.CANCELLED] * 6
    assert [r.state for r in controller.model.rows()] == [JobState.CANCELLED] * 6
    controller.shutdown()
    tasks.wait()
