"""gzip compressed ahead of the wire, on worker threads, at a level chosen from what the link can take.

One upload is still ONE gzip member (any gzip reader decodes it), built the way pigz builds its output:
the raw data is cut into segments of 512 KiB; each is compressed on its own (primed with the previous
segment's last 32 KiB, so the ratio does not suffer) into raw deflate blocks ended by a sync flush, and
the pieces are joined in order behind one gzip header, then a final empty block and the CRC-32/size
trailer. Segments are independent, so they compress on every core while earlier ones are on the wire,
and each may use its own level. Level 1 is ISA-L's deflate (the ``isal`` package: standard output at
about 3x zlib's speed), levels 4 and 6 zlib's; both release the GIL while they compress.

``GzipTuner`` picks the level per segment, for one link (one per org in a process). Each second it
judges which side was the bottleneck from how long the uploads waited for compressed segments, learns
the link's rate when the link was, and moves to the level whose throughput (the lesser of the link's
rate over the level's ratio and the compressors' speed at that level) is highest: level 1 on a fast link
or a busy CPU, up to 6 on a slow link (``_judge`` says how it stays sane while socket buffers fill).
Level 6 sends 12 % fewer bytes than level 1 for about 10x the CPU of ISA-L's level 1.

API::

    GzipTuner(start=1, fixed=False, link=None)  .level -> int  .link  .measured  .choice() -> dict
    segmented_gzip(chunks, tuner, on_level=None) -> Iterator[bytes]
"""

from __future__ import annotations

import os
import struct
import threading
import time
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from types import ModuleType

_isal: ModuleType | None
try:
    from isal import isal_zlib as _isal
except ImportError:  # no wheel for this platform: zlib compresses every level
    _isal = None

SEGMENT = 512 << 10  # raw bytes per independently compressed segment
AHEAD = 2  # segments compressed ahead of the wire, per upload, at most (and SLOTS in all, below)
_WINDOW = 32 << 10  # deflate's window: the dictionary each segment is primed with
_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # gzip, deflate, no name, no mtime, unknown OS
_FINAL = zlib.compressobj(1, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)  # an empty final block
# Levels tried, fastest first (1M-row benchmark file, one core, see gzipstream.py: level 1 105 MB/s and
# 32.5 % of the size, level 4 58 MB/s and 29.1 %, level 6 27 MB/s and 27.5 %; 9 is no smaller than 6).
LADDER = (1, 4, 6)
# Relative speed (raw MB/s of one core) and size (compressed / raw) of each level on the same 1M-row file
# (40 MB of it in primed 512 KiB segments, bench/README.md); only their ratios are used, to predict a
# level not yet measured in this process from one that was. Level 1 is ISA-L's when it is installed.
_SPEED = {1: 372.0 if _isal is not None else 133.0, 4: 76.0, 6: 37.0}
_RATIO = {1: 0.3107 if _isal is not None else 0.3252, 4: 0.2912, 6: 0.2754}
_DECIDE_EVERY = 8  # segments handed to the wire between two decisions, at least
_DECIDE_SECONDS = (
    1.0  # and at least this long: kernel socket buffers take bursts that say nothing of the link
)
_UP, _DOWN = 0.10, 0.35  # share of the uploads' time spent waiting for the compressors
_MARGIN = 1.05  # a level change must promise this much more throughput (measurements are noisy)
_DOWN_MARGIN = 1.15  # and a step down more (a loaded 2-core box measures level 6 within 10 % of 4)
_FASTER = 1.5  # a remembered link rate is dropped when a window carries this many times more
_clock = time.monotonic
_WARMUP = AHEAD  # the first pulls of each upload always wait (nothing is ahead yet): not evidence

WORKERS = max(2, os.cpu_count() or 2)
# Raw segments read and not yet compressed, all uploads together: enough to keep every worker busy with
# one more queued behind it. Per upload (AHEAD each) they grew with the uploads at once, for nothing:
# only WORKERS compress at a time (15 uploads: +26 MiB of peak RSS on the 15-part narrow file).
SLOTS = 2 * WORKERS
_slots = threading.BoundedSemaphore(SLOTS)


