"""Background tasks free what they held once they reported, and survive garbage collection mid-flight."""

from __future__ import annotations

import gc
import threading
import weakref

from pytestqt.qtbot import QtBot

from sfloader_gui.ui.tasks import BackgroundTasks


class _Work:
    """A task body that can be watched with a weak reference (a lambda's closure cannot)."""

    def __init__(self, value: int) -> None:
        self.value = value
        self.payload = [object() for _ in range(50)]  # garbage-collected objects, like a describe result

    def __call__(self) -> list[object]:
        return [self.value, *self.payload]


def test_a_finished_task_keeps_nothing_alive(qtbot: QtBot) -> None:
    """Before issue 15 every task's QRunnable (autoDelete off) was taken over by C++ and never freed:
    the callable, the connection it captured and the signals wrapper stayed in memory for good."""
    tasks = BackgroundTasks(max_threads=2)
    results: list[object] = []
    work = _Work(7)
    watched = weakref.ref(work)
    tasks.submit(work, results.append, lambda message: results.append(message))
    del work
    qtbot.waitUntil(lambda: bool(results), timeout=10_000)
    assert tasks.wait(10_000)
    gc.collect()
    assert watched() is None, "the task's callable is still referenced after it reported"
    assert isinstance(results[0], list) and results[0][0] == 7


def test_many_tasks_report_once_each_while_the_ui_thread_collects_garbage(qtbot: QtBot) -> None:
    """The crash of issue 15 hit while the UI thread was garbage-collecting and tasks ran on the pool."""
    tasks = BackgroundTasks(max_threads=4)
    done: list[int] = []
    failed: list[str] = []
    started = threading.Event()

    def boom() -> int:
        started.set()
        raise ValueError("describe failed")

    count = 300
    for i in range(count):
        if i % 10 == 0:
            tasks.submit(boom, done.append, failed.append)
        else:
            tasks.submit(_Work(i), lambda result: done.append(int(str(result[0]))), failed.append)

    def all_reported() -> bool:
        gc.collect()  # full collections while the pool threads run and emit
        return len(done) + len(failed) == count

    qtbot.waitUntil(all_reported, timeout=60_000)
    assert tasks.wait(10_000)
    assert not tasks.busy
    assert sorted(done) == [i for i in range(count) if i % 10]
    assert failed == ["describe failed"] * (count // 10)
