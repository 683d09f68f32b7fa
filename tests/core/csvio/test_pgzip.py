"""Segmented gzip: one member any reader decodes, compressed ahead, at the level the tuner picks."""

from __future__ import annotations

import gzip
import threading
import zlib
from collections.abc import Iterator

import pytest

from sfloader_gui.core.csvio import pgzip
from sfloader_gui.core.csvio.pgzip import GzipTuner, segmented_gzip
from tests.core.csvio.tunerkit import SEG, fake_clock, window


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


def test_a_link_slower_than_the_compressors_moves_the_level_up_and_a_fast_one_keeps_1(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = fake_clock(monkeypatch)
    slow = GzipTuner()  # 100 Mbit/s: 12.5 MB/s of compressed data, compressors always ahead
    assert [window(slow, clock, 40, waiting=0.0) for _ in range(3)] == [4, 6, 6]
    assert slow.link is not None and 0.8 * 12.4e6 < slow.link < 1.2 * 12.4e6
    fast = GzipTuner()
    assert window(fast, clock, 400, waiting=0.6) == 1  # loopback: the wire always waits for level 1
    choice = slow.choice()
    assert choice["level"] == 6
    by_level = choice["raw_bytes_by_level"]
    assert isinstance(by_level, dict) and set(by_level) == {"1", "4", "6"}


def test_a_link_faster_than_the_next_level_can_feed_keeps_its_level(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = fake_clock(monkeypatch)
    lan = GzipTuner()  # a gigabit LAN takes 400 MB/s of level-1 data: two cores at level 4 make 100
    assert [window(lan, clock, 400, waiting=0.05) for _ in range(3)] == [1, 1, 1]


def test_compressors_just_behind_a_slow_link_keep_the_smaller_level(monkeypatch: pytest.MonkeyPatch) -> None:
    """At 6 the uploads wait for the compressors, but level 4 would send more bytes than the link, known
    from the windows before, can take in that time: 6 still moves more records a second."""
    clock = fake_clock(monkeypatch)
    tuner = GzipTuner()
    assert [window(tuner, clock, 40, waiting=0.0) for _ in range(2)] == [4, 6]
    assert [window(tuner, clock, 46, waiting=0.5) for _ in range(3)] == [6, 6, 6]
    # the compressors fall far behind what the link took: one step back
    assert window(tuner, clock, 20, waiting=0.9) == 4


def test_the_first_judgment_does_not_step_down_while_buffers_fill(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = fake_clock(monkeypatch)
    tuner = GzipTuner(6)  # a remembered level, no remembered link
    assert window(tuner, clock, 50, waiting=0.9) == 6  # the buffers took 3 MB at once: no evidence
    assert window(tuner, clock, 40, waiting=0.6) == 4  # starved again, link unknown: find out
    assert tuner.decisions == 2


def test_a_remembered_link_keeps_the_level_until_the_link_takes_much_more(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = fake_clock(monkeypatch)
    again = GzipTuner(6, link=12.4e6)  # the same office line as last time: 6 only just keeps it full
    assert [window(again, clock, w, waiting=0.9) for w in (50, 47, 42, 46)] == [6, 6, 6, 6]
    assert not again.measured  # so the next run is not told a rate this one never saw
    moved = GzipTuner(6, link=12.4e6)  # an 8-core laptop on a LAN now: 6 makes 80 MB/s, all taken
    assert [window(moved, clock, 290, waiting=0.97) for _ in range(2)] == [6, 4]
    assert moved.link is None
    assert window(moved, clock, 580, waiting=0.9) == 1  # 4 moved twice as much: keep going down


def test_a_step_down_that_moves_no_more_records_is_undone(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = fake_clock(monkeypatch)
    tuner = GzipTuner(6)  # no link known
    assert [window(tuner, clock, 45, waiting=0.9) for _ in range(2)] == [6, 4]
    assert window(tuner, clock, 45, waiting=0.4) == 6  # the link was the limit at 6 already
    assert tuner.measured and tuner.link is not None and 0.9 * 45e6 * 0.29 < tuner.link < 1.1 * 45e6 * 0.29


def test_waiting_is_a_share_of_the_uploads_own_time_while_they_come_and_go(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Four uploads for 0.9 s and one to the end: 0.2 s of waiting is 5 % of their 3.7 upload-seconds (the
    link is the bottleneck), not 20 % of the one upload left when the window closes."""
    clock = fake_clock(monkeypatch)
    tuner = GzipTuner()
    tuner.attach(4)
    clock.now = 0.9
    tuner.attach(-3)
    clock.now = 1.0
    for _ in range(pgzip._DECIDE_EVERY):
        tuner.note(pgzip._Piece(SEG, b"x" * (SEG // 3), 1, SEG / 300e6), waited=0.2 / pgzip._DECIDE_EVERY)
    assert tuner.decisions == 1 and tuner.level == 4


def test_an_upload_that_waits_for_the_link_after_its_last_byte_counts_as_link_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A small part fits in the socket buffers: it waits for the compressors while it writes (0.05 of 0.1 s)
    and then 0.9 s for the link to carry it. Half its writing time waiting is not a slow compressor."""
    clock = fake_clock(monkeypatch)
    tuner = GzipTuner()
    tuner.attach(1)
    clock.now = 0.1
    tuner.attach(-1)
    tuner.drained(0.9)
    clock.now = 1.0
    for _ in range(pgzip._DECIDE_EVERY):
        tuner.note(pgzip._Piece(SEG, b"x" * (SEG // 3), 1, SEG / 300e6), waited=0.05 / pgzip._DECIDE_EVERY)
    assert tuner.level == 4


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
