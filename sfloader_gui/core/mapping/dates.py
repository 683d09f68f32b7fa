"""Dates and datetimes as people write them (12/31/2026, 31.12.2026 13:05) -> Salesforce's ISO formats.

Each value is classified once into the day/month orders it can be read in (a bit set); a column's order
is the one every value allows. Four-digit years only: a two-digit year is refused, never guessed.

API::

    MDY, DMY, YMD: int            # order bits; ISO = value already in Salesforce's format
    ISO, BAD, TWO_DIGIT_YEAR, DIFFERS: int   # DIFFERS: MDY and DMY read it as different dates
    ORDERS: dict[str, int]        # "MDY" -> MDY, ...
    classify_date(value) -> int   # bits: the orders it is valid in, or ISO, BAD, TWO_DIGIT_YEAR
    classify_datetime(value) -> int
    to_iso_date(value, order) -> str | None
    to_iso_datetime(value, order, tz) -> str | None   # tz: a tzinfo, or None for the computer's zone
"""

from __future__ import annotations

import re
from datetime import date, datetime, tzinfo

MDY, DMY, YMD = 1, 2, 4
ISO = 8
BAD = 16
TWO_DIGIT_YEAR = 32
DIFFERS = 64
ORDERS = {"MDY": MDY, "DMY": DMY, "YMD": YMD}
ORDER_NAMES = {v: k for k, v in ORDERS.items()}

_DATE = re.compile(r"(\d{1,4})([/.\-])(\d{1,2})\2(\d{1,4})\.?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.(\d{1,3}))?\s*([AaPp]\.?[Mm]\.?)?")


def _valid(y: int, m: int, d: int) -> bool:
    try:
        date(y, m, d)
    except ValueError:
        return False
    return True


def _parts(value: str) -> tuple[str, str, str] | None:
    m = _DATE.fullmatch(value)
    return None if m is None else (m.group(1), m.group(3), m.group(4))


def classify_date(value: str) -> int:
    """The orders ``value`` is a valid date in (ISO when already yyyy-MM-dd)."""
    value = value.strip()
    if _ISO_DATE.fullmatch(value):
        y, m, d = int(value[:4]), int(value[5:7]), int(value[8:10])
        return ISO if _valid(y, m, d) else BAD
    parts = _parts(value)
    if parts is None:
        return BAD
    a, b, c = parts
    if len(a) == 4:
        return YMD if len(c) <= 2 and _valid(int(a), int(b), int(c)) else BAD
    if len(a) > 2 or len(c) == 3:
        return BAD
    if len(c) < 4:
        return TWO_DIGIT_YEAR
    bits = 0
    if _valid(int(c), int(a), int(b)):
        bits |= MDY
    if _valid(int(c), int(b), int(a)):
        bits |= DMY
    if bits == MDY | DMY and int(a) != int(b):
        bits |= DIFFERS
    return bits or BAD


def _split_datetime(value: str) -> tuple[str, str]:
    value = value.strip()
    head, sep, tail = value.partition(" ")
    if not sep:
        head, sep, tail = value.partition("T")
    return head, tail.strip()


def classify_datetime(value: str) -> int:
    """Like ``classify_date`` for a date with an optional time (ISO when already ISO 8601 with an offset)."""
    value = value.strip()
    if _ISO_DATETIME.fullmatch(value):
        return ISO
    head, tail = _split_datetime(value)
    if tail and _time(tail) is None:
        return BAD
    bits = classify_date(head)
    if bits & ISO:
        return YMD  # 2026-12-31 13:05: the date is ISO, the time still needs its offset
    return bits


def _time(text: str) -> tuple[int, int, int, int] | None:
    m = _TIME.fullmatch(text)
    if m is None:
        return None
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    ms = int((m.group(4) or "0").ljust(3, "0"))
    ampm = (m.group(5) or "").lower().replace(".", "")
    if ampm:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if ampm == "pm" else 0)
    if h > 23 or mi > 59 or s > 59:
        return None
    return h, mi, s, ms


def _ymd(value: str, order: int) -> tuple[int, int, int] | None:
    if _ISO_DATE.fullmatch(value):
        return int(value[:4]), int(value[5:7]), int(value[8:10])
    parts = _parts(value)
    if parts is None:
        return None
    a, b, c = (int(p) for p in parts)
    if len(parts[0]) == 4:
        y, m, d = a, b, c
    elif len(parts[2]) != 4:
        return None
    elif order == MDY:
        y, m, d = c, a, b
    elif order == DMY:
        y, m, d = c, b, a
    else:
        return None
    return (y, m, d) if _valid(y, m, d) else None


def to_iso_date(value: str, order: int) -> str | None:
    """``value`` as yyyy-MM-dd read in ``order``; None if it is not a date in that order."""
    ymd = _ymd(value.strip(), order)
    return None if ymd is None else f"{ymd[0]:04d}-{ymd[1]:02d}-{ymd[2]:02d}"


def to_iso_datetime(value: str, order: int, tz: tzinfo | None) -> str | None:
    """``value`` as yyyy-MM-ddTHH:mm:ss.SSS+HH:MM, read in ``order`` as a time in ``tz``."""
    value = value.strip()
    if _ISO_DATETIME.fullmatch(value):
        return value
    head, tail = _split_datetime(value)
    ymd = _ymd(head, order)
    hms = _time(tail) if tail else (0, 0, 0, 0)
    if ymd is None or hms is None:
        return None
    naive = datetime(*ymd, hms[0], hms[1], hms[2], hms[3] * 1000)
    # Without a zone the computer's own applies (astimezone() on a naive datetime means local time).
    aware = naive.replace(tzinfo=tz) if tz is not None else naive.astimezone()
    return aware.isoformat(timespec="milliseconds")
