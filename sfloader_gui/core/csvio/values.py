"""Does a CSV value look right for a Salesforce field type? (pre-flight warnings, not a full validator)

Bulk API 2.0 reads numbers with a dot as decimal separator and no grouping, dates as YYYY-MM-DD,
date-times in ISO 8601, booleans as true/false (also 1/0, yes/no). An empty value clears the field.

API::

    value_problem(sf_type, value, length=0, picklist=()) -> str | None   # "is not a number", ...
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?")
_TIME = re.compile(r"\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z?")
_ID = re.compile(r"[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?")
_BOOLEANS = {"true", "false", "1", "0", "yes", "no", "y", "n"}
_TEXT = {"string", "textarea", "email", "phone", "url", "encryptedstring", "combobox"}


def value_problem(sf_type: str, value: str, length: int = 0, picklist: Sequence[str] = ()) -> str | None:
    """None when ``value`` is plausible for the type, else a short phrase saying what is wrong."""
    if value == "" or value == "#N/A":  # #N/A sets a field to null in Bulk API 2.0
        return None
    t = sf_type.lower()
    if t in ("double", "currency", "percent"):
        return None if _NUMBER.fullmatch(value.strip()) else "is not a number (use 1234.5)"
    if t in ("int", "long"):
        return None if _INTEGER.fullmatch(value.strip()) else "is not a whole number"
    if t == "boolean":
        return None if value.strip().lower() in _BOOLEANS else "is not true or false"
    if t == "date":
        return None if _valid_date(value.strip()) else "is not a date (use YYYY-MM-DD)"
    if t == "datetime":
        ok = _DATETIME.fullmatch(value.strip()) and _valid_date(value.strip()[:10])
        return None if ok else "is not a date and time (use 2024-05-31T14:00:00Z)"
    if t == "time":
        return None if _TIME.fullmatch(value.strip()) else "is not a time (use 14:00:00)"
    if t in ("reference", "id"):
        return None if _ID.fullmatch(value.strip()) else "is not a Salesforce record Id"
    if t == "picklist" and picklist and value not in picklist:
        return "is not one of the field's picklist values"
    if t in _TEXT and length and len(value) > length:
        return f"is longer than the field's {length:,} characters"
    return None


def _valid_date(text: str) -> bool:
    m = _DATE.fullmatch(text)
    if not m:
        return False
    try:
        date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return False
    return True
