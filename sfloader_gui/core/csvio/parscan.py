"""Share a large file's check out: later ranges of its body are scanned by worker processes.

The scan is bytes operations that hold the GIL, so threads cannot share it; a worker process can. The
body is cut near equal offsets at newlines that look like record boundaries (``scan.py`` probes them);
this process scans the first range itself while each worker scans one later range on the fast path
only, and returns where its blocks lie, their record counts and its first and last External ID; the
keys themselves go to a private temp file, read only when they are not in order with this process's.
Nothing a worker says is taken on trust about where it started: the range before it must end with a
complete block exactly at its start (quote parity proves the boundary), and anything a worker could
not prove (a block that needs the detailed check, a start inside a quoted value, a worker that died or
hangs) makes this process scan the rest of the file itself. The result is the same as one pass by
construction, only sooner on a machine with more than one core.

Workers are this program started again: ``python -P -c ...`` from a virtual environment, or the frozen
executable with ``WORKER_ARG`` (the launchers in ``packaging/`` hand that to ``worker_main`` before
anything else is imported). The job goes in on stdin and the answer comes back on stdout, pickled: both
ends are this program.

API::

    WORKER_ARG = "--sfloader-scan-worker"
    @dataclass(frozen=True)
    class RangeJob: path, dialect, key_col, start, end, chunk_size, keys_path
        # keys_path: a private temp file the worker writes each block's External IDs to, NUL-separated
    @dataclass(frozen=True)
    class RangeScan:
        start: int; end: int     # the range asked for
        stop: int                # where its proven-good blocks end (== end: the whole range)
        blocks: array            # offset, length, records, bytes of keys in keys_path of each block, flat
        records: int
        ordered: bool            # its keys strictly increasing; then first_key .. last_key
        first_key: bytes | None; last_key: bytes | None
    class RangeWorker(Protocol):
        result(should_stop, deadline) -> RangeScan | None   # None: no usable answer
        close() -> None                                      # ends the worker if it still runs
    @dataclass(frozen=True)
    class Parallel(ranges, min_bytes=MIN_PARALLEL_BYTES, launch=start_process)
    default_parallel() -> Parallel | None     # None on one core
    start_process(job) -> RangeWorker         # a worker process
    start_thread(job) -> RangeWorker          # the same work on a thread (tests: no process start)
    worker_main() -> int                      # the worker's side
"""

from __future__ import annotations

import logging
import os
import pickle
import sys
import threading
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from sfloader_gui.core.csvio.dialect import CsvDialect

log = logging.getLogger(__name__)

WORKER_ARG = "--sfloader-scan-worker"
# Below this a worker's start (~0.13 s: an interpreter and the scan's modules) costs about what it saves.
MIN_PARALLEL_BYTES = 64 << 20
# Ranges at most: this process and one worker. A worker holds 16-17 MiB while it runs (an interpreter,
# the scan's modules and its blocks), and the loader's whole footprint stays under 64 MiB with one; a
# third range would save ~0.2 s more on a 1M-row file (on 3+ cores) and cost as much again.
MAX_RANGES = 2
# Blocks while a worker runs, there and here: memory grows ~7 MiB per MiB of block and the speed is
# within 3 % from 128 KiB to 512 KiB (a worker: 17.5 MiB at 128 KiB, 19.1 at 256 KiB, same 0.73 s).
WORKER_CHUNK = 128 << 10
SHARED_CHUNK = 256 << 10
# What this process scans while a worker starts (~0.13 s: an interpreter and the scan's modules, at
# ~190 MB/s): its own range is that much longer, so that both end at about the same time.
WORKER_START_BYTES = 24 << 20


@dataclass(frozen=True)
class RangeJob:
    path: str
    dialect: CsvDialect
    key_col: int | None
    start: int
    end: int
    chunk_size: int
    keys_path: str | None = None


@dataclass(frozen=True)
class RangeScan:
    start: int
    end: int
    stop: int
    blocks: array[int] = field(repr=False)
    records: int
    ordered: bool
    first_key: bytes | None
    last_key: bytes | None


