"""Salesforce-shaped record ids: 15 case-sensitive characters plus the 3-character case-safe suffix."""

from __future__ import annotations

import functools
import itertools
import threading

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
# Characters 4-5 are the pod/instance in real ids; a fixed value keeps ids stable and realistic.
_POD = "8d"


def checksum(id15: str) -> str:
    """Salesforce's case-safe suffix: one character per 5-char chunk, bit i set when char i is uppercase."""
    out = []
    for chunk in range(3):
        bits = 0
        for i, ch in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << i
        out.append(_SUFFIX_ALPHABET[bits])
    return "".join(out)


def to18(id15: str) -> str:
    return id15 + checksum(id15)


def is_valid_id(value: str, prefix: str | None = None) -> bool:
    """True for a well-formed 15- or 18-character id (with a correct suffix), optionally of one key prefix."""
    if len(value) not in (15, 18) or not value.isalnum() or not value.isascii():
        return False
    if len(value) == 18 and checksum(value[:15]).lower() != value[15:].lower():
        return False
    return prefix is None or value[:3] == prefix


def normalize(value: str) -> str:
    """The 18-character form of a 15- or 18-character id (the suffix is case-insensitive on input)."""
    return to18(value[:15])


def _base62(n: int, width: int) -> str:
    chars = []
    for _ in range(width):
        n, r = divmod(n, 62)
        chars.append(_BASE62[r])
    return "".join(reversed(chars))


def make_id(prefix: str, serial: int) -> str:
    """The 18-character id number `serial` of an object whose key prefix is `prefix`."""
    return to18(prefix + _POD + "0000" + _base62(serial, 6))


# Bulk id generation is on the hot path of inserts: precomputed 1- and 2-digit base62 strings with
# their uppercase bit masks make an id a few lookups instead of a loop over 15 characters.
_UP = [1 if "A" <= c <= "Z" else 0 for c in _BASE62]
_T2 = [(_BASE62[a] + _BASE62[b], _UP[a] | _UP[b] << 1) for a in range(62) for b in range(62)]


def make_ids(prefix: str, first: int, n: int) -> list[str]:
    """Ids number first .. first+n-1, identical to make_id() for each.

    Serials run in groups of 62 that differ only in their last character, so each group is one shared
    head plus a precomputed tail (last character and the two checksum characters it affects).
    """
    head = prefix + _POD + "0000"
    sum1 = checksum(head + "000000")[0]
    out: list[str] = []
    serial, end = first, first + n
    while serial < end:
        group, last = divmod(serial, 62)
        top, rest = divmod(group, 62**4)  # top: 1st serial char (chunk 2); rest: the next 4 (chunk 3)
        a, rest = divmod(rest, 62**2)
        s2, bits2 = _T2[a]
        b, c = divmod(rest, 62)
        stem = head + _BASE62[top] + s2 + _BASE62[b] + _BASE62[c]
        tails = _tails(sum1 + _SUFFIX_ALPHABET[_UP[top] << 4], bits2 | _UP[b] << 2 | _UP[c] << 3)
        stop = min(62, last + end - serial)
        out += [stem + t for t in tails[last:stop]]
        serial += stop - last
    return out


@functools.cache
def _tails(sums12: str, bits: int) -> list[str]:
    """The 62 endings of a group: last serial char, then checksum chars 1-2 and the 3rd (its bit 4)."""
    return [ch + sums12 + _SUFFIX_ALPHABET[bits | _UP[i] << 4] for i, ch in enumerate(_BASE62)]


class IdSequence:
    """Thread-safe id source for one key prefix, starting after `start` (ids already handed out)."""

    def __init__(self, prefix: str, start: int = 0) -> None:
        self.prefix = prefix
        self._counter = itertools.count(start + 1)
        self._lock = threading.Lock()
        self.last = start

    def next(self) -> str:
        with self._lock:
            self.last = next(self._counter)
            return make_id(self.prefix, self.last)

    def take(self, n: int) -> list[str]:
        with self._lock:
            first = self.last + 1
            self.last += n
            self._counter = itertools.count(self.last + 1)
        return make_ids(self.prefix, first, n)
