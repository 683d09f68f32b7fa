"""One streaming pass over a CSV body: count records, cut parts at record boundaries, find bad input.

The pass reads blocks of whole records (quote parity, ``chunks.py``) and proves each block good with a
few bytes operations over the block (no Python bytecode per record): the text outside quotes,
reduced to its delimiters and newlines, must equal ``ncols - 1`` delimiters and a newline per record;
quotes may only open or close a field; no piece of text is long enough to hold a field over the limit;
line endings match; the block is UTF-8. A block that fails a check is parsed record by record to say
exactly which records are wrong (``records.parse_record``). External IDs are hashed into a bounded
``KeyIndex``; a second, targeted pass runs only when a value repeats. Line numbers for messages are
counted only when there is a problem to report. A large file's pass can be shared with a worker process
(``parscan.py``: the worker's range is taken only from a proven record boundary, so the result is the
one pass's).

API::

    @dataclass(frozen=True)
    class PartSpan:
        index: int         # 1-based
        start: int         # byte offset in the file of the part's first record
        end: int           # byte offset just past its last record (exclusive)
        records: int
        first_record: int  # 1-based record number (header excluded) of its first record

    @dataclass
    class ScanResult:
        records: int
        parts: list[PartSpan]
        findings: list[Finding]
        key_column: int | None      # index of the External ID column in the header
        key_index: KeyIndex | None  # hashes of the keys (for cross-file duplicate checks)

    scan_file(path, dialect, external_id_field, max_part_bytes, *, on_read=None,
              chunk_size=DEFAULT_CHUNK, max_listed=MAX_LISTED, should_stop=None,
              parallel=None) -> ScanResult
        # on_read(bytes) sees every byte of the file in order (then the pass is never shared out);
        # should_stop() is asked before each block: True ends the pass with a "cancelled" error;
        # parallel: share a large file's pass with worker processes (parscan.py); same result
    scan_range(job: RangeJob) -> RangeScan   # a worker's pass over one range, fast path only
"""

from __future__ import annotations

import logging
import os
import tempfile
from array import array
from collections.abc import Callable
from contextlib import nullcontext, suppress
from dataclasses import dataclass, field
from functools import partial
from itertools import compress, islice, pairwise, repeat
from operator import add, lt, not_, sub
from pathlib import Path
from time import monotonic
from typing import BinaryIO

from sfloader_gui.core.csvio.chunks import (
    DEFAULT_CHUNK,
    Block,
    iter_blocks,
    last_boundary,
    trailing_blank_lines,
)
from sfloader_gui.core.csvio.cutter import PartCutter, PartSpan
from sfloader_gui.core.csvio.dialect import CsvDialect
from sfloader_gui.core.csvio.dupes import KeyIndex, iter_keys
from sfloader_gui.core.csvio.encoding import not_utf8_error
from sfloader_gui.core.csvio.findings import ERROR, MAX_LISTED, WARNING, Finding
from sfloader_gui.core.csvio.header import check_header
from sfloader_gui.core.csvio.keycheck import duplicate_findings
from sfloader_gui.core.csvio.parscan import (
    SHARED_CHUNK,
    WORKER_CHUNK,
    WORKER_START_BYTES,
    Parallel,
    RangeJob,
    RangeScan,
    RangeWorker,
)
from sfloader_gui.core.csvio.problems import FIELD_LIMIT, Problems, lines_at
from sfloader_gui.core.csvio.records import (
    fast_keys,
    neutral_records,
    parse_record,
    quotes_well_placed,
    tokenize_records,
    unquote,
)

__all__ = ["PartSpan", "ScanResult", "scan_file", "scan_range"]
log = logging.getLogger(__name__)
STOP_AFTER = 10_000  # problem records after which the detailed check gives up (the file is blocked)
# A cut between ranges is probed in this much of the file after it, at up to this many newlines.
PROBE_BYTES = 64 << 10
PROBE_TRIES = 64
# How a run of blocks ended.
_DONE, _STOPPED, _CANCELLED, _UNPROVEN = range(4)


@dataclass
class ScanResult:
    records: int
    parts: list[PartSpan]
    findings: list[Finding]
    key_column: int | None = None
    key_index: KeyIndex | None = field(default=None, repr=False, compare=False)