class RangeWorker(Protocol):
    def result(self, should_stop: Callable[[], bool], deadline: float) -> RangeScan | None: ...
    def close(self) -> None: ...


def _cores() -> int:
    counter = getattr(os, "process_cpu_count", None)  # Python 3.13: the cores this process may use
    if counter is not None:
        return int(counter() or 1)
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def start_process(job: RangeJob) -> RangeWorker:
    return _ProcessWorker(job)


def start_thread(job: RangeJob) -> RangeWorker:
    return _ThreadWorker(job)


@dataclass(frozen=True)
class Parallel:
    """How a large file's check is shared out: ``ranges`` ranges, the first scanned in this process."""

    ranges: int
    min_bytes: int = MIN_PARALLEL_BYTES
    launch: Callable[[RangeJob], RangeWorker] = start_process


def default_parallel() -> Parallel | None:
    """One range per core, at most ``MAX_RANGES``; None on one core."""
    ranges = min(_cores(), MAX_RANGES)
    return Parallel(ranges, MIN_PARALLEL_BYTES) if ranges > 1 else None


def worker_command() -> list[str]:
    if getattr(sys, "frozen", False):
        return [sys.executable, WORKER_ARG]
    # -P: the current folder is not put on the module path (a folder named like a module cannot step in).
    code = "from sfloader_gui.core.csvio.parscan import worker_main; raise SystemExit(worker_main())"
    return [sys.executable, "-P", "-c", code]


class _ProcessWorker:
    """One worker process; a thread reads its answer as it comes, so the pipe never fills up."""

    def __init__(self, job: RangeJob) -> None:
        import subprocess  # here: a worker itself never starts one (its memory counts with this one's)

        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)  # Windows: no console flashes up
        self._proc = subprocess.Popen(
            worker_command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            creationflags=flags,
        )
        self._out = b""
        self._reader = threading.Thread(target=self._read, name="scan-worker-answer", daemon=True)
        self._reader.start()
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(pickle.dumps(job))
            self._proc.stdin.close()
        except OSError:  # it died at once: result() says None
            pass

    def _read(self) -> None:
        assert self._proc.stdout is not None
        with self._proc.stdout:
            self._out = self._proc.stdout.read()

    def result(self, should_stop: Callable[[], bool], deadline: float) -> RangeScan | None:
        while self._reader.is_alive():
            if should_stop() or time.monotonic() > deadline:
                self.close()
                return None
            self._reader.join(0.05)
        if self._proc.wait() != 0:
            log.info(
                "a scan worker ended with status %s; this process scans its range", self._proc.returncode
            )
            return None
        try:
            answer = pickle.loads(self._out)
        except Exception:  # noqa: BLE001 - a broken answer is no answer: the range is scanned here
            log.info("a scan worker's answer could not be read; this process scans its range")
            return None
        return answer if isinstance(answer, RangeScan) else None

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        self._reader.join()


class _ThreadWorker:
    """The worker's work on a thread of this process (tests and the fuzz check: no process start)."""

    def __init__(self, job: RangeJob) -> None:
        self._answer: RangeScan | None = None
        self._thread = threading.Thread(target=self._run, args=(job,), name="scan-range", daemon=True)
        self._thread.start()

    def _run(self, job: RangeJob) -> None:
        from sfloader_gui.core.csvio.scan import scan_range

        self._answer = scan_range(job)

    def result(self, should_stop: Callable[[], bool], deadline: float) -> RangeScan | None:
        while self._thread.is_alive():
            if should_stop() or time.monotonic() > deadline:
                return None
            self._thread.join(0.05)
        return self._answer

    def close(self) -> None:
        pass  # the thread ends with its range


def worker_main() -> int:
    """A worker: a pickled ``RangeJob`` on stdin, the pickled ``RangeScan`` on stdout."""
    from sfloader_gui.core.csvio.scan import scan_range

    job = pickle.load(sys.stdin.buffer)
    if not isinstance(job, RangeJob):
        return 2
    sys.stdout.buffer.write(pickle.dumps(scan_range(job)))
    sys.stdout.buffer.flush()
    return 0