def _release_slot(_done: Future[_Piece]) -> None:
    _slots.release()


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _workers() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="gzip")
        return _pool


@dataclass
class _Piece:
    raw: int
    out: bytes
    level: int
    seconds: float  # wall time of the compression (grows when the CPU is busy with other work)


def _compress(data: bytes | memoryview, level: int, zdict: bytes) -> _Piece:
    started = time.perf_counter()
    if level == 1 and _isal is not None:
        # ISA-L's level 1: standard deflate, 494 MB/s per core and 31.1 % of the 1M-row file, against
        # zlib level 1's 151 MB/s and 32.5 % (bench/README.md). Levels 4 and 6 stay zlib's (smaller).
        fast = (
            _isal.compressobj(1, _isal.DEFLATED, -15, zdict=zdict)
            if zdict
            else _isal.compressobj(1, _isal.DEFLATED, -15)
        )
        out = fast.compress(data) + fast.flush(_isal.Z_SYNC_FLUSH)
        return _Piece(len(data), out, level, time.perf_counter() - started)
    comp = (
        zlib.compressobj(level, zlib.DEFLATED, -15, zdict=zdict)
        if zdict
        else zlib.compressobj(level, zlib.DEFLATED, -15)
    )
    out = comp.compress(data) + comp.flush(zlib.Z_SYNC_FLUSH)
    return _Piece(len(data), out, level, time.perf_counter() - started)


