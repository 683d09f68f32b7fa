"""One column's value conversion: what its values prove (whole file), the choice made, and the converter.

Every value is classified into a bit set of the readings it allows (date orders, decimal separators);
a column's reading is the one all its values allow, unless the user chose one. Only a few record numbers
per distinct bit set are kept, so memory stays flat however long the file is.

API::

    KINDS: field type -> kind ("date", "datetime", "number", "integer", "checkbox", "picklist")
    kind_of(field_type) -> str | None
    @dataclass class Choices: date_format: str|None; time_zone: str|None; decimal_separator: str|None
    @dataclass class ColumnRule: column, field, kind, choice, inferred  (.to_json())
    class ColumnCheck(column, field, kind, choices, picklist=None)
        .see(value, record) ; .see_many(values, first_record)   # one column of a batch of records
        .proven() -> str | None   # the reading the values prove, if any
        .finish(path, fallback=None) -> tuple[ColumnRule, list[Finding]]
        # fallback: the reading other columns of the file prove, for a column whose values cannot
        # tell (a file is written in one locale); recorded as inferred
    converter(rule, picklist=None) -> Callable[[str], str]   # values the check accepted
    many_converter(rule, picklist=None) -> Callable[[list[str]], list[str]]   # a column of them
"""

from __future__ import annotations

import re
import zoneinfo
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from itertools import repeat
from pathlib import Path
from typing import Any

from sfloader_gui.core.csvio.findings import ERROR, Finding, describe_records
from sfloader_gui.core.mapping import dates, numbers
from sfloader_gui.core.mapping.choices import Picklist, to_checkbox

KINDS = {
    "date": "date",
    "datetime": "datetime",
    "double": "number",
    "currency": "number",
    "percent": "number",
    "int": "integer",
    "long": "integer",
    "boolean": "checkbox",
    "picklist": "picklist",
}
_LISTED = 20
# Distinct values remembered per column (then the memo starts over): dates, checkboxes and picklists
# repeat and hit it; amounts rarely repeat, and a small memo keeps memory flat (15 parts at once).
_MEMO_LIMIT = 1 << 12
# Distinct values (or number shapes) a column's check remembers: one check per column and file, so a
# larger memo is cheap, and dates (a few tens of thousands at most) then never start over.
_CHECK_MEMO_LIMIT = 1 << 15
_SKIP = 1 << 20  # blank and #N/A: nothing to read
# A number's readings depend on its layout, not on which digits it has (1,234.50 reads as 9,999.99
# does), except that zeros matter to whole-number checks (1.000): every nonzero digit reads as 9, so a
# column of a million different amounts is classified once per shape (a few dozen).
_SHAPE = str.maketrans("12345678", "99999999")


def kind_of(field_type: str) -> str | None:
    return KINDS.get(field_type.lower())


@dataclass(frozen=True)
class Choices:
    """What the user chose for the whole load; None means: infer it from each column."""

    date_format: str | None = None  # "MDY" | "DMY" | "YMD"
    time_zone: str | None = None  # IANA name; None: the computer's zone
    decimal_separator: str | None = None  # "." | ","

    def tz(self) -> tzinfo | None:
        return None if self.time_zone is None else zoneinfo.ZoneInfo(self.time_zone)

    def to_json(self) -> dict[str, Any]:
        return {
            "date_format": self.date_format or "auto",
            "time_zone": self.time_zone or "computer",
            "decimal_separator": self.decimal_separator or "auto",
        }


@dataclass(frozen=True)
class ColumnRule:
    """How one column's values are converted: the decision the manifest records."""

    column: str
    field: str
    kind: str
    choice: str | None = None  # "DMY", ",", "x" (checkbox with x and blank), time zone for datetimes
    inferred: bool = True
    time_zone: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"column": self.column, "field": self.field, "kind": self.kind}
        if self.choice is not None:
            out["choice"] = self.choice
            out["inferred"] = self.inferred
        if self.kind == "datetime":
            out["time_zone"] = self.time_zone or "computer"
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ColumnRule:
        tz = data.get("time_zone")
        return cls(
            str(data["column"]), str(data["field"]), str(data["kind"]), data.get("choice"),
            bool(data.get("inferred", True)), None if tz in (None, "computer") else str(tz),
        )  # fmt: skip


