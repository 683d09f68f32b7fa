"""Find duplicate External ID values in bounded memory: 64-bit hashes in sorted buckets, then a
targeted second pass over the file only when a hash repeats, to name the values and record numbers.

Memory is 8 bytes per record (8 MB for a million rows; a Python set of the keys would need ~100 MB),
and the happy path never reads the file twice: a repeated 64-bit hash among n keys happens by chance
with probability about n**2 / 2**65 (3e-8 for a million keys), so the second pass runs when there
really are duplicates, and then confirms them by value.

API::

    class KeyIndex:
        add(keys: list[bytes]) -> None          # one block of keys, in record order
        repeated_hashes(blank: bytes = b"") -> set[int]
        shared_with(other: KeyIndex) -> set[int]   # hashes present in both (cross-file)
        __len__() -> int
    locate_keys(path, dialect, key_col, hashes, limit) -> dict[bytes, KeyHits]
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import compress, count, pairwise, repeat
from pathlib import Path

from sfloader_gui.core.csvio.chunks import iter_blocks
from sfloader_gui.core.csvio.dialect import CsvDialect
from sfloader_gui.core.csvio.records import DELIM_MARK, NL_MARK, fast_keys, neutral_records, unquote

_BUCKET_BITS = 8
_SHIFT = 64 - _BUCKET_BITS
# Lower bounds of buckets 1..255 in signed 64-bit hash space; bucket b holds [bound(b), bound(b+1)).
_BOUNDS = [(b << _SHIFT) - (1 << 63) for b in range(1, 1 << _BUCKET_BITS)]


def key_hash(key: bytes) -> int:
    return hash(key)


class KeyIndex:
    """The hashes of every key of one file, spread over 256 buckets so duplicates are found per bucket."""

    def __init__(self) -> None:
        self._buckets = [array("q") for _ in range(1 << _BUCKET_BITS)]
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def add(self, keys: Iterable[bytes]) -> None:
        hs = sorted(map(hash, keys))
        self._n += len(hs)
        lo = 0
        for b, bound in enumerate(_BOUNDS):
            hi = bisect_left(hs, bound, lo)
            if hi > lo:
                self._buckets[b].extend(hs[lo:hi])
                lo = hi
        if lo < len(hs):
            self._buckets[-1].extend(hs[lo:])

    def repeated_hashes(self, ignore: Iterable[bytes] = (b"",)) -> set[int]:
        skip = {hash(k) for k in ignore}
        found: set[int] = set()
        for bucket in self._buckets:
            if len(set(bucket)) != len(bucket):
                ordered = sorted(bucket)
                found.update(a for a, b in pairwise(ordered) if a == b)
        return found - skip

    def shared_with(self, other: KeyIndex, ignore: Iterable[bytes] = (b"",)) -> set[int]:
        skip = {hash(k) for k in ignore}
        found: set[int] = set()
        for mine, theirs in zip(self._buckets, other._buckets, strict=True):
            if mine and theirs:
                found.update(set(mine).intersection(theirs))
        return found - skip


@dataclass
class KeyHits:
    """Where one key value occurs: how often, and the first record numbers."""

    count: int = 0
    records: list[int] = field(default_factory=list)


def locate_keys(
    path: Path, dialect: CsvDialect, key_col: int, hashes: set[int], limit: int
) -> dict[bytes, KeyHits]:
    """Second pass: the record numbers of keys whose hash is in ``hashes`` (first ``limit`` of each)."""
    d = dialect.delimiter.encode()
    ncols = len(dialect.header)
    hits: dict[bytes, KeyHits] = {}
    record = 1
    with path.open("rb") as fh:
        for block in iter_blocks(fh, dialect.data_offset):
            if not block.complete:
                break
            recs, _ = neutral_records(block.data, d)
            if dialect.line_ending == "CRLF":
                recs = list(map(bytes.removesuffix, recs, repeat(b"\r")))
            keys = [_clean(k, d) for k in _keys(recs, key_col, ncols, d)]
            found = compress(
                zip(count(record), keys, strict=False), map(hashes.__contains__, map(hash, keys))
            )
            for number, key in found:
                entry = hits.setdefault(key, KeyHits())
                entry.count += 1
                if len(entry.records) < limit:
                    entry.records.append(number)
            record += len(recs)
    return hits


def _keys(recs: list[bytes], k: int, ncols: int, d: bytes) -> list[bytes]:
    try:
        return fast_keys(recs, k, ncols, d)
    except IndexError:  # a ragged record (the file is blocked anyway): fall back record by record
        return [r.split(d, k + 1)[k] if r.count(d) >= k else b"" for r in recs]


def _clean(raw: bytes, d: bytes) -> bytes:
    if raw.startswith(b'"') or DELIM_MARK in raw or NL_MARK in raw:
        return unquote(raw, d)
    return raw
