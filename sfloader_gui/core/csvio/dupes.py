"""Find duplicate External ID values in bounded memory: 64-bit hashes, then a targeted second pass
over the file only when a hash repeats, to name the values and record numbers.

Memory is nothing for keys in increasing order and 4 bytes per record otherwise (4 MB for a million
rows; a Python set of the keys would need ~100 MB). The file is read a second time only when a hash
repeats: nearly always because a value really repeats (chance repeats of the 44-bit hashes among a
million keys: 3%), and that pass confirms every repeat by value.

API::

    class KeyIndex(reread: Callable[[int], Iterable[list[bytes]]]):
        add(keys: list[bytes]) -> None          # one block of keys, in record order
        add_run(first, last, n) -> None         # n keys checked elsewhere, strictly increasing
        ordered: bool                           # True while keys are strictly increasing
        last: bytes | None                      # the last key, while in order
        repeated(limit=MAX_LOCATED) -> Repeats           # values, records, some hashes
        shared_with(other, limit=MAX_LOCATED) -> Repeats  # cross-file
        __len__() -> int
    iter_keys(path, dialect, key_col, records=None) -> Iterator[list[bytes]]
    clean_keys(keys, d) -> list[bytes]   # raw key fields of a block, unquoted as iter_keys gives them
    locate_keys(path, dialect, key_col, hashes, limit) -> dict[bytes, KeyHits]
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import compress, count, islice, repeat
from operator import and_, lt
from pathlib import Path

from sfloader_gui.core.csvio.chunks import iter_blocks
from sfloader_gui.core.csvio.dialect import CsvDialect
from sfloader_gui.core.csvio.records import DELIM_MARK, NL_MARK, fast_keys, neutral_records, unquote

MAX_LOCATED = 1000  # repeated values looked up again in the file to show examples and record numbers
# A key's hash is cut to 44 bits: the top 12 pick one of 4,096 buckets, the low 32 are stored (4 bytes
# per record). Chance repeats among n distinct keys: about n**2 / 2**45 (0.03 for a million keys);
# they cost a second pass that finds no equal values, never a wrong report.
_HASH_BITS = 44
_MASK = (1 << _HASH_BITS) - 1
_LOW = (1 << 32) - 1
_BUCKETS = 1 << (_HASH_BITS - 32)
_BOUNDS = [b << 32 for b in range(1, _BUCKETS)]
_FLUSH = 1 << 16  # hashes gathered before sorting them into buckets (bounds the per-block work)
Reread = Callable[[int], Iterable[list[bytes]]]  # keys of the first n records again, block by block


def key_hashes(keys: Iterable[bytes]) -> Iterator[int]:
    """The 44-bit hashes the index keeps, for the same keys read again."""
    return map(and_, map(hash, keys), repeat(_MASK))


class KeyIndex:
    """The hashes of every key of one file, for duplicate checks in bounded memory.

    Keys in strictly increasing order (the usual export: sorted or sequential IDs) cannot repeat, so
    while the file stays in order only the first and last key are kept: no hashing, no memory. When
    the order breaks (or another file's key range overlaps), ``reread`` fetches the keys seen so far
    and every hash goes, 4 bytes each, into one of 4,096 buckets by value, so that finding repeats
    needs only one small set per bucket at the end.
    """

    def __init__(self, reread: Reread) -> None:
        self._reread = reread
        self._buckets: list[array[int]] | None = None
        self._pending: list[int] = []
        self._first: bytes | None = None
        self._last: bytes | None = None
        self._n = 0

    def __len__(self) -> int:
        return self._n

    @property
    def ordered(self) -> bool:
        return self._buckets is None

    @property
    def last(self) -> bytes | None:
        """The last key while the keys are in order (None before the first)."""
        return self._last

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
        self._gather(keys)

    def add_run(self, first: bytes, last: bytes, n: int) -> None:
        """``n`` keys in strictly increasing order from ``first`` to ``last``, checked elsewhere (a scan
        worker). Out of order with the keys before them, every key so far is read again, theirs too."""
        if self._buckets is not None:
            raise ValueError("the keys so far are out of order: add these with add(), key by key")
        if self._last is None or first > self._last:
            self._first = first if self._first is None else self._first
            self._last = last
            self._n += n
            return
        self._n += n
        self._bucketize()

    def _gather(self, keys: Iterable[bytes]) -> None:
        self._pending.extend(key_hashes(keys))
        if len(self._pending) >= _FLUSH:
            self._flush()

    def _flush(self) -> None:
        hs, self._pending = sorted(self._pending), []
        buckets = self._buckets
        assert buckets is not None
        lo = 0
        for b, bound in enumerate(_BOUNDS):
            hi = bisect_left(hs, bound, lo)
            if hi > lo:
                buckets[b].extend(map(and_, hs[lo:hi], repeat(_LOW)))
                lo = hi
        if lo < len(hs):
            buckets[-1].extend(map(and_, hs[lo:], repeat(_LOW)))

    def _bucketize(self) -> list[array[int]]:
        if self._buckets is None:
            self._buckets = [array("I") for _ in range(_BUCKETS)]
            if self._n:
                for keys in self._reread(self._n):
                    self._gather(keys)
        self._flush()
        return self._buckets

    def repeated(self, limit: int = MAX_LOCATED) -> Repeats:
        """Keys (by hash) that occur more than once; the caller confirms them by value (and leaves
        out blank values, which are reported on their own)."""
        rep = Repeats()
        if self._buckets is None:
            return rep
        for b, bucket in enumerate(self._bucketize()):
            if len(set(bucket)) != len(bucket):
                for low, c in Counter(bucket).items():
                    if c > 1:
                        rep.add(b << 32 | low, c, limit)
        return rep

    def shared_with(
        self, other: KeyIndex, ignore: Iterable[bytes] = (b"",), limit: int = MAX_LOCATED
    ) -> Repeats:
        """Keys (by hash) of this index that the other one has too."""
        rep = Repeats()
        if not self._n or not other._n or (self.ordered and other.ordered and self._disjoint(other)):
            return rep
        skip = set(key_hashes(ignore))
        for b, (mine, theirs) in enumerate(zip(self._bucketize(), other._bucketize(), strict=True)):
            if mine and theirs:
                both = set(mine).intersection(theirs)
                if both:
                    for low, c in Counter(compress(mine, map(both.__contains__, mine))).items():
                        if (b << 32 | low) not in skip:
                            rep.add(b << 32 | low, c, limit)
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
            yield clean_keys(_keys(recs, key_col, ncols, d), d)


def locate_keys(
    path: Path, dialect: CsvDialect, key_col: int, hashes: set[int], limit: int
) -> dict[bytes, KeyHits]:
    """Second pass: the record numbers of keys whose hash is in ``hashes`` (first ``limit`` of each)."""
    hits: dict[bytes, KeyHits] = {}
    record = 1
    for keys in iter_keys(path, dialect, key_col):
        found = compress(zip(count(record), keys, strict=False), map(hashes.__contains__, key_hashes(keys)))
        for number, key in found:
            entry = hits.setdefault(key, KeyHits())
            entry.count += 1
            if len(entry.records) < limit:
                entry.records.append(number)
        record += len(keys)
    return hits


def clean_keys(keys: list[bytes], d: bytes) -> list[bytes]:
    """Raw key fields of a block (``fast_keys`` of its neutral records) as ``iter_keys`` gives them."""
    if any(map(bytes.startswith, keys, repeat(b'"'))):
        return [_clean(k, d) for k in keys]
    return keys


def _keys(recs: list[bytes], k: int, ncols: int, d: bytes) -> list[bytes]:
    try:
        return fast_keys(recs, k, ncols, d)
    except IndexError:  # a ragged record (the file is blocked anyway): fall back record by record
        return [r.split(d, k + 1)[k] if r.count(d) >= k else b"" for r in recs]


def _clean(raw: bytes, d: bytes) -> bytes:
    if raw.startswith(b'"') or DELIM_MARK in raw or NL_MARK in raw:
        return unquote(raw, d)
    return raw