def scan_file(
    path: Path | str,
    dialect: CsvDialect,
    external_id_field: str,
    max_part_bytes: int,
    *,
    on_read: Callable[[bytes], None] | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    max_listed: int = MAX_LISTED,
    should_stop: Callable[[], bool] | None = None,
    parallel: Parallel | None = None,
) -> ScanResult:
    """Check and cut ``path`` in one pass; problems come back as findings, never as exceptions."""
    path = Path(path)
    findings, key_col = check_header(path, dialect, external_id_field)
    if max_part_bytes <= len(dialect.header_bytes):
        findings.append(
            Finding(
                ERROR,
                path,
                "part_too_small",
                f"{path.name}: the header row alone ({len(dialect.header_bytes):,} bytes) is larger than "
                f"the part size ({max_part_bytes:,} bytes). Raise the part size.",
            )
        )
        max_part_bytes = 1 << 62  # one part: the file is blocked anyway, the other checks still run
    scanner = _Scanner(path, dialect, key_col, max_part_bytes, max_listed)
    # A block never needs to be much larger than a part: the cutter then searches each block once.
    chunk_size = max(1, min(chunk_size, scanner.cutter.body_limit))
    with path.open("rb") as fh:
        end, blank = trailing_blank_lines(fh)
        if blank and end >= dialect.data_offset:
            findings.append(_trailing_blank_warning(path, blank))
        else:
            end = fh.seek(0, 2)
        fh.seek(0)
        if on_read is not None:
            on_read(fh.read(dialect.data_offset))
        start = dialect.data_offset
        cuts = []
        if parallel is not None and on_read is None and end - start >= parallel.min_bytes:
            cuts = _cuts(fh, scanner, start, end, parallel.ranges)
        if cuts:
            assert parallel is not None
            outcome = _scan_shared(fh, scanner, start, end, cuts, parallel, chunk_size, should_stop)
        else:
            outcome, _ = _feed_range(fh, scanner, start, end, chunk_size, should_stop, on_read)
        if outcome == _CANCELLED:
            findings.append(Finding(ERROR, path, "cancelled", f"{path.name}: the check was stopped."))
        if on_read is not None and outcome != _CANCELLED:  # after an early stop sha256 still needs the rest
            while rest := fh.read(1 << 20):
                on_read(rest)
    findings += scanner.finish(external_id_field)
    if scanner.records == 0 and not any(f.severity == ERROR for f in findings):
        findings.append(
            Finding(
                ERROR,
                path,
                "header_only",
                f"{path.name} has a header row but no data rows, so there is nothing to load. "
                "Add data rows or choose another file.",
            )
        )
    return ScanResult(scanner.records, scanner.cutter.parts, findings, key_col, scanner.keys)


def _feed_range(
    fh: BinaryIO,
    scanner: _Scanner,
    start: int,
    end: int,
    chunk_size: int,
    should_stop: Callable[[], bool] | None,
    on_read: Callable[[bytes], None] | None = None,
    *,
    last: bool = True,
) -> tuple[int, int]:
    """Feed the blocks of [start, end): how that ended, and the offset the blocks taken reach.

    ``last=False``: ``end`` is a cut, not the end of the file; a last block left open there means the
    cut lies inside a quoted value (_UNPROVEN, the open block not taken)."""
    for block in iter_blocks(fh, start, chunk_size, on_read=on_read, end=end):
        if should_stop is not None and should_stop():
            return _CANCELLED, block.offset
        if not last and not block.complete and block.offset + len(block.data) == end:
            return _UNPROVEN, block.offset
        if not scanner.feed(block):
            return _STOPPED, block.offset
    return _DONE, end