class _Tally:
    __slots__ = ("count", "example", "records")

    def __init__(self, example: str) -> None:
        self.count = 0
        self.example = example
        self.records: list[int] = []


class ColumnCheck:
    """Collects what one column's values allow, over the whole file."""

    def __init__(
        self,
        column: str,
        field: str,
        kind: str,
        choices: Choices,
        picklist: Picklist | None = None,
        fixed: ColumnRule | None = None,
    ) -> None:
        self.column, self.field, self.kind, self.choices = column, field, kind, choices
        self.fixed = fixed  # a retry reads the column as the first run did
        self.picklist = picklist
        self.tallies: dict[int, _Tally] = {}
        self.memo: dict[str, int] = {}
        self.bad: dict[str, _Tally] = {}  # picklist/checkbox: value -> where
        self.classify = self._classifier()
        self.x_marks = False
        self.fallback: int | None = None
        self.values = 0
        self.changes = False  # some value is not already in Salesforce's form
        self._pass = dates.ISO if kind in ("date", "datetime") else numbers.PLAIN
        self._shapes = kind in ("number", "integer")

    def _classifier(self) -> Callable[[str], int]:
        if self.kind == "date":
            return dates.classify_date
        if self.kind == "datetime":
            return dates.classify_datetime
        if self.kind == "number":
            return numbers.classify_number
        if self.kind == "integer":
            return lambda v: numbers.classify_number(v, whole=True)
        return lambda v: 0

    def see(self, value: str, record: int) -> None:
        if not value or value == "#N/A":
            return
        self.values += 1
        if self.kind == "checkbox":
            low = value.strip().lower()
            self.x_marks = self.x_marks or low == "x"
            if value not in ("true", "false"):
                self.changes = True
                if to_checkbox(value) is None:
                    self._bad(value, record)
            return
        if self.kind == "picklist":
            assert self.picklist is not None
            if value not in self.picklist.exact:
                self.changes = True
                if self.picklist.convert(value) is None:
                    self._bad(value, record)
            return
        key = value.translate(_SHAPE) if self._shapes else value
        bits = self.memo.get(key)
        if bits is None:
            if len(self.memo) >= _CHECK_MEMO_LIMIT:
                self.memo.clear()
            bits = self.memo[key] = self.classify(key)
            if not bits & self._pass:
                self.changes = True
        tally = self.tallies.get(bits)
        if tally is None:
            tally = self.tallies[bits] = _Tally(value)
        tally.count += 1
        if len(tally.records) < _LISTED:
            tally.records.append(record)

    def see_many(self, values: Sequence[str], first: int) -> None:
        """``see`` for a batch of one column's values (records ``first``...): set and dict work in C."""
        keys = _shapes_of(values) if self._shapes else values
        distinct = set(keys)
        distinct.discard("")
        distinct.discard("#N/A")
        if self.kind in ("checkbox", "picklist"):
            for value in distinct:
                self.see(value, 0)  # once per distinct value; the records of bad ones are found below
            wanted = {v for v in distinct if v in self.bad}
            if wanted:
                for i, v in enumerate(values):
                    if v in wanted:
                        bad = self.bad[v]
                        bad.count += 1
                        if len(bad.records) < _LISTED:
                            bad.records.append(first + i)
                for v in wanted:  # see() counted record 0 for each: take it back
                    self.bad[v].count -= 1
                    if 0 in self.bad[v].records:
                        self.bad[v].records.remove(0)
            return
        memo = self.memo
        missing = distinct.difference(memo)
        if len(memo) + len(missing) > _CHECK_MEMO_LIMIT:
            memo.clear()
            missing = distinct
        classify, passthrough = self.classify, self._pass
        for value in missing:
            bits = memo[value] = classify(value)
            if not bits & passthrough:
                self.changes = True
        memo.setdefault("", _SKIP)
        memo.setdefault("#N/A", _SKIP)
        bits_list = list(map(memo.__getitem__, keys))
        for bits, count in Counter(bits_list).items():
            if bits == _SKIP:
                continue
            tally = self.tallies.get(bits)
            if tally is None:
                example = values[bits_list.index(bits)]
                tally = self.tallies[bits] = _Tally(example)
            tally.count += count
            self.values += count
            if len(tally.records) < _LISTED:
                need = _LISTED - len(tally.records)
                tally.records.extend([first + i for i, b in enumerate(bits_list) if b == bits][:need])

    def _bad(self, value: str, record: int) -> None:
        tally = self.bad.get(value)
        if tally is None:
            if len(self.bad) >= 1000:
                return
            tally = self.bad[value] = _Tally(value)
        tally.count += 1
        if len(tally.records) < _LISTED:
            tally.records.append(record)

    # ---- the decision -----------------------------------------------------------------------------

    def proven(self) -> int | None:
        """The one reading every value allows, when some value rules the other out."""
        if self.kind not in ("date", "datetime", "number", "integer") or self._given() is not None:
            return None
        date_like = self.kind in ("date", "datetime")
        universe = (dates.MDY | dates.DMY) if date_like else (numbers.POINT | numbers.COMMA)
        passthrough = dates.ISO if date_like else 0
        common = universe
        narrowed = False
        for bits in self.tallies:
            if bits & passthrough or bits & (dates.BAD | dates.TWO_DIGIT_YEAR if date_like else numbers.BAD):
                continue
            if bits & universe != universe:
                narrowed = True
            common &= bits
        return common if narrowed and common in (1, 2) else None

    def finish(self, path: Path, fallback: int | None = None) -> tuple[ColumnRule, list[Finding]]:
        self.fallback = fallback
        if self.fixed is not None and self.fixed.choice == "x":
            self.x_marks = True
        if self.kind == "checkbox" and self.x_marks:
            self.changes = True  # blanks become false
        if self.kind in ("checkbox", "picklist"):
            return self._finish_simple(path)
        if self.kind in ("date", "datetime"):
            return self._finish_reading(path, dates.MDY | dates.DMY | dates.YMD, dates.DIFFERS, "date")
        return self._finish_reading(path, numbers.POINT | numbers.COMMA, numbers.DIFFERS, "number")

    def _finish_simple(self, path: Path) -> tuple[ColumnRule, list[Finding]]:
        rule = ColumnRule(self.column, self.field, self.kind, "x" if self.x_marks else None)
        out = []
        for value, tally in self.bad.items():
            if self.kind == "checkbox":
                what = f"{value!r} is not a checkbox value (use true/false, yes/no, y/n, 1/0, or x and blank)"
                code = "bad_value"
            else:
                what = f"{value!r} is not a value of the restricted picklist {self.field}"
                code = "unknown_picklist_value"
            out.append(self._finding(path, code, f"{what}.", tally))
        return rule, out

    def _finish_reading(
        self, path: Path, universe: int, differs: int, noun: str
    ) -> tuple[ColumnRule, list[Finding]]:
        given = self._given()
        passthrough = dates.ISO if noun == "date" else 0
        findings: list[Finding] = []
        # Values Salesforce takes as they are (ISO dates) allow every reading.
        allowed = {bits: (universe if bits & passthrough else bits & universe) for bits in self.tallies}
        inferred = given is None
        choice = given
        if choice is None:
            common = universe
            for bits in allowed.values():
                common &= bits
            choice, inferred = self._pick(common, allowed, universe, differs, noun)
            if choice is None and self.fallback is not None and common & self.fallback:
                choice = self.fallback  # the other columns of the file prove it
        if choice is None:
            findings.append(self._ambiguous(path, noun, allowed, differs))
            return ColumnRule(self.column, self.field, self.kind, None), findings
        for bits, tally in self.tallies.items():
            if not allowed[bits] & choice:
                findings.append(self._finding(path, "bad_value", self._why(bits, tally, choice, noun), tally))
        if noun == "number" and choice == numbers.COMMA:
            self.changes = True  # even 1.500 means one thousand five hundred here
        name = dates.ORDER_NAMES.get(choice) if noun == "date" else numbers.SEPARATOR_NAMES.get(choice)
        tz = self.choices.time_zone if self.fixed is None else self.fixed.time_zone
        rule = ColumnRule(
            self.column, self.field, self.kind, name, inferred if self.fixed is None else self.fixed.inferred,
            tz if self.kind == "datetime" else None,
        )  # fmt: skip
        return rule, findings

    def _given(self) -> int | None:
        if self.fixed is not None and self.fixed.choice is not None:
            if self.kind in ("date", "datetime"):
                return dates.ORDERS.get(self.fixed.choice)
            return numbers.SEPARATORS.get(self.fixed.choice)
        if self.kind in ("date", "datetime"):
            return dates.ORDERS.get(self.choices.date_format or "")
        return numbers.SEPARATORS.get(self.choices.decimal_separator or "")

    def _pick(
        self, common: int, allowed: dict[int, int], universe: int, differs: int, noun: str
    ) -> tuple[int | None, bool]:
        single = [b for b in _bits(universe) if common == b]
        if single:
            return single[0], True
        if common:
            # Several readings fit every value: ambiguous only if some value reads differently in them
            # (03/04/2026, 1,234); a number already in Salesforce's form keeps its meaning (point).
            plain = numbers.PLAIN if noun == "number" else dates.ISO
            if not any(bits & differs and not bits & plain for bits in allowed):
                first = next(b for b in _bits(universe) if common & b)
                return first, True
            return None, True
        # The values disagree (31/12 and 12/31 in one column): the reading most records allow wins,
        # and the others are reported as bad values.
        weight = {b: sum(self.tallies[k].count for k, a in allowed.items() if a & b) for b in _bits(universe)}
        best = max(weight, key=lambda b: weight[b])
        return (best, True) if weight[best] else (next(iter(_bits(universe))), True)

    def _ambiguous(self, path: Path, noun: str, allowed: dict[int, int], differs: int) -> Finding:
        tally = next(t for b, t in self.tallies.items() if b & differs)
        if noun == "date":
            ask = "choose the date format (month/day/year or day/month/year; --date-format MDY or DMY)"
            what = f"all its dates read both ways ({tally.example!r} could be month/day or day/month)"
        else:
            ask = "choose the decimal separator (--decimal-separator . or ,)"
            what = (
                f"its numbers read two ways ({tally.example!r} could use a decimal point or a decimal comma)"
            )
        records = tally.records
        return Finding(
            ERROR, path, f"ambiguous_{noun}",
            f"{path.name}: column {self.column!r} ({self.field}): {what}; {ask}.", records,
        )  # fmt: skip

    def _why(self, bits: int, tally: _Tally, choice: int, noun: str) -> str:
        v = tally.example
        if noun == "date":
            if bits & dates.TWO_DIGIT_YEAR:
                return f"{v!r} has a two-digit year; write the year with four digits."
            if bits & dates.BAD:
                return f"{v!r} is not a {self.kind} Salesforce can take."
            return f"{v!r} is not a valid date read as {dates.ORDER_NAMES.get(choice)}."
        if bits & numbers.BAD:
            return f"{v!r} is not a {'whole number' if self.kind == 'integer' else 'number'}."
        sep = numbers.SEPARATOR_NAMES.get(choice)
        return f"{v!r} does not read with {sep!r} as the decimal separator."

    def _finding(self, path: Path, code: str, what: str, tally: _Tally) -> Finding:
        where = describe_records(tally.records, tally.count)
        message = (
            f"{path.name}: column {self.column!r} ({self.field}), {where}: {what} "
            "Correct the value(s) or leave the column out; nothing was sent."
        )
        return Finding(ERROR, path, code, message, tally.records)


