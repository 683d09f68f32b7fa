"""Find duplicate External ID values in bounded memory: 64-bit hashes, then a targeted second pass
over the file only when a hash repeats, to name the values and record numbers.

Memory is nothing for keys in increasing order and 8 bytes per record otherwise (8 MB for a million
rows; a Python set of the keys would need ~100 MB), and the happy path never reads the file twice:
a repeated 64-bit hash among n keys happens by chance with probability about n**2 / 2**65 (3e-8 for
a million keys), so the second pass runs when there really are duplicates, and confirms them by value.

API::

    class KeyIndex(reread: Callable[[int], Iterable[list[bytes]]]):
        add(keys: list[bytes]) -> None          # one block of keys, in record order
        ordered: bool                           # True while keys are strictly increasing
        repeated(ignore=(b"",), limit=MAX_LOCATED) -> Repeats       # values, records, some hashes
        shared_with(other, ignore=(b"",), limit=MAX_LOCATED) -> Repeats   # cross-file
        __len__() -> int
    iter_keys(path, dialect, key_col, records=None) -> Iterator[list[bytes]]
    locate_keys(path, dialect, key_col, hashes, limit) -> dict[bytes, KeyHits]
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import compress, count, islice, repeat
from operator import lt
from pathlib import Path

from sfloader_gui.core.csvio.chunks import iter_blocks
from sfloader_gui.core.csvio.dialect import CsvDialect
from sfloader_gui.core.csvio.records import DELIM_MARK, NL_MARK, fast_keys, neutral_records, unquote

MAX_LOCATED = 1000  # repeated values looked up again in the file to show examples and record numbers
_BUCKET_BITS = 6  # 64 buckets: few calls per block, ~16k hashes per bucket per million rows
_SHIFT = 64 - _BUCKET_BITS
# Lower bounds of buckets 1..63 in signed 64-bit hash space; bucket b holds [bound(b), bound(b+1)).
_BOUNDS = [(b << _SHIFT) - (1 << 63) for b in range(1, 1 << _BUCKET_BITS)]
Reread = Callable[[int], Iterable[list[bytes]]]  # keys of the first n records again, block by block


class KeyIndex:
    """The hashes of every key of one file, for exact-enough duplicate checks in bounded memory.

    Keys in strictly increasing order (the usual export: sorted or sequential IDs) cannot repeat, so
    while the file stays in order only the first and last key are kept: no hashing, no memory. When
    the order breaks (or another file's key range overlaps), ``reread`` fetches the keys seen so far
    and every hash goes into one of 64 buckets by value, each block sorted first, so that finding
    repeats needs only one small set per bucket at the end.
    """

    def __init__(self, reread: Reread) -> None:
        self._reread = reread
        self._buckets: list[array[int]] | None = None
        self._first: bytes | None = None
        self._last: bytes | None = None
        self._n = 0

    def __len__(self) -> int:
        return self._n

    @property
    def ordered(self) -> bool:
        return self._buckets is None

    def add(self, keys: list[bytes]) -> None:
        if not keys:
            return
        if self._buckets is None:
            if (self._last is None or keys[0] > self._last) and all(map(lt, keys, islice(keys, 1, None))):
                self._first = keys[0] if self._first is None else self._first
                self._last = keys[-1]
                self._n += len(keys)
                return
            self._bucketize()
        self._n += len(keys)
        self._bucket_add(sorted(map(hash, keys)))

    def _bucketize(self) -> list[array[int]]:
        if self._buckets is None:
            self._buckets = [array("q") for _ in range(1 << _BUCKET_BITS)]
            if self._n:
                for keys in self._reread(self._n):
                    self._bucket_add(sorted(map(hash, keys)))
        return self._buckets

    def _bucket_add(self, hs: list[int]) -> None:
        buckets = self._bucketize()
        lo = 0
        for b, bound in enumerate(_BOUNDS):
            hi = bisect_left(hs, bound, lo)
            if hi > lo:
                buckets[b].extend(hs[lo:hi])
                lo = hi
        if lo < len(hs):
            buckets[-1].extend(hs[lo:])

    def repeated(self, ignore: Iterable[bytes] = (b"",), limit: int = MAX_LOCATED) -> Repeats:
        """Keys (by hash) that occur more than once; a repeated hash is confirmed by value later."""
        skip = {hash(k) for k in ignore}
        rep = Repeats()
        for bucket in self._buckets or ():
            if len(set(bucket)) != len(bucket):
                counts = Counter(bucket)
                for h, c in counts.items():
                    if c > 1 and h not in skip:
                        rep.add(h, c, limit)
        return rep

    def shared_with(
        self, other: KeyIndex, ignore: Iterable[bytes] = (b"",), limit: int = MAX_LOCATED
    ) -> Repeats:
        """Keys (by hash) of this index that the other one has too."""
        rep = Repeats()
        if not self._n or not other._n or (self.ordered and other.ordered and self._disjoint(other)):
            return rep
        skip = {hash(k) for k in ignore}
        for mine, theirs in zip(self._bucketize(), other._bucketize(), strict=True):
            if mine and theirs:
                both = set(mine).intersection(theirs) - skip
                if both:
                    counts = Counter(compress(mine, map(both.__contains__, mine)))
                    for h, c in counts.items():
                        rep.add(h, c, limit)
        return rep

    def _disjoint(self, other: KeyIndex) -> bool:
        assert self._first is not None and self._last is not None
        assert other._first is not None and other._last is not None
        return self._last < other._first or other._last < self._first


@dataclass
class Repeats:
    """Repeated keys found by hash: how many values and records, and up to a limit of the hashes."""

    values: int = 0
    records: int = 0
    hashes: set[int] = field(default_factory=set)

    def add(self, h: int, count: int, limit: int) -> None:
        self.values += 1
        self.records += count
        if len(self.hashes) < limit:
            self.hashes.add(h)


@dataclass
class KeyHits:
    """Where one key value occurs: how often, and the first record numbers."""

    count: int = 0
    records: list[int] = field(default_factory=list)


def iter_keys(
    path: Path, dialect: CsvDialect, key_col: int, records: int | None = None
) -> Iterator[list[bytes]]:
    """The External ID values of the file's records (the first ``records`` of them), per block."""
    d = dialect.delimiter.encode()
    ncols = len(dialect.header)
    left = records
    with path.open("rb") as fh:
        for block in iter_blocks(fh, dialect.data_offset):
            if not block.complete or (left is not None and left <= 0):
                return
            recs, _ = neutral_records(block.data, d)
            if left is not None:
                recs, left = recs[:left], left - len(recs)
            if dialect.line_ending == "CRLF":
                recs = list(map(bytes.removesuffix, recs, repeat(b"\r")))
            keys = _keys(recs, key_col, ncols, d)
            if any(map(bytes.startswith, keys, repeat(b'"'))):
                keys = [_clean(k, d) for k in keys]
            yield keys


def locate_keys(
    path: Path, dialect: CsvDialect, key_col: int, hashes: set[int], limit: int
) -> dict[bytes, KeyHits]:
    """Second pass: the record numbers of keys whose hash is in ``hashes`` (first ``limit`` of each)."""
    hits: dict[bytes, KeyHits] = {}
    record = 1
    for keys in iter_keys(path, dialect, key_col):
        found = compress(zip(count(record), keys, strict=False), map(hashes.__contains__, map(hash, keys)))
        for number, key in found:
            entry = hits.setdefault(key, KeyHits())
            entry.count += 1
            if len(entry.records) < limit:
                entry.records.append(number)
        record += len(keys)
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
