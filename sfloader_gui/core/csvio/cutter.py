"""Cut a file's records into parts: each part is the header plus whole records, at most a limit in bytes.

API::

    @dataclass(frozen=True)
    class PartSpan(index, start, end, records, first_record)   # see scan.py
    class PartCutter:
        __init__(data_offset, header_len, max_part_bytes)
        body_limit: int
        add(block_len, record_lengths, ends_with_newline, first_record) -> list[int]
            # record numbers of records that alone exceed the limit (each becomes its own part)
        finish() -> None
        parts: list[PartSpan]
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate


@dataclass(frozen=True)
class PartSpan:
    """One part: the file bytes [start, end) hold its records; the header is sent before them."""

    index: int
    start: int
    end: int
    records: int
    first_record: int

    @property
    def size(self) -> int:
        return self.end - self.start


class PartCutter:
    """Greedy: a part takes records while header + records fit in ``max_part_bytes``."""

    def __init__(self, data_offset: int, header_len: int, max_part_bytes: int) -> None:
        self.body_limit = max(1, max_part_bytes - header_len)
        self.parts: list[PartSpan] = []
        self._start = data_offset
        self._bytes = 0
        self._records = 0
        self._first = 1

    def add(
        self, block_len: int, lengths: list[int], ends_with_newline: bool, first_record: int
    ) -> list[int]:
        """Take one block of records (``lengths`` exclude terminators, each is one byte of LF)."""
        if self._bytes + block_len <= self.body_limit:
            self._bytes += block_len
            self._records += len(lengths)
            return []
        ends = [e + i for i, e in enumerate(accumulate(lengths), start=1)]
        if not ends_with_newline:
            ends[-1] -= 1
        too_big: list[int] = []
        i, base, n = 0, 0, len(ends)
        while i < n:
            j = bisect_right(ends, base + self.body_limit - self._bytes, i)
            if j == i:
                if self._records:
                    self._close()
                    continue
                too_big.append(first_record + i)
                j = i + 1  # it goes alone into a part; the file is blocked anyway
            self._bytes += ends[j - 1] - base
            self._records += j - i
            base, i = ends[j - 1], j
            if i < n:
                self._close()
        return too_big

    def _close(self) -> None:
        end = self._start + self._bytes
        self.parts.append(PartSpan(len(self.parts) + 1, self._start, end, self._records, self._first))
        self._start, self._first = end, self._first + self._records
        self._bytes = self._records = 0

    def finish(self) -> None:
        if self._records:
            self._close()
