"""Segmented gzip: one member any reader decodes, compressed ahead, at the level the tuner picks."""

from __future__ import annotations

import gzip
import threading
import zlib
from collections.abc import Iterator

import pytest

from sfloader_gui.core.csvio import pgzip
from sfloader_gui.core.csvio.pgzip import GzipTuner, segmented_gzip


def _data(n: int) -> bytes:
    return b"".join(b"E%07d,Company %d Ltd,555-%04d\n" % (i, i, i % 10000) for i in range(n))


def test_the_output_is_one_gzip_member_whatever_the_chunking() -> None:
    data = _data(120_000)  # about 3.6 MB: several segments
    for size in (1, 4096, 1 << 20, 3 << 20):
        chunks = [data[i : i + size] for i in range(0, len(data), size)] if size > 1 else [data]
        out = b"".join(segmented_gzip(chunks, GzipTuner()))
        d = zlib.decompressobj(31)
        assert d.decompress(out) == data and d.eof and d.unused_data == b""  # a single member
        assert gzip.decompress(out) == data


def test_empty_input_is_a_valid_empty_gzip() -> None:
    assert gzip.decompress(b"".join(segmented_gzip([], GzipTuner()))) == b""


def test_priming_keeps_the_ratio_of_one_stream() -> None:
    data = _data(200_000)
    ours = b"".join(segmented_gzip([data], GzipTuner()))
    assert len(ours) <= len(gzip.compress(data, 1)) * 1.01


def test_levels_per_segment_are_reported_and_a_fixed_tuner_keeps_its_level() -> None:
    data = _data(150_000)
    seen: dict[int, int] = {}
    out = b"".join(
        segmented_gzip([data], GzipTuner(6, fixed=True), lambda lv, n: seen.update({lv: seen.get(lv, 0) + n}))
    )
    assert gzip.decompress(out) == data
    assert seen == {6: len(data)}


def test_a_link_slower_than_the_compressor_moves_the_level_up_and_a_fast_one_keeps_1(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pgzip, "_DECIDE_SECONDS", 0.0)  # decide on segment counts alone here
    slow = GzipTuner()
    steps = []
    for _ in range(2):
        for _ in range(pgzip._DECIDE_EVERY):  # always ready before the wire asks: the link is the bottleneck
            slow.note(pgzip._Piece(1 << 19, b"x" * 150_000, slow.level, 0.005), waited=0.0)
        steps.append(slow.level)
    assert steps == [4, 6]
    for _ in range(pgzip._DECIDE_EVERY):  # at 6 the wire now waits: one step back
        slow.note(pgzip._Piece(1 << 19, b"x" * 150_000, 6, 0.05), waited=0.5)
    assert slow.level == 4
    fast = GzipTuner()
    for _ in range(pgzip._DECIDE_EVERY):  # the wire always waits for the compressors
        fast.note(pgzip._Piece(1 << 19, b"x" * 150_000, 1, 0.005), waited=0.5)
    assert fast.level == 1
    choice = slow.choice()
    assert choice["level"] == 4
    assert choice["raw_bytes_by_level"] == {"1": 8 << 19, "4": 8 << 19, "6": 8 << 19}


def test_raw_segments_in_flight_are_bounded_for_all_uploads_together(monkeypatch: pytest.MonkeyPatch) -> None:
    """15 uploads at once hold at most ``SLOTS`` raw segments between reading and compressing (per upload
    they were 2 each: 30 segments of 512 KiB for 2 compressors), and each is still one valid member."""
    compress = pgzip._compress
    lock = threading.Lock()
    in_flight = [0, 0]  # now, most

    def counted(data: bytes | memoryview, level: int, zdict: bytes) -> pgzip._Piece:
        try:
            return compress(data, level, zdict)
        finally:
            with lock:
                in_flight[0] -= 1

    def source(data: bytes) -> Iterator[bytes]:
        for i in range(0, len(data), pgzip.SEGMENT):
            with lock:  # a whole segment read: it is in flight until compressed
                in_flight[0] += 1
                in_flight[1] = max(in_flight[1], in_flight[0])
            yield data[i : i + pgzip.SEGMENT]

    monkeypatch.setattr(pgzip, "_compress", counted)
    data = _data(100_000)  # about 3 MB: 6 segments per upload
    outs: list[bytes] = [b""] * 15

    def upload(n: int) -> None:
        outs[n] = b"".join(segmented_gzip(source(data), GzipTuner()))

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(15)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(gzip.decompress(out) == data for out in outs)
    assert in_flight[1] <= pgzip.SLOTS


def test_level_1_is_isa_l_s_deflate_as_small_as_zlib_s_and_any_gzip_reader_decodes_it() -> None:
    """ISA-L (the isal package, a dependency) compresses level-1 segments; zlib the others, in one member."""
    assert pgzip._isal is not None, "isal is a dependency: level 1 would fall back to zlib's, 3x slower"
    data = _data(200_000)
    fast = b"".join(segmented_gzip([data], GzipTuner(1, fixed=True)))
    assert gzip.decompress(fast) == data
    assert len(fast) <= len(gzip.compress(data, 1)) * 1.01  # 4 % smaller on the 1M-row bench file
    mixed: list[bytes] = []
    tuner = GzipTuner(1, fixed=True)
    for piece in segmented_gzip([data], tuner):
        mixed.append(piece)
        tuner._fixed_level = 6 if tuner._fixed_level == 1 else 1  # ISA-L and zlib segments alternate
    assert gzip.decompress(b"".join(mixed)) == data