def _scan_shared(
    fh: BinaryIO,
    scanner: _Scanner,
    start: int,
    end: int,
    cuts: list[int],
    parallel: Parallel,
    chunk_size: int,
    should_stop: Callable[[], bool] | None,
) -> int:
    """The first range here, the others in workers; each answer is taken only where the scan before it
    proved its start a record boundary, and whatever is left unproven is scanned here."""
    bounds = [start, *cuts, end]
    workers: list[RangeWorker | None] = []
    key_files: list[str | None] = []
    try:
        for a, b in pairwise(bounds[1:]):
            key_files.append(_key_file() if scanner.key_col is not None else None)
            job = RangeJob(
                str(scanner.path), scanner.dialect, scanner.key_col, a, b, min(chunk_size, WORKER_CHUNK),
                key_files[-1],
            )  # fmt: skip
            try:
                workers.append(parallel.launch(job))
            except OSError as exc:  # no process to be had: this range is scanned here
                log.info("a scan worker could not start (%s); this process scans its range", exc)
                workers.append(None)
        began = monotonic()
        mine = min(chunk_size, SHARED_CHUNK)  # smaller blocks while a worker's memory counts too
        outcome, pos = _feed_range(fh, scanner, start, cuts[0], mine, should_stop, last=False)
        if outcome not in (_DONE, _UNPROVEN):
            return outcome
        patience = _patience(monotonic() - began)
        stop = should_stop or _never
        here = scanner.records
        for worker, keys_path in zip(workers if outcome == _DONE else [], key_files, strict=False):
            answer = None if worker is None else worker.result(stop, monotonic() + patience)
            if answer is None or answer.start != pos:
                break
            taken = scanner.merge(fh, answer, keys_path)
            if taken == _STOPPED:
                return _STOPPED
            if taken == _UNPROVEN:
                break
            pos = answer.stop
            if pos != answer.end:
                break
        log.info(
            "%s: %d records checked in this process, %d by %d worker process(es) in %.2f s",
            scanner.path.name, here, scanner.records - here, len(workers), monotonic() - began,
        )  # fmt: skip
        if pos == end:
            return _DONE
        log.info("%s: the check goes on in this process from byte %d", scanner.path.name, pos)
        return _feed_range(fh, scanner, pos, end, chunk_size, should_stop)[0]
    finally:
        for worker in workers:
            if worker is not None:
                worker.close()
        for name in key_files:
            if name is not None:
                with suppress(OSError):
                    os.unlink(name)


def _patience(took: float) -> float:
    """How long to wait for workers once this process has scanned its range in ``took`` seconds. A worker
    scans as fast as this process (after a ~0.13 s start): one that takes twice as long and 3 s more is
    stuck or starved (a busy machine, a virus scanner holding the new process), and scanning its range
    here is then the sooner way to the result."""
    return 2 * took + 3


def _key_file() -> str | None:
    """A private temp file (0600) for a worker's External IDs; None if none can be made (the keys are
    then only sent while in order)."""
    try:
        fd, name = tempfile.mkstemp(prefix="sfloader-keys-", suffix=".bin")
    except OSError:
        return None
    os.close(fd)
    return name


def _never() -> bool:
    return False


def _read_at(fh: BinaryIO, offset: int, length: int) -> bytes:
    fh.seek(offset)
    return fh.read(length)


