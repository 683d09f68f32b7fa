"""Cut a file's records into parts: each part is the header plus whole records, at most a limit in bytes.

Blocks of whole records come in order; a block that fits in the current part is taken whole without
looking at its records. Only a block that crosses a limit is searched for the last record boundary
under the limit (by quote parity), so cutting costs nothing on the fast path.

API::

    @dataclass(frozen=True)
    class PartSpan(index, start, end, records, first_record)   # see scan.py; .size = end - start
    class PartCutter:
        __init__(data_offset, header_len, max_part_bytes)
        body_limit: int
        add(offset, data, records, first_record) -> list[tuple[int, int]]
            # (record number, file offset) of records that alone exceed the limit
        take(length, records) -> bool   # a block that fits whole, known by its size; False: use add
        finish() -> None
        parts: list[PartSpan]
"""

from __future__ import annotations

from dataclasses import dataclass

from sfloader_gui.core.csvio.chunks import last_boundary, next_boundary


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


def count_records(data: bytes, start: int, end: int) -> int:
    """Records in ``data[start:end]`` (both record boundaries; a last record may lack its newline)."""
    piece = data[start:end]
    n = b"".join(piece.split(b'"')[::2]).count(b"\n")
    return n + (1 if piece and not piece.endswith(b"\n") else 0)


class PartCutter:
    """Greedy: a part takes records while header + records fit in ``max_part_bytes``."""

    def __init__(self, data_offset: int, header_len: int, max_part_bytes: int) -> None:
        self.body_limit = max(1, max_part_bytes - header_len)
        self.parts: list[PartSpan] = []
        self._start = data_offset
        self._bytes = 0
        self._records = 0
        self._first = 1

    def add(self, offset: int, data: bytes, records: int, first_record: int) -> list[tuple[int, int]]:
        """Take one block of ``records`` whole records starting at file ``offset``."""
        too_big: list[tuple[int, int]] = []
        pos, done = 0, 0
        while True:
            room = self.body_limit - self._bytes
            if len(data) - pos <= room:
                self._bytes += len(data) - pos
                self._records += records - done
                return too_big
            cut = last_boundary(data, pos, pos + room)
            if cut == pos:
                if self._records:
                    self._close()
                    continue
                cut = next_boundary(data, pos)  # a record larger than a part: alone, and reported
                too_big.append((first_record + done, offset + pos))
            n = count_records(data, pos, cut)
            self._bytes += cut - pos
            self._records += n
            pos, done = cut, done + n
            self._close()

    def take(self, length: int, records: int) -> bool:
        """Take a block of ``length`` bytes and ``records`` records if it fits in the current part (what
        ``add`` would do without looking at its bytes); False takes nothing."""
        if length > self.body_limit - self._bytes:
            return False
        self._bytes += length
        self._records += records
        return True

    def _close(self) -> None:
        end = self._start + self._bytes
        self.parts.append(PartSpan(len(self.parts) + 1, self._start, end, self._records, self._first))
        self._start, self._first = end, self._first + self._records
        self._bytes = self._records = 0

    def finish(self) -> None:
        if self._records:
            self._close()