class GzipTuner:
    """The level for the next segment of any upload on one link, from how the last segments went."""

    def __init__(self, start: int = 1, fixed: bool = False, link: float | None = None) -> None:
        self.fixed = fixed  # keep ``start`` (benchmarks of one level); otherwise only the first level
        self._fixed_level = start
        self.start = start  # the level it started at (a run's manifest records it)
        self.decisions = 0  # how many times it has judged the link
        # Compressed bytes/s the link took when the compressors were ahead of it (None: not seen yet).
        # ``link`` is what an earlier run saw; ``measured`` says whether this process has seen it itself.
        self.link = link
        self.measured = False
        self._probe: tuple[int, float] | None = None  # the level stepped down from, and its raw rate
        self._lock = threading.Lock()
        self._index = LADDER.index(start) if start in LADDER else 0
        self._pulls = 0
        self._waited = 0.0  # seconds the uploads spent waiting for a segment
        self.streams = 0  # uploads compressing right now
        self._wire_bytes = 0
        self._raw_all = 0
        self._raw = self._out = 0  # raw and compressed bytes of the current level's segments
        self._comp_seconds = 0.0  # and the seconds compressing them took
        self._speed: dict[int, float] = {}  # raw bytes/s of one worker at each level, as last measured
        self._ratio: dict[int, float] = {}  # compressed / raw at each level, as last measured
        self._since = self._streams_since = _clock()
        self._stream_seconds = 0.0  # seconds of uploads compressing in this window, summed over uploads
        self._drain_seconds = 0.0  # and seconds they waited for their answer after their last byte
        self.raw_by_level: Counter[int] = Counter()
        self.last_rates: dict[str, float] = {}

    @property
    def level(self) -> int:
        return self._fixed_level if self.fixed else LADDER[self._index]

    def count(self, piece: _Piece) -> None:
        with self._lock:
            self.raw_by_level[piece.level] += piece.raw

    def attach(self, delta: int) -> None:
        with self._lock:
            self._count_streams(_clock())
            self.streams += delta

    def drained(self, seconds: float) -> None:
        """An upload's last byte was handed to the socket ``seconds`` before its answer came: the time the
        link still took to carry what the socket buffers held (it did not wait for compressors then)."""
        with self._lock:
            self._drain_seconds += max(0.0, seconds)

    def _count_streams(self, now: float) -> None:
        self._stream_seconds += self.streams * max(0.0, now - self._streams_since)
        self._streams_since = now

    def note(self, piece: _Piece, waited: float) -> None:
        """One segment handed to the wire after the upload ``waited`` that many seconds for it."""
        with self._lock:
            self.raw_by_level[piece.level] += piece.raw
            self._raw_all += piece.raw
            self._pulls += 1
            self._waited += waited
            self._wire_bytes += len(piece.out)
            if piece.level == self.level:
                self._raw += piece.raw
                self._out += len(piece.out)
                self._comp_seconds += piece.seconds
            if self._pulls >= _DECIDE_EVERY and _clock() - self._since >= _DECIDE_SECONDS and not self.fixed:
                self._decide()

    def _decide(self) -> None:
        now = _clock()
        elapsed = max(1e-6, now - self._since)
        level = self.level
        if self._raw and self._comp_seconds:
            self._speed[level] = self._raw / self._comp_seconds
            self._ratio[level] = self._out / self._raw
        wire = self._wire_bytes / elapsed  # compressed bytes/s the link took, all uploads together
        raw_rate = self._raw_all / elapsed  # the raw bytes/s that carried
        # The share of the uploads' time: uploads come and go within a window (15 small parts, 4 at a
        # time), so their seconds are summed as they run, not taken from how many run at the end of it.
        self._count_streams(now)
        # An upload that fits in the socket buffers never waits for the link while it writes, only after
        # (a 1.6 MB part of a narrow file waited 50 % of its writing time for level-1 compressors, then
        # 0.5 s for the link): that wait counts as time the link, not the compressors, held it up.
        upload_seconds = self._stream_seconds + self._drain_seconds
        waiting = self._waited / (upload_seconds or elapsed * max(1, self.streams))
        self._judge(wire, raw_rate, waiting, first=self.decisions == 0)
        self.decisions += 1
        self.last_rates = {
            "waiting_share": round(waiting, 2),
            "wire_mb_s": round(wire / 1e6, 2),
            "compress_mb_s_per_core": round(self._speed.get(level, 0.0) / 1e6, 1),
        }
        if self.link is not None:
            self.last_rates["link_mb_s"] = round(self.link / 1e6, 2)
        self._pulls = self._wire_bytes = self._raw = self._out = self._raw_all = 0
        self._comp_seconds = self._waited = self._stream_seconds = self._drain_seconds = 0.0
        self._since = now

    def _judge(self, wire: float, raw_rate: float, waiting: float, first: bool) -> None:
        """Move the level for the next window.

        The share of their time the uploads waited for a compressed segment says which side was the
        bottleneck: hardly ever, the link (``wire`` is then its rate); often, the compressors. Which
        level is best follows from a model of both sides, so that the level does not swing between two
        that are each wrong one way: a level's throughput is the lesser of what the link carries at the
        level's ratio and what the compressors make at its speed.

        Waiting alone misleads while socket buffers fill (several MB per connection): uploads then
        outrun the compressors whatever the link, and keep doing so for as long as the compressors only
        just outrun the link, so a level that keeps a slow link full looks too slow. Hence the first
        judgment never steps down; a known link rate (this run's, or the last run's until the link is
        seen to take much more) decides whether a lower level could move more records a second; and a
        step down that moved no more is undone.
        """
        if self._probe is not None:
            upper, raw_upper = self._probe
            self._probe = None
            if raw_rate <= raw_upper * _MARGIN:  # no more records a second: the link was the limit
                self.link, self.measured = wire, True
                self._index = LADDER.index(upper)
                return
        if not first and waiting < _UP:
            self.link = wire if not self.measured else max(wire, self.link or 0.0)
            self.measured = True
        elif not first and self.link is not None and not self.measured and wire > self.link * _FASTER:
            self.link = None  # an earlier run's link: this one takes much more
        if waiting < _UP and self._index < len(LADDER) - 1:
            # The link is the bottleneck: one level up pays if its compressors still outrun the link.
            if self._capacity(LADDER[self._index + 1]) > raw_rate * _MARGIN:
                self._index += 1
        elif waiting > _DOWN and self._index > 0 and not first:
            # The compressors are: one level down pays unless the link is known to take no more. A
            # step down costs bytes for sure and gains only if the model is right: a wider margin.
            down = LADDER[self._index - 1]
            if self.link is None or (
                min(self.link / self._ratio_at(down), self._capacity(down)) > raw_rate * _DOWN_MARGIN
            ):
                self._probe = (self.level, raw_rate)
                self._index -= 1

    def _capacity(self, level: int) -> float:
        """Raw bytes/s the compressors can make at ``level``, all workers the uploads keep busy together."""
        per_worker = self._estimate(self._speed, _SPEED, level) or 0.0
        return per_worker * min(WORKERS, SLOTS, AHEAD * max(1, self.streams))

    def _ratio_at(self, level: int) -> float:
        return self._estimate(self._ratio, _RATIO, level) or _RATIO[level]

    def _estimate(self, measured: dict[int, float], relative: dict[int, float], level: int) -> float | None:
        """A figure of ``level``: as measured in this process, else scaled from a measured level by the
        levels' relative figures on the benchmark file (the data's own mix sets the absolute ones)."""
        if level in measured:
            return measured[level]
        base = self.level if self.level in measured else next(iter(measured), None)
        return None if base is None else measured[base] * relative[level] / relative[base]

    def choice(self) -> dict[str, object]:
        """What the tuner chose and why (for the run's manifest)."""
        with self._lock:
            return {
                "level": self.level,
                "raw_bytes_by_level": {str(k): v for k, v in sorted(self.raw_by_level.items())},
                **self.last_rates,
            }


