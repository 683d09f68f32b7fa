"""Numbers as people write them (1,234.50 / 1.234,50 / 1 234,5 / $1,234 / 12%) -> Salesforce's plain form.

A value is classified into the decimal separators it can be read with (a bit set); a column's separator
is the one every value allows. "1,234" is 1234 with a decimal point and 1.234 with a decimal comma: such a
column is ambiguous until a value proves one reading (or the user chooses).

API::

    POINT, COMMA, PLAIN, DIFFERS, BAD: int   # bits: readings; PLAIN = already Salesforce's form;
                                             # DIFFERS = the two readings give different numbers
    SEPARATORS: dict[str, int]         # "." -> POINT, "," -> COMMA
    classify_number(value, whole=False) -> int   # whole: integer fields (a reading with a fraction is out)
    to_plain(value, sep, whole=False) -> str | None
"""

from __future__ import annotations

import re

POINT, COMMA = 1, 2
PLAIN = 4
DIFFERS = 16
BAD = 8
SEPARATORS = {".": POINT, ",": COMMA}
SEPARATOR_NAMES = {POINT: ".", COMMA: ","}

_PLAIN = re.compile(r"-?\d+(\.\d+)?")
_PLAIN_INT = re.compile(r"-?\d+")
# Grouping: comma/point/space/no-break space/apostrophe (Swiss) between groups of three digits.
_POINT_READ = re.compile(r"(\d{1,3}(?:[, \u00a0\u202f']\d{3})+|\d+)(\.\d+)?")
_COMMA_READ = re.compile(r"(\d{1,3}(?:[. \u00a0\u202f']\d{3})+|\d+)(,\d+)?")
_DECORATION = "$€£¥₹CHF USD EUR GBP%\u00a0"  # currency signs/codes and percent around the digits
_SIGNS = re.compile(r"^\((.*)\)$")
_WHOLE_FRACTION = re.compile(r"[.,]0+$")
# The two common grouped forms, read in one regex each: 1,234,567.89 (point) and 1.234.567,89 (comma).
_US = re.compile(r"-?\d{1,3}(?:,\d{3})+\.\d+")
_EU = re.compile(r"-?\d{1,3}(?:\.\d{3})+,\d+")


def _core(value: str) -> tuple[str, str] | None:
    """(sign, digits part) with currency marks and the percent sign removed."""
    v = value.strip()
    sign = ""
    m = _SIGNS.match(v)  # accounting negatives: (1,234.00)
    if m:
        v, sign = m.group(1).strip(), "-"
    v = v.strip(_DECORATION).strip()
    if v[:1] and v[0] in "+-":  # (a value of only a currency sign leaves nothing)
        sign = "-" if v[0] == "-" else sign
        v = v[1:].strip(_DECORATION).strip()
    if v[-1:] == "-":  # trailing minus (some ERP exports)
        sign, v = "-", v[:-1]
    return (sign, v) if v else None


def _read(digits: str, sep: int) -> str | None:
    rx = _POINT_READ if sep == POINT else _COMMA_READ
    m = rx.fullmatch(digits)
    if m is None:
        return None
    whole = re.sub(r"\D", "", m.group(1))
    frac = (m.group(2) or "")[1:]
    return whole + ("." + frac if frac else "")


def classify_number(value: str, whole: bool = False) -> int:
    """The separators ``value`` reads with; PLAIN if Salesforce takes it as it is."""
    v = value.strip()
    plain = PLAIN if (_PLAIN_INT if whole else _PLAIN).fullmatch(v) else 0
    if plain:
        # The common case, without trying both readings: 1234 reads the same both ways; 1234.5 and
        # 12.50 cannot be a decimal comma's grouping (that needs groups of three digits).
        head, dot, frac = v.lstrip("-").partition(".")
        if not dot:
            return POINT | COMMA | PLAIN
        if len(frac) != 3 or len(head) > 3:
            return POINT | PLAIN if not whole or not frac.strip("0") else BAD
    elif not whole:
        if _US.fullmatch(v):
            return POINT  # both separators: the last one is the decimal one
        if _EU.fullmatch(v):
            return COMMA
    core = _core(v)
    if core is None:
        return BAD
    bits = 0
    texts = set()
    for sep in (POINT, COMMA):
        text = _read(core[1], sep)
        if text is not None and (not whole or _whole(text) is not None):
            bits |= sep
            texts.add(_whole(text) if whole else text)
    if not bits:
        return BAD
    return bits | plain | (DIFFERS if len(texts) > 1 else 0)


def _whole(text: str) -> str | None:
    head, _, frac = text.partition(".")
    return head if not frac.strip("0") else None


def to_plain(value: str, sep: int, whole: bool = False) -> str | None:
    """``value`` in Salesforce's form (``-1234.5``; integers without ``.0``), or None if unreadable."""
    v = value.strip()
    if sep == POINT and (_PLAIN_INT if whole else _PLAIN).fullmatch(v):
        return v  # already Salesforce's form: untouched
    core = _core(v)
    if core is None:
        return None
    text = _read(core[1], sep)
    if text is None:
        return None
    if whole:
        text = _whole(text)  # 42.0 -> 42
        if text is None:
            return None
        text = text.lstrip("0") or "0"
    return core[0] + text if text.strip("0.") or not core[0] else text
