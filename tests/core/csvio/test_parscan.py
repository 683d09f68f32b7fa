"""A large file's check shared with workers gives exactly what one pass gives: records, parts, findings
(messages and record numbers), whatever the cuts, the block sizes, the keys' order or the defects, and
also when a cut falls inside a quoted value or a worker dies, hangs or is cancelled."""

from __future__ import annotations

import hashlib
import pickle
import random
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from sfloader_gui.core.csvio import parscan, scan
from sfloader_gui.core.csvio.dialect import DELIMITERS, CsvDialect, sniff
from sfloader_gui.core.csvio.parscan import (
    Parallel,
    RangeJob,
    RangeScan,
    RangeWorker,
    start_process,
    start_thread,
)
from sfloader_gui.core.csvio.scan import ScanResult, scan_file
from sfloader_gui.core.load.plan import plan_file
from sfloader_gui.core.models import LoadOptions
from tests.core.csvio.test_scan_fuzz import make_rows, plant, render

ROOT = Path(__file__).resolve().parents[3]


def outcome(res: ScanResult) -> tuple[object, ...]:
    return res.records, res.parts, [(f.severity, f.code, f.message, f.records) for f in res.findings]


def naive_probe(fh: object, scanner: object, at: int, end: int) -> int | None:
    """A cut just after the first newline, wherever it is: often inside a quoted value."""
    fh.seek(at)  # type: ignore[attr-defined]
    window: bytes = fh.read(min(4096, end - at))  # type: ignore[attr-defined]
    nl = window.find(b"\n")
    return None if nl < 0 else at + nl + 1


class Spy:
    """A worker whose answers the test can read."""

    def __init__(
        self, inner: RangeWorker, answers: list[RangeScan | None], on_wait: Callable[[], None]
    ) -> None:
        self.inner, self.answers, self.on_wait = inner, answers, on_wait

    def result(self, should_stop: Callable[[], bool], deadline: float) -> RangeScan | None:
        self.on_wait()
        answer = self.inner.result(should_stop, deadline)
        self.answers.append(answer)
        return answer

    def close(self) -> None:
        self.inner.close()


def spying(
    launch: Callable[[RangeJob], RangeWorker],
    answers: list[RangeScan | None],
    on_wait: Callable[[], None] = lambda: None,
) -> Callable[[RangeJob], RangeWorker]:
    return lambda job: Spy(launch(job), answers, on_wait)


def fuzz_file(tmp_path: Path, seed: int, defect: str | None) -> tuple[Path, CsvDialect, int]:
    rnd = random.Random(seed)
    d = rnd.choice(list(DELIMITERS.values()))
    ncols = rnd.randint(2, 5)
    key = rnd.randrange(ncols)
    header = [f"C{i}" for i in range(ncols)]
    header[key] = "Ext__c"
    rows = make_rows(rnd, rnd.randint(200, 600), ncols, key, d)
    plant(rows, defect, rnd.randrange(1, len(rows)), key)
    data = render(rows, header, d, rnd.choice(["\n", "\r\n"]), rnd)
    if defect == "stray_quote":  # a quote never closed, late in the file
        at = data.rfind(b"\n", 0, len(data) * 3 // 4) + 1
        data = data[:at] + b'"' + data[at:]
    path = tmp_path / f"f{seed}.csv"
    path.write_bytes(data)
    dialect = sniff(path, delimiter=d)
    limit = rnd.choice([len(dialect.header_bytes) + 400, 3000, 10**8])
    return path, dialect, limit


@pytest.mark.parametrize(
    "defect", [None, "ragged_row", "blank_external_id", "duplicate_external_id", "stray_quote"]
)
@pytest.mark.parametrize("seed", range(6))
def test_a_shared_check_finds_exactly_what_one_pass_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, defect: str | None
) -> None:
    path, dialect, limit = fuzz_file(tmp_path, seed, defect)
    for chunk in (7, 1 << 16):
        alone = outcome(scan_file(path, dialect, "Ext__c", limit, chunk_size=chunk))
        for ranges in (2, 5):
            for probe in (scan._probe, naive_probe):
                monkeypatch.setattr(scan, "_probe", probe)
                par = Parallel(ranges, 0, start_thread)
                shared = outcome(scan_file(path, dialect, "Ext__c", limit, chunk_size=chunk, parallel=par))
                assert shared == alone, (chunk, ranges, probe)


def big_file(tmp_path: Path, rows: int = 20_000) -> Path:
    """Sorted keys and a quoted value with a newline in every record (every other newline is inside
    quotes), as exports of long-text fields are."""
    lines = ["External_Id__c,Name,Description\n"]
    lines += [f'EXT-{i:07d},Account {i},"first line, {i}\nsecond ""line"""\n' for i in range(rows)]
    path = tmp_path / "big.csv"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_a_worker_process_checks_its_range_and_its_answer_is_used(tmp_path: Path) -> None:
    path = big_file(tmp_path)
    dialect = sniff(path)
    answers: list[RangeScan | None] = []
    alone = outcome(scan_file(path, dialect, "External_Id__c", 300_000))
    par = Parallel(2, 0, spying(start_process, answers))
    assert outcome(scan_file(path, dialect, "External_Id__c", 300_000, parallel=par)) == alone
    (answer,) = answers
    assert answer is not None and answer.stop == answer.end == path.stat().st_size
    assert (
        5_000 < answer.records < 15_000
        and answer.first_key is not None
        and answer.first_key.startswith(b"EXT-")
    )


