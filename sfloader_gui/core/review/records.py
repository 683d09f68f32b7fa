"""A lazy record index over a CSV file: record byte offsets in one compact array, rows parsed on demand."""

from __future__ import annotations

import csv
import io
import os
from array import array
from bisect import bisect_right
from collections.abc import Iterator
from itertools import accumulate, compress, count, repeat
from operator import add
from pathlib import Path

CHUNK = 8 << 20
# A record left open by a stray quote would grow the carried buffer until the end of the file: stop early.
MAX_RECORD_BYTES = 64 << 20


class MalformedCsv(ValueError):
    """The file cannot be cut into records (an unbalanced quote, a record larger than anyone writes)."""


def _record_starts(lines: list[bytes], base: int) -> list[int]:
    """Byte offsets of the lines that start a record, given complete records split on LF.

    A line with an odd number of quotes opens (or closes) a quoted newline; the lines after an opening
    line, up to and including the closing one, continue the same record.
    """
    # start of line j = base + (lengths of lines before j) + j line breaks; all in C, no per-line Python
    starts = list(map(add, accumulate(map(len, lines), initial=base), count()))
    starts.pop()
    odd = list(compress(range(len(lines)), map((1).__and__, map(bytes.count, lines, repeat(b'"')))))
    if not odd:
        return starts
    keep: list[int] = []
    prev = 0
    for a, b in zip(odd[::2], odd[1::2], strict=True):
        keep.extend(starts[prev : a + 1])
        prev = b + 1
    keep.extend(starts[prev:])
    return keep


def _balanced_cut(data: bytes) -> int:
    """Length of the longest prefix of ``data`` that ends at a record boundary (0 if none)."""
    cut = data.rfind(b"\n") + 1
    quotes = data.count(b'"', 0, cut)
    while quotes & 1 and cut > 0:
        prev = data.rfind(b"\n", 0, cut - 1) + 1
        quotes -= data.count(b'"', prev, cut)
        cut = prev
    return cut


class RecordIndex:
    """Offsets of every data record of a CSV file (header excluded); ``offsets[n]`` is the end of the file.

    Memory is 8 bytes per record. ``complete`` is False when the file ends inside a quoted value (a
    truncated download): the records before it are still indexed.
    """

    def __init__(self, path: Path, *, chunk: int = CHUNK) -> None:
        self.path = path
        self.offsets = array("q")
        self.header_bytes = b""
        self.complete = True
        self.tail_bytes = 0  # bytes after the last complete record (a truncated record)
        self.size = 0
        self._fd: int | None = None
        self._scan(chunk)

    def _scan(self, chunk: int) -> None:
        with self.path.open("rb") as f:
            self.header_bytes = _read_header(f)
            base = f.tell()
            carry = b""
            while True:
                block = f.read(chunk)
                data = carry + block if carry else block
                if not block:
                    break
                cut = _balanced_cut(data)
                if cut == 0 and len(data) > MAX_RECORD_BYTES:
                    raise MalformedCsv(
                        f"{self.path} has a quoted value that never ends (from byte {base}): "
                        "the file is damaged or is not a CSV file."
                    )
                lines = data[:cut].split(b"\n")
                lines.pop()  # the empty piece after the final LF
                self.offsets.extend(_record_starts(lines, base))
                carry = data[cut:]
                base += cut
            self._finish(carry, base)

    def _finish(self, carry: bytes, base: int) -> None:
        if carry.strip(b"\r\n"):
            if carry.count(b'"') & 1:
                self.complete = False  # ends inside quotes: a truncated file
                self.tail_bytes = len(carry)
                self.offsets.append(base)
                self.size = base
                return
            self.offsets.append(base)  # the last record has no final line break
            base += len(carry)
        self.offsets.append(base)
        self.size = base

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def raw(self, i: int) -> bytes:
        """The exact bytes of record ``i`` (0-based), line break included."""
        start, end = self.offsets[i], self.offsets[i + 1]
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        return os.pread(self._fd, end - start, start) if hasattr(os, "pread") else self._read(start, end)

    def _read(self, start: int, end: int) -> bytes:
        assert self._fd is not None
        os.lseek(self._fd, start, os.SEEK_SET)
        return os.read(self._fd, end - start)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def iter_blocks(self, chunk: int = CHUNK) -> Iterator[tuple[int, bytes]]:
        """(first record index, bytes) blocks of whole records, for scans over every record."""
        first = 0
        n = len(self)
        with self.path.open("rb") as f:
            while first < n:
                last = _last_record_within(self.offsets, first, self.offsets[first] + chunk)
                f.seek(self.offsets[first])
                yield first, f.read(self.offsets[last] - self.offsets[first])
                first = last


def _last_record_within(offsets: array[int], first: int, limit: int) -> int:
    """The end record index of a block that starts at ``first`` and ends by byte ``limit`` (>= first + 1)."""
    return max(first + 1, bisect_right(offsets, limit, first + 1, len(offsets)) - 1)


def _read_header(f: io.BufferedReader) -> bytes:
    """The header record (it may not contain quoted newlines in practice, but honour them anyway)."""
    line = f.readline()
    while line.count(b'"') & 1:
        more = f.readline()
        if not more:
            break
        line += more
    return line


def parse(raw: bytes, delimiter: str = ",", encoding: str = "utf-8") -> list[str]:
    """One CSV record (bytes, line break included) as its list of values."""
    text = raw.decode(encoding, errors="replace")
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        return row
    return []