def _shapes_of(values: Sequence[str]) -> Sequence[str]:
    """Each value's digit shape, translated in one go over the joined column (10x a call per value)."""
    shapes = "\x02".join(values).translate(_SHAPE).split("\x02")
    return shapes if len(shapes) == len(values) else list(map(str.translate, values, repeat(_SHAPE)))


def _bits(universe: int) -> list[int]:
    return [b for b in (1, 2, 4) if universe & b]


def converter(rule: ColumnRule, picklist: Picklist | None = None) -> Callable[[str], str]:
    """The function sending one column's values (those the check accepted) in Salesforce's form."""
    if rule.kind == "checkbox":
        x_style = rule.choice == "x"

        def checkbox(v: str) -> str:
            return to_checkbox(v, x_style) or v

        return checkbox
    if rule.kind == "picklist":
        assert picklist is not None
        return lambda v: picklist.convert(v) or v
    if rule.kind in ("date", "datetime"):
        order = dates.ORDERS.get(rule.choice or "", dates.MDY)
        if rule.kind == "date":
            one: Callable[[str], str | None] = lambda v: dates.to_iso_date(v, order)  # noqa: E731
        else:
            tz = None if rule.time_zone is None else zoneinfo.ZoneInfo(rule.time_zone)
            one = lambda v: dates.to_iso_datetime(v, order, tz)  # noqa: E731
    else:
        sep = numbers.SEPARATORS.get(rule.choice or ".", numbers.POINT)
        whole = rule.kind == "integer"
        one = lambda v: numbers.to_plain(v, sep, whole)  # noqa: E731
    memo: dict[str, str] = {}

    def convert(v: str) -> str:
        if not v or v == "#N/A":
            return v
        out = memo.get(v)
        if out is None:
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            out = memo[v] = one(v) or v
        return out

    return convert