def test_keys_out_of_order_and_a_repeat_across_the_ranges_are_found_with_a_worker(tmp_path: Path) -> None:
    """Business exports are often sorted by name, not by ID: the worker's keys come back through its key
    file, and a key of the worker's range that repeats one of this process's range is reported as one
    pass reports it."""
    rows = 20_000
    order = random.Random(7).sample(range(rows), rows)
    order[rows - 10] = order[5]  # late in the worker's range, the key of record 6
    lines = ["External_Id__c,Name,Description\n"]
    lines += [f'EXT-{k:07d},Account {k},"first line, {k}\nsecond ""line"""\n' for k in order]
    path = tmp_path / "unordered.csv"
    path.write_text("".join(lines), encoding="utf-8")
    dialect = sniff(path)
    alone = outcome(scan_file(path, dialect, "External_Id__c", 300_000))
    answers: list[RangeScan | None] = []
    par = Parallel(2, 0, spying(start_process, answers))
    res = scan_file(path, dialect, "External_Id__c", 300_000, parallel=par)
    assert outcome(res) == alone
    (answer,) = answers
    assert answer is not None and answer.stop == answer.end and not answer.ordered
    (dupe,) = [f for f in res.findings if f.code == "duplicate_external_id"]
    assert dupe.records == [6, rows - 9]


def test_a_worker_that_dies_or_answers_nonsense_leaves_the_range_to_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = big_file(tmp_path)
    dialect = sniff(path)
    alone = outcome(scan_file(path, dialect, "External_Id__c", 300_000))
    for code in ("raise SystemExit(3)", "import sys; sys.stdout.write('not a pickle')"):
        monkeypatch.setattr(parscan, "worker_command", lambda code=code: [sys.executable, "-c", code])
        answers: list[RangeScan | None] = []
        par = Parallel(2, 0, spying(start_process, answers))
        assert outcome(scan_file(path, dialect, "External_Id__c", 300_000, parallel=par)) == alone
        assert answers == [None]


def sleeping_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[list[RangeWorker], Callable[[RangeJob], RangeWorker]]:
    """Worker processes that never answer, and the launcher that starts them."""
    monkeypatch.setattr(
        parscan, "worker_command", lambda: [sys.executable, "-c", "import time; time.sleep(120)"]
    )
    workers: list[RangeWorker] = []

    def launch(job: RangeJob) -> RangeWorker:
        workers.append(start_process(job))
        return workers[-1]

    return workers, launch


def killed(worker: RangeWorker) -> bool:
    code = worker._proc.returncode  # type: ignore[attr-defined]
    return code is not None and code != 0


def test_cancelling_while_a_worker_runs_ends_the_worker_and_reports_cancelled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = big_file(tmp_path)
    workers, launch = sleeping_workers(monkeypatch)
    waiting = threading.Event()
    par = Parallel(2, 0, lambda job: Spy(launch(job), [], waiting.set))
    res = scan_file(path, sniff(path), "External_Id__c", 300_000, should_stop=waiting.is_set, parallel=par)
    assert [f.code for f in res.findings] == ["cancelled"]
    assert killed(workers[0])  # not left running


def test_a_worker_that_hangs_is_ended_and_its_range_checked_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = big_file(tmp_path)
    alone = outcome(scan_file(path, sniff(path), "External_Id__c", 300_000))
    workers, launch = sleeping_workers(monkeypatch)
    monkeypatch.setattr(scan, "_patience", lambda took: 0.3)
    shared = outcome(scan_file(path, sniff(path), "External_Id__c", 300_000, parallel=Parallel(2, 0, launch)))
    assert shared == alone
    assert killed(workers[0])  # not left running


def test_a_frozen_launcher_hands_the_worker_argument_to_the_worker(tmp_path: Path) -> None:
    """The bundle starts itself with WORKER_ARG: both entry scripts must answer as a worker."""
    path = big_file(tmp_path, 2_000)
    dialect = sniff(path)
    job = RangeJob(str(path), dialect, 0, dialect.data_offset, path.stat().st_size, 4096)
    for script in ("launch.py", "launch_cli.py"):
        out = subprocess.run(
            [sys.executable, str(ROOT / "packaging" / script), parscan.WORKER_ARG],
            input=pickle.dumps(job), capture_output=True, check=True, timeout=60,
        ).stdout  # fmt: skip
        answer = pickle.loads(out)
        assert isinstance(answer, RangeScan) and answer.records == 2_000 and answer.stop == answer.end


def test_the_plan_of_a_large_file_is_shared_out_and_its_fingerprint_is_the_whole_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = big_file(tmp_path)
    options = LoadOptions(object_name="Account", external_id_field="External_Id__c", part_size_bytes=300_000)
    monkeypatch.setattr(parscan, "default_parallel", lambda: None)
    alone = plan_file(path, options)
    answers: list[RangeScan | None] = []
    monkeypatch.setattr(parscan, "default_parallel", lambda: Parallel(2, 0, spying(start_process, answers)))
    shared = plan_file(path, options)
    assert answers and answers[0] is not None and answers[0].stop == answers[0].end
    assert (shared.records, shared.parts, shared.findings) == (alone.records, alone.parts, alone.findings)
    assert shared.sha256 == alone.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