def _segments(chunks: Iterable[bytes]) -> Iterator[bytes | memoryview]:
    """The raw data cut into ``SEGMENT``-sized pieces: views of one joined buffer, not copies of it (each
    upload's segments in flight are most of the engine's memory)."""
    pending: list[bytes] = []
    size = 0
    for chunk in chunks:
        pending.append(chunk)
        size += len(chunk)
        if size < SEGMENT:
            continue
        data = pending[0] if len(pending) == 1 else b"".join(pending)
        view, start = memoryview(data), 0
        while size - start >= SEGMENT:
            yield view[start : start + SEGMENT]
            start += SEGMENT
        rest = data[start:]  # what is left is short: the file's chunks are a fraction of a segment
        pending, size = ([rest] if rest else []), len(rest)
    if size:
        yield b"".join(pending)


def segmented_gzip(
    chunks: Iterable[bytes], tuner: GzipTuner, on_level: Callable[[int, int], None] | None = None
) -> Iterator[bytes]:
    """One gzip member of the concatenated ``chunks``, compressed ``AHEAD`` segments ahead of the caller.

    ``on_level(level, raw_bytes)`` is told the level of each segment as it is handed out.
    """
    pool = _workers()
    crc, total, prev_tail = 0, 0, b""
    ahead: deque[Future[_Piece]] = deque()
    source = _segments(chunks)
    pulled = 0
    exhausted = False
    yield _HEADER
    tuner.attach(1)
    try:
        while True:
            started = time.perf_counter()
            slot_wait = 0.0
            while not exhausted and len(ahead) < AHEAD:
                # A segment is read only with a free compressor slot: the one an upload needs next is
                # waited for, the one after that only taken if free.
                if not _slots.acquire(blocking=not ahead):
                    break
                if not ahead:
                    slot_wait = time.perf_counter() - started
                try:
                    data = next(source, None)  # read errors surface here, in the caller's thread
                except BaseException:
                    _slots.release()
                    raise
                if data is None:
                    _slots.release()
                    exhausted = True
                    break
                crc = zlib.crc32(data, crc)
                total += len(data)
                future = pool.submit(_compress, data, tuner.level, prev_tail)
                future.add_done_callback(_release_slot)
                ahead.append(future)
                prev_tail = bytes(data[-_WINDOW:])
                del data  # the segment's raw bytes live only as long as its compression
            if not ahead:
                break
            future = ahead.popleft()
            started = time.perf_counter()
            ready = future.done() and not slot_wait
            piece = future.result()
            pulled += 1
            if pulled > _WARMUP and not exhausted:
                tuner.note(piece, 0.0 if ready else slot_wait + time.perf_counter() - started)
            else:
                tuner.count(piece)
            if on_level is not None:
                on_level(piece.level, piece.raw)
            if piece.out:
                yield piece.out
    finally:
        tuner.attach(-1)
    yield _FINAL + struct.pack("<II", crc & 0xFFFFFFFF, total & 0xFFFFFFFF)