# Amounts in the two common grouped forms (1,234,567.00 / 1.234.567,00), or plain, unsigned, no spaces:
# the whole column converts with two replaces (to_plain gives the same for each value).
_BULK_NUMBER = {
    numbers.POINT: (re.compile(r"(?:(?:[0-9]{1,3}(?:,[0-9]{3})++|[0-9]++)(?:\.[0-9]++)?+|#N/A)?+"), ",", ""),
    numbers.COMMA: (re.compile(r"(?:(?:[0-9]{1,3}(?:\.[0-9]{3})++|[0-9]++)(?:,[0-9]++)?+|#N/A)?+"), ".", ""),
}
# Distinct values remembered by one column's converter of repeating kinds (dates, checkboxes, picklists).
_MANY_MEMO_LIMIT = 1 << 14


def many_converter(rule: ColumnRule, picklist: Picklist | None = None) -> Callable[[list[str]], list[str]]:
    """``converter`` for a whole column of a block at once: amounts in a common form with two string
    replaces over the joined column, repeating values (dates, checkboxes, picklists) once per distinct
    value; otherwise value by value."""
    one = converter(rule, picklist)
    if rule.kind == "number":
        sep = numbers.SEPARATORS.get(rule.choice or ".", numbers.POINT)
        rx, group, _ = _BULK_NUMBER[sep]
        line = rx.pattern
        column_rx = re.compile(f"{line}(?:\x02{line})*+")

        def numbers_many(values: list[str]) -> list[str]:
            joined = "\x02".join(values)
            if column_rx.fullmatch(joined):
                joined = joined.replace(group, "")
                if sep == numbers.COMMA:
                    joined = joined.replace(",", ".")
                out = joined.split("\x02")
                if len(out) == len(values):
                    return out
            return list(map(one, values))

        return numbers_many
    if rule.kind not in ("date", "checkbox", "picklist"):
        return lambda values: list(map(one, values))
    memo: dict[str, str] = {}

    def repeating_many(values: list[str]) -> list[str]:
        missing = set(values).difference(memo)
        if len(memo) + len(missing) > _MANY_MEMO_LIMIT:
            memo.clear()
            missing = set(values)
        for v in missing:
            memo[v] = one(v)
        return list(map(memo.__getitem__, values))

    return repeating_many