def _cuts(fh: BinaryIO, scanner: _Scanner, start: int, end: int, ranges: int) -> list[int]:
    """Where to cut the body into ``ranges`` ranges of about equal size: record boundaries as far as
    a probe can tell (the scan proves each one later). Fewer cuts where no boundary is found."""
    cuts: list[int] = []
    head = min(WORKER_START_BYTES, (end - start) // (2 * ranges))  # this process starts sooner
    share = (end - start - head) // ranges
    for k in range(1, ranges):
        cut = _probe(fh, scanner, start + head + share * k, end)
        if cut is not None and cut > (cuts[-1] if cuts else start) and cut < end:
            cuts.append(cut)
    return cuts


def _probe(fh: BinaryIO, scanner: _Scanner, at: int, end: int) -> int | None:
    """The first offset just after a newline at or after ``at`` from which the next few KiB read as
    good records on the fast path. A newline inside a quoted value nearly always fails that (its
    quotes then stand in the wrong places); if one passed, the scan would find out and go on here."""
    fh.seek(at)
    window = fh.read(min(PROBE_BYTES, end - at))
    pos = 0
    for _ in range(PROBE_TRIES):
        nl = window.find(b"\n", pos)
        if nl < 0:
            return None
        pos = nl + 1
        cut = last_boundary(window, pos)
        if cut > pos:
            data = window[pos:cut]
            if scanner.quick(Block(at + pos, data, data.split(b'"'))) is not None:
                return at + pos
    return None


def scan_range(job: RangeJob) -> RangeScan:
    """A worker's pass: the blocks of [start, end) while each passes on the fast path; it stops at the first
    that does not (this process takes over there). Each block's keys go to ``job.keys_path``, NUL-separated
    (a block with a NUL byte never passes); without that file it stops where the keys leave order."""
    scanner = _Scanner(Path(job.path), job.dialect, job.key_col, 1 << 62, MAX_LISTED)
    blocks: array[int] = array("q")
    first: bytes | None = None
    last: bytes | None = None
    records, stop, ordered = 0, job.start, True
    keys_out = open(job.keys_path, "wb") if job.keys_path and job.key_col is not None else None  # noqa: SIM115
    try:
        with open(job.path, "rb") as fh:
            for block in iter_blocks(fh, job.start, job.chunk_size, end=job.end):
                counted = scanner.quick(block)
                if counted is None:
                    break
                n, keys = counted
                written = 0
                if keys:
                    if ordered and (
                        (last is not None and keys[0] <= last)
                        or not all(map(lt, keys, islice(keys, 1, None)))
                    ):
                        ordered = False
                    if keys_out is None and not ordered:
                        break
                    first = keys[0] if first is None else first
                    last = keys[-1]
                    if keys_out is not None:
                        written = keys_out.write(b"\x00".join(keys))
                blocks.extend((block.offset, len(block.data), n, written))
                records += n
                stop = block.offset + len(block.data)
    finally:
        if keys_out is not None:
            keys_out.close()
    return RangeScan(job.start, job.end, stop, blocks, records, ordered, first, last)


def _trailing_blank_warning(path: Path, count: int) -> Finding:
    lines = "1 empty line" if count == 1 else f"{count:,} empty lines"
    return Finding(
        WARNING,
        path,
        "trailing_empty_lines",
        f"{path.name} ends with {lines}; they are not records and are left out (nothing else changes).",
    )


class _Scanner:
    """State of one pass: counters, the part cutter, problem tallies and key hashes."""

    def __init__(
        self, path: Path, dialect: CsvDialect, key_col: int | None, max_part_bytes: int, max_listed: int
    ) -> None:
        self.path, self.dialect, self.key_col = path, dialect, key_col
        self.d = dialect.delimiter.encode()
        self.crlf = dialect.line_ending == "CRLF"
        self.ncols = len(dialect.header)
        self.unit = self.d * (self.ncols - 1) + b"\n"  # the skeleton of one good record
        self.strip = bytes(b for b in range(256) if b not in self.unit)
        self.records = 0
        self.problems = Problems(max_listed)
        self.max_listed = max_listed
        self.extra: list[Finding] = []
        self.keys = None if key_col is None else KeyIndex(lambda n: iter_keys(path, dialect, key_col, n))
        self.cutter = PartCutter(dialect.data_offset, len(dialect.header_bytes), max_part_bytes)

    def feed(self, block: Block) -> bool:
        """Check one block; False stops the pass (the rest cannot be read reliably)."""
        counted = self.quick(block)
        if counted is None:
            if not self._readable(block):
                return False
            counted = self._slow(block)
        n, keys = counted
        if self.keys is not None:
            self.keys.add(keys)
        return self._take(block.offset, len(block.data), n, lambda: block.data)

    def quick(self, block: Block) -> tuple[int, list[bytes]] | None:
        """(records, keys) of a block that passes every check with bytes operations alone; None when
        the block needs the detailed check (which may still find nothing wrong)."""
        data = block.data
        if not block.complete or b"\x00" in data:
            return None
        if self.dialect.encoding == "utf-8" and not data.isascii():
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                return None
        return self._fast(data, block.segs)

    def merge(self, fh: BinaryIO, scan: RangeScan, keys_path: str | None) -> int:
        """Take a worker's blocks as if they were fed here: _DONE, or _STOPPED (too many problems), or
        _UNPROVEN with nothing taken when its keys would be needed but are not in ``keys_path``."""
        keys = None if not scan.records else self.keys
        if keys is not None and keys.ordered and scan.ordered:
            assert scan.first_key is not None and scan.last_key is not None
            if keys.last is None or scan.first_key > keys.last:  # still in order: no key needs reading
                keys.add_run(scan.first_key, scan.last_key, scan.records)
                keys = None
        if keys is not None and keys_path is None:
            return _UNPROVEN
        with nullcontext() if keys is None or keys_path is None else open(keys_path, "rb") as keys_in:
            blocks = scan.blocks
            for i in range(0, len(blocks), 4):
                offset, length, n, key_bytes = blocks[i : i + 4]
                if keys is not None and keys_in is not None:
                    keys.add(keys_in.read(key_bytes).split(b"\x00"))
                if not self._take(offset, length, n, partial(_read_at, fh, offset, length)):
                    return _STOPPED
        return _DONE

    def _take(self, offset: int, length: int, n: int, data: Callable[[], bytes]) -> bool:
        """Count a checked block and cut parts; its bytes are only needed when it crosses a part limit."""
        if not self.cutter.take(length, n):
            for number, at in self.cutter.add(offset, data(), n, self.records + 1):
                self.problems.add(
                    "part_too_small", number, at, f"{self.cutter.body_limit:,} bytes after the header"
                )
        self.records += n
        if self.problems.total >= STOP_AFTER:
            self.problems.add("too_many_problems", self.records, offset + length, f"{STOP_AFTER:,}")
            return False
        return True

    def _readable(self, block: Block) -> bool:
        """Report what stops the pass at this block (no record end, NUL bytes, not UTF-8); True if none."""
        data = block.data
        if not block.complete:
            if len(block.segs) % 2 == 0:
                self._unpaired_quotes(block)
            else:
                self.problems.add("record_too_long", self.records + 1, block.offset)
            return False
        if b"\x00" in data:
            self.problems.add("nul_bytes", self.records + 1, block.offset + data.index(b"\x00"))
            return False
        if self.dialect.encoding == "utf-8" and not data.isascii():
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as exc:
                self._not_utf8(block, exc)
                return False
        return True

    def _unpaired_quotes(self, block: Block) -> None:
        """Quotes that do not pair up: often a stray quote in an unquoted value (a 15" screen), else a
        quote never closed. Walk the rest of the file as a lenient reader would, to say which."""
        for i, (start, problems) in enumerate(tokenize_records(block.data, self.d)):
            for code in dict.fromkeys(problems):
                self.problems.add(code, self.records + 1 + i, block.offset + start)
            if i >= STOP_AFTER:
                break

    def _not_utf8(self, block: Block, exc: UnicodeDecodeError) -> None:
        offset = block.offset + exc.start
        line = lines_at(self.path, [offset])[offset]
        err = not_utf8_error(self.path, block.data[exc.start : exc.start + 4096], line=line)
        self.extra.append(Finding(ERROR, self.path, "encoding", err.message))

    def _fast(self, data: bytes, segs: list[bytes]) -> tuple[int, list[bytes]] | None:
        """(records, keys) if every check passes without per-record code; None for the slow path."""
        quoted = len(segs) > 1
        if quoted and not quotes_well_placed(segs, self.d, self.crlf):
            return None
        outside = b'"'.join(segs[::2]) if quoted else data  # quoted values cut out, one " left each
        # Every record has exactly ncols - 1 delimiters outside quotes (an empty line has none):
        # keep only delimiters and newlines, and compare with the skeleton of good records.
        terminated = data.endswith(b"\n")  # else the file's last record has no newline
        skeleton = outside.translate(None, self.strip)
        n = skeleton.count(b"\n")
        if skeleton != self.unit * n + (b"" if terminated else self.unit[:-1]):
            return None
        recs = outside.split(b"\n")
        if terminated:
            recs.pop()
        else:
            n += 1
        if not self._lengths_ok(segs, recs):
            return None
        if b"\r" in data and not self._line_endings_ok(outside, n, terminated):
            return None
        if self.crlf and b"\r" not in data and n:
            return None
        keys = self._fast_keys(data, recs)
        return None if keys is None else (n, keys)

    def _lengths_ok(self, segs: list[bytes], recs: list[bytes]) -> bool:
        """No field can be over the limit: bytes >= characters, so piece lengths bound field lengths.

        An unquoted value lies inside its record's text outside quotes (``recs``); a quoted value is
        one piece between quotes, or several joined by doubled quotes (empty pieces outside quotes).
        The pieces next to doubled quotes are summed all together first; only if that is too much
        are they measured value by value.
        """
        if max(map(len, segs[1::2]), default=0) > FIELD_LIMIT:
            return False
        if max(map(len, recs), default=0) > FIELD_LIMIT:  # a wide record: measure its unquoted values
            wide = compress(recs, map(FIELD_LIMIT.__lt__, map(len, recs)))
            if any(max(map(len, r.split(self.d))) > FIELD_LIMIT for r in wide):
                return False
        doubled = list(compress(range(2, len(segs) - 1, 2), map(not_, segs[2:-1:2])))
        if not doubled:
            return True
        around = sum(map(len, map(segs.__getitem__, map(sub, doubled, repeat(1)))))
        around += sum(map(len, map(segs.__getitem__, map(add, doubled, repeat(1)))))
        if around + len(doubled) <= FIELD_LIMIT:
            return True
        i = 0
        while i < len(doubled):
            j = i
            while j + 1 < len(doubled) and doubled[j + 1] == doubled[j] + 2:
                j += 1
            if sum(map(len, segs[doubled[i] - 1 : doubled[j] + 2 : 2])) + j - i + 1 > FIELD_LIMIT:
                return False
            i = j + 1
        return True

    def _line_endings_ok(self, outside: bytes, n: int, terminated: bool) -> bool:
        crlf_count = outside.count(b"\r\n")
        if self.crlf:
            return crlf_count == n - (0 if terminated else 1) and outside.count(b"\r") == crlf_count
        return crlf_count == 0

    def _fast_keys(self, data: bytes, recs: list[bytes]) -> list[bytes] | None:
        """The External ID of each record; None if one is blank (the slow path names the records)."""
        if self.key_col is None:
            return []
        keys = self._keys_from(recs)
        if keys and min(keys)[:1] > b'"':  # none blank, none quoted, none starting with a space
            return keys
        if any(map(bytes.startswith, keys, repeat(b'"'))):  # quoted keys were cut out: mask instead
            masked, _ = neutral_records(data, self.d)
            keys = [unquote(k, self.d) if k.startswith(b'"') else k for k in self._keys_from(masked)]
        if keys.count(b"") or any(map(bytes.isspace, keys)):
            return None
        return keys

    def _keys_from(self, recs: list[bytes]) -> list[bytes]:
        assert self.key_col is not None
        if self.crlf and self.key_col == self.ncols - 1:
            recs = list(map(bytes.removesuffix, recs, repeat(b"\r")))
        return fast_keys(recs, self.key_col, self.ncols, self.d)

    def _slow(self, block: Block) -> tuple[int, list[bytes]]:
        """Parse each record of a block that failed a fast check, and tally what is wrong."""
        data = block.data
        recs, _ = neutral_records(data, self.d)
        keys: list[bytes] = []
        pos, last = 0, len(recs) - 1
        ends_with_newline = data.endswith(b"\n")
        for i, piece in enumerate(recs):
            raw = data[pos : pos + len(piece)]
            terminated = i != last or ends_with_newline
            keys.append(self._check_record(raw, self.records + 1 + i, block.offset + pos, terminated))
            pos += len(piece) + 1
        return len(recs), keys

    def _check_record(self, raw: bytes, number: int, offset: int, terminated: bool) -> bytes:
        has_cr = raw.endswith(b"\r")
        body = raw[:-1] if has_cr else raw
        if has_cr != self.crlf and (terminated or has_cr):
            self.problems.add("line_ending", number, offset)
        if not body and self.ncols > 1:
            self.problems.add("empty_line", number, offset)
            return b""
        fields, problems = parse_record(body, self.d)
        for code in dict.fromkeys(problems):
            self.problems.add(code, number, offset, _snippet(body))
        if len(fields) != self.ncols:
            self.problems.add("ragged_row", number, offset, f"{len(fields)} values")
        if len(body) > FIELD_LIMIT and any(len(f.decode("utf-8", "replace")) > FIELD_LIMIT for f in fields):
            self.problems.add("field_too_long", number, offset)
        key = fields[self.key_col] if self.key_col is not None and self.key_col < len(fields) else b""
        if self.key_col is not None and not key.strip():
            self.problems.add("blank_external_id", number, offset)
        return key

    def finish(self, key_field: str) -> list[Finding]:
        self.cutter.finish()
        out = self.problems.findings(self.path, self.dialect, key_field) + self.extra
        if self.keys is not None and self.key_col is not None and "too_many_problems" not in self.problems:
            out += duplicate_findings(
                self.path, self.dialect, self.key_col, self.keys, key_field, self.max_listed
            )
        return out


def _snippet(body: bytes) -> str:
    text = body[:60].decode("utf-8", "replace").replace("\n", "⏎")
    return text + ("…" if len(body) > 60 else "")
