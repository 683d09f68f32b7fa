"""Per-field value converters: CSV text -> stored value, or a Salesforce row error string."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sfloader_gui.emulator import ids
from sfloader_gui.emulator.schema import Field


class RowError(Exception):
    """A row-level failure; str() is the full sf__Error text (`CODE:message:fields --`)."""

    def __init__(self, code: str, message: str, fields: tuple[str, ...] = ()) -> None:
        tail = (" ".join(fields) + " --") if fields else "--"
        super().__init__(f"{code}:{message}:{tail}")


_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})


def escape(value: str) -> str:
    """A value quoted in a row error, HTML-escaped as Salesforce does (`Macy's` -> `Macy&#39;s`)."""
    return value.translate(_HTML)


class _Null:
    """`#N/A` in a cell: set the field to null."""

    def __repr__(self) -> str:
        return "NULL"


NULL: Any = _Null()
Converter = Callable[[str], Any]

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})Z?$")
_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2})?$"
)
_INT = re.compile(r"^[+-]?\d+$")
_BOOL = {"true": 1, "1": 1, "yes": 1, "false": 0, "0": 0, "no": 0}


def java_double(value: float) -> str:
    """How Salesforce (Java's Double.toString) writes a stored double back in result files."""
    if value.is_integer() and 1e7 <= abs(value) < 1e16:
        # whole numbers of 8 to 16 digits (revenues and the like): E notation straight from the digits
        digits = str(int(value))
        sign = ""
        if digits[0] == "-":
            sign, digits = "-", digits[1:]
        kept = digits.rstrip("0")
        return f"{sign}{kept[0]}.{kept[1:] or '0'}E{len(digits) - 1}"
    text = repr(value)
    if "e" not in text and "n" not in text:  # plain digits (not inf/nan): the hot path, string work only
        sign = ""
        if text[0] == "-":
            sign, text = "-", text[1:]
        whole, _, frac = text.partition(".")
        if len(whole) >= 8:  # >= 1e7: Java switches to E notation
            digits = (whole + frac).rstrip("0")
            return f"{sign}{digits[0]}.{digits[1:] or '0'}E{len(whole) - 1}"
        if whole != "0" or not frac.startswith("000") or frac == "0":  # >= 1e-3 (or zero): plain
            return sign + text
    return _java_e_notation(value)


def _java_e_notation(value: float) -> str:
    """E notation from Python's shortest digits (tiny, huge and non-finite values; rare)."""
    if value != value or value in (math.inf, -math.inf):
        return {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}[repr(value)]
    sign = "-" if value < 0 else ""
    text = repr(abs(value))
    if "e" in text:
        mant, _, e = text.partition("e")
        exp, digits = int(e), mant.replace(".", "")
    else:
        whole, _, frac = text.partition(".")
        both = whole + frac
        stripped = both.lstrip("0")
        exp, digits = len(whole) - 1 - (len(both) - len(stripped)), stripped
    digits = digits.rstrip("0") or "0"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{exp}"


def _bad_type(f: Field, raw: str) -> RowError:
    return RowError(
        "INVALID_TYPE_ON_FIELD_IN_RECORD", f"{f.label}: value not of required type: {escape(raw)}", (f.name,)
    )


def _text(f: Field) -> Converter:
    limit = f.length

    def conv(raw: str) -> Any:
        if raw[0] == " " and raw.lstrip(" ")[:1] == '"':
            # RFC 4180 quoting does not allow a space before the opening quote; Salesforce fails the row
            raise RowError(
                "INVALID_FIELD", f"{f.label}: whitespace before an opening quote: {escape(raw)}", (f.name,)
            )
        if len(raw) > limit:
            raise RowError(
                "STRING_TOO_LONG",
                f"{f.label}: data value too large: {escape(raw)} (max length={limit})",
                (f.name,),
            )
        return raw

    return conv


def _email(f: Field) -> Converter:
    base = _text(f)

    def conv(raw: str) -> Any:
        if not _EMAIL.match(raw):
            raise RowError(
                "INVALID_EMAIL_ADDRESS", f"{f.label}: invalid email address: {escape(raw)}", (f.name,)
            )
        return base(raw)

    return conv


def _picklist(f: Field) -> Converter:
    base = _text(f)
    allowed = set(f.picklist)

    def conv(raw: str) -> Any:
        if raw not in allowed:
            raise RowError(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{f.label}: bad value for restricted picklist field: {escape(raw)}",
                (f.name,),
            )
        return raw

    return conv if f.restricted else base


def _number(f: Field) -> Converter:
    # precision counts all digits, scale the ones after the point; the integer part may use the rest.
    max_abs = 10.0 ** (f.precision - f.scale) if f.precision else math.inf

    def conv(raw: str) -> Any:
        try:
            value = float(raw)
        except ValueError:
            raise _bad_type(f, raw) from None
        if not math.isfinite(value) or abs(value) >= max_abs:
            raise _out_of_range(f, raw)
        return value

    return conv


def _out_of_range(f: Field, raw: str) -> RowError:
    return RowError(
        "NUMBER_OUTSIDE_VALID_RANGE",
        f"{f.label}: value outside of valid range on numeric field: {escape(raw)}",
        (f.name,),
    )


def _int(f: Field) -> Converter:
    max_abs = 10 ** (f.digits or 9)

    def conv(raw: str) -> Any:
        if not _INT.match(raw):
            raise _bad_type(f, raw)
        value = int(raw)
        if abs(value) >= max_abs:
            raise _out_of_range(f, raw)
        return value

    return conv


def _boolean(f: Field) -> Converter:
    def conv(raw: str) -> Any:
        value = _BOOL.get(raw.lower())
        if value is None:
            raise _bad_type(f, raw)
        return value

    return conv


def _parsed(f: Field, pattern: re.Pattern[str], build: Callable[[re.Match[str]], str]) -> Converter:
    """A converter of values of ``pattern``'s shape, made by ``build`` (its ValueError: not such a value)."""

    def conv(raw: str) -> Any:
        m = pattern.match(raw)
        try:
            if not m:
                raise ValueError(raw)
            return build(m)
        except ValueError:
            raise _bad_type(f, raw) from None

    return conv


def _date(f: Field) -> Converter:
    return _parsed(f, _DATE, lambda m: date(int(m[1]), int(m[2]), int(m[3])).isoformat())


def _datetime(f: Field) -> Converter:
    return _parsed(f, _DATETIME, _utc_stamp)


def _utc_stamp(m: re.Match[str]) -> str:
    tz = m[8] or "Z"
    tz = "+00:00" if tz == "Z" else tz[:3] + ":" + tz[-2:]
    text = f"{m[1]}-{m[2]}-{m[3]}T{m[4]}:{m[5]}:{m[6] or '00'}.{(m[7] or '0').ljust(3, '0')}{tz}"
    utc = datetime.fromisoformat(text).astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def _reference(f: Field, prefixes: tuple[str, ...]) -> Converter:
    def conv(raw: str) -> Any:
        if not ids.is_valid_id(raw) or raw[:3] not in prefixes:
            raise RowError("MALFORMED_ID", f"{f.label}: id value of incorrect type: {escape(raw)}", (f.name,))
        return ids.normalize(raw)

    return conv


def converter(f: Field, prefixes: tuple[str, ...] = ()) -> Converter:
    """The converter for one field; prefixes are the key prefixes a reference field accepts."""
    kind = f.type
    if kind in ("string", "textarea", "phone", "url"):
        return _text(f)
    if kind == "email":
        return _email(f)
    if kind == "picklist":
        return _picklist(f)
    if kind in ("currency", "double", "percent"):
        return _number(f)
    if kind == "int":
        return _int(f)
    if kind == "boolean":
        return _boolean(f)
    if kind == "date":
        return _date(f)
    if kind == "datetime":
        return _datetime(f)
    if kind in ("reference", "id"):
        return _reference(f, prefixes)
    raise ValueError(f"no converter for type {kind}")


def text_limit(f: Field) -> int | None:
    """The max length when a field's only check is its length (the fast path in compiled converters)."""
    if f.type in ("string", "textarea", "phone", "url") or (f.type == "picklist" and not f.restricted):
        return f.length
    return None


def to_result_text(f: Field, value: Any, raw: str) -> str:
    """What successfulResults shows for a value: Salesforce's stored form for numbers, else the input."""
    if value is NULL or raw == "":
        return raw
    if f.type in ("currency", "double", "percent"):
        return java_double(value)
    return raw
