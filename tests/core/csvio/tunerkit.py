"""Drive a GzipTuner through judgment windows on a fake clock: segments of a given speed and size, and
how long the uploads waited for them."""

from __future__ import annotations

import pytest

from sfloader_gui.core.csvio import pgzip
from sfloader_gui.core.csvio.pgzip import GzipTuner

SEG = 1 << 19  # raw bytes of one segment, as the uploads cut them
# Per-core speed (raw MB/s) and size (compressed / raw) of each level, as a loaded 2-core box measured them.
SPEED = {1: 300e6, 4: 50e6, 6: 24e6}
RATIO = {1: 0.31, 4: 0.29, 6: 0.275}


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    clock = FakeClock()
    monkeypatch.setattr(pgzip, "_clock", clock)
    return clock


def window(tuner: GzipTuner, clock: FakeClock, raw_mb_s: float, waiting: float, seconds: float = 1.0) -> int:
    """One judgment: ``raw_mb_s`` of raw data went to the wire for ``seconds`` at the tuner's level, the
    uploads waiting that share of the time; the level it chose next."""
    level = tuner.level
    pieces = max(pgzip._DECIDE_EVERY, round(raw_mb_s * 1e6 * seconds / SEG))
    for i in range(pieces):
        if i == pieces - 1:
            clock.now += seconds
        piece = pgzip._Piece(SEG, b"x" * int(SEG * RATIO[level]), level, SEG / SPEED[level])
        tuner.note(piece, waited=waiting * seconds / pieces)
    return tuner.level
