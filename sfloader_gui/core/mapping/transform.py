"""A file as it is sent: mapped header, ignored columns cut, values converted, UTF-8; the whole file checked.

``analyze`` reads every record once: each converted column learns what its values allow and reports
values that cannot be sent; Excel damage (an External ID in scientific notation, codes that lost their
leading zeros) is looked for; parts are cut so that what is *sent* (not the source) stays within the
part size. ``FileTransform.iter_part`` then streams one part: nothing is written to disk.

API::

    @dataclass class FileTransform:
        mapping: Mapping; rules: dict[int, ColumnRule]  (source position -> rule)
        source: CsvSource | RowSource; terminator: bytes; notes: list[str]
        sent_sizes: dict[int, int]       # part index -> bytes sent at most
        .header_bytes -> bytes ; .mode -> "raw" | "recode" | "rewrite"
        .iter_part(span) -> Iterator[bytes] ; .part_size(span) -> int ; .to_json() -> dict
    analyze(path, source, mapping, fields, choices, key_field, part_limit, terminator,
            should_stop=None) -> tuple[FileTransform, list[Finding], list[PartSpan], int]
        # fields: target API name (lower) -> FieldInfo-like (name, label, type, picklist_values, ...)
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sfloader_gui.core.csvio.cutter import PartSpan
from sfloader_gui.core.csvio.findings import ERROR, WARNING, Finding, describe_records
from sfloader_gui.core.mapping.choices import Picklist
from sfloader_gui.core.mapping.columns import Choices, ColumnCheck, ColumnRule, converter, kind_of
from sfloader_gui.core.mapping.model import Mapping
from sfloader_gui.core.mapping.source import CsvSource, RowSource

_SCIENTIFIC = re.compile(r"[+-]?\d(?:[.,]\d+)?[Ee][+-]?\d+")
_DIGITS = re.compile(r"\d+")
_ZERO_SAMPLE = 100_000  # records looked at for lost leading zeros (a warning: a sample is enough)
_GROWTH = {"date": 10, "datetime": 29, "checkbox": 5}


class TargetField(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def picklist_values(self) -> tuple[str, ...] | list[str]: ...


@dataclass
class FileTransform:
    mapping: Mapping
    rules: dict[int, ColumnRule]
    source: CsvSource | RowSource
    terminator: bytes
    choices: Choices
    picklists: dict[int, Picklist] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    sent_sizes: dict[int, int] = field(default_factory=dict)
    changes: set[int] = field(default_factory=set)  # source positions whose values are rewritten

    @property
    def delimiter(self) -> str:
        """What is sent uses the file's own delimiter (the job says so); rows sources send commas."""
        return self.source.dialect.delimiter if isinstance(self.source, CsvSource) else ","

    @property
    def header_bytes(self) -> bytes:
        buf = io.StringIO()
        csv.writer(buf, delimiter=self.delimiter, lineterminator="").writerow(self.mapping.sent_header)
        return buf.getvalue().encode("utf-8") + self.terminator

    @property
    def mode(self) -> str:
        if isinstance(self.source, RowSource) or not self.mapping.renames_only or self.changes:
            return "rewrite"
        return "raw" if self.source.dialect.encoding == "utf-8" else "recode"

    def part_size(self, span: PartSpan) -> int:
        return self.sent_sizes.get(span.index) or len(self.header_bytes) + span.size

    def iter_part(self, span: PartSpan) -> Iterator[bytes]:
        yield self.header_bytes
        mode = self.mode
        if mode != "rewrite":
            assert isinstance(self.source, CsvSource)
            enc = self.source.dialect.encoding
            with self.source.path.open("rb") as fh:
                fh.seek(span.start)
                left = span.end - span.start
                while left > 0:
                    data = fh.read(min(256 << 10, left))
                    if not data:
                        raise OSError(f"{self.source.path.name} changed after it was checked.")
                    left -= len(data)
                    # cp1252/latin-1 are one byte per character: any cut is a character boundary
                    yield data if mode == "raw" else data.decode(enc).encode("utf-8")
            return
        kept = self.mapping.kept
        convs: list[Callable[[str], str] | None] = [
            converter(self.rules[i], self.picklists.get(i)) if i in self.changes else None for i in kept
        ]
        plan = list(zip(kept, convs, strict=True))
        term = self.terminator.decode()
        for batch in self.source.batches(span.start, span.end, sizes=False):
            buf = io.StringIO()
            writer = csv.writer(buf, delimiter=self.delimiter, lineterminator=term)
            if all(c is None for c in convs) and len(kept) == len(self.mapping.columns):
                writer.writerows(batch.rows)
            else:
                writer.writerows(
                    [
                        [(row[i] if c is None else c(row[i])) if i < len(row) else "" for i, c in plan]
                        for row in batch.rows
                    ]
                )
            yield buf.getvalue().encode("utf-8")

    def to_json(self) -> dict[str, Any]:
        return {
            "mapping": self.mapping.to_json(),
            "sent_header": self.mapping.sent_header,
            "ignored_columns": self.mapping.ignored,
            "conversions": [r.to_json() for r in self.rules.values()],
            "choices": self.choices.to_json(),
            "notes": self.notes,
        }


def analyze(
    path: Path,
    source: CsvSource | RowSource,
    mapping: Mapping,
    fields: AbcMapping[str, Any],
    choices: Choices,
    key_field: str,
    part_limit: int,
    terminator: bytes,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[FileTransform, list[Finding], list[PartSpan], int]:
    """One pass over the whole file: conversions decided, bad values found, parts cut by sent size."""
    checks: dict[int, ColumnCheck] = {}
    picklists: dict[int, Picklist] = {}
    growth: list[tuple[int, int]] = []  # (position, bytes a converted value may take)
    key_pos: int | None = None
    zero_cols: list[int] = []
    for i, cm in enumerate(mapping.columns):
        if not cm.sent or cm.target is None:
            continue
        if cm.target.lower() == key_field.lower():
            key_pos = i
        f = fields.get(cm.target.lower())
        if f is None:
            continue
        if f.type in ("string",) and i != key_pos:
            zero_cols.append(i)
        kind = kind_of(f.type)
        if kind is None:
            continue
        pl = None
        if kind == "picklist":
            pl = Picklist(
                list(f.picklist_values), list(getattr(f, "picklist_labels", ()) or ()),
                bool(getattr(f, "restricted_picklist", False)),
            )  # fmt: skip
            picklists[i] = pl
            longest = max((len(v.encode()) for v in f.picklist_values), default=0)
            growth.append((i, longest))
        elif kind in _GROWTH:
            growth.append((i, _GROWTH[kind]))
        checks[i] = ColumnCheck(cm.column, f.name, kind, choices, pl)
    findings: list[Finding] = []
    header = FileTransform(mapping, {}, source, terminator, choices).header_bytes
    body_limit = max(1, part_limit - len(header))
    parts: list[PartSpan] = []
    sizes: dict[int, int] = {}
    part_start: int | None = None
    part_bytes = 0
    part_records = 0
    first_record = 1
    record = 0
    sci: dict[str, list[int]] = {}
    keys: dict[str, int] = {}
    dupes: dict[str, list[int]] = {}
    blanks: list[int] = []
    zeros = _ZeroWatch(zero_cols)
    check_items = list(checks.items())
    by_rows = not source.by_bytes
    for batch in source.batches():
        if should_stop is not None and should_stop():
            findings.append(Finding(ERROR, path, "cancelled", f"{path.name} was not checked (cancelled)."))
            break
        offset = batch.start
        for n, row in enumerate(batch.rows):
            record += 1
            if part_start is None:
                part_start = offset
            for i, check in check_items:
                if i < len(row):
                    check.see(row[i], record)
            size = batch.sizes[n]
            for i, most in growth:
                if i < len(row) and most > len(row[i]):
                    size += most - len(row[i])
            if key_pos is not None and key_pos < len(row):
                key = row[key_pos]
                if _SCIENTIFIC.fullmatch(key.strip()):
                    sci.setdefault(key, []).append(record)
                if by_rows:
                    _track_key(key, record, keys, dupes, blanks)
            if record <= _ZERO_SAMPLE and zero_cols:
                zeros.see(row, record)
            if part_records and part_bytes + size > body_limit:
                parts.append(PartSpan(len(parts) + 1, part_start, offset, part_records, first_record))
                sizes[len(parts)] = len(header) + part_bytes
                part_start, part_bytes, part_records, first_record = offset, 0, 0, record
            part_bytes += size
            part_records += 1
            offset += 1 if by_rows else batch.sizes[n]
    if part_records and part_start is not None:
        end = part_start + part_records if by_rows else offset
        parts.append(PartSpan(len(parts) + 1, part_start, end, part_records, first_record))
        sizes[len(parts)] = len(header) + part_bytes
    rules: dict[int, ColumnRule] = {}
    changes: set[int] = set()
    proven: dict[bool, set[int]] = {True: set(), False: set()}
    for check in checks.values():
        order = check.proven()
        if order is not None:
            proven[check.kind in ("date", "datetime")].add(order)
    for i, check in checks.items():
        same = proven[check.kind in ("date", "datetime")]
        rule, found = check.finish(path, next(iter(same)) if len(same) == 1 else None)
        rules[i] = rule
        findings.extend(found)
        if check.changes:
            changes.add(i)
    findings.extend(_key_findings(path, mapping, key_pos, sci, dupes, blanks))
    findings.extend(zeros.findings(path, mapping))
    transform = FileTransform(mapping, rules, source, terminator, choices, picklists, [], sizes, changes)
    return transform, findings, parts, record


def _track_key(
    key: str, record: int, keys: dict[str, int], dupes: dict[str, list[int]], blanks: list[int]
) -> None:
    if not key.strip():
        blanks.append(record)
        return
    first = keys.get(key)
    if first is None:
        keys[key] = record
    else:
        dupes.setdefault(key, [first]).append(record)


def _key_findings(
    path: Path,
    mapping: Mapping,
    key_pos: int | None,
    sci: dict[str, list[int]],
    dupes: dict[str, list[int]],
    blanks: list[int],
) -> list[Finding]:
    if key_pos is None:
        return []
    column = mapping.columns[key_pos].column
    out = []
    if sci:
        records = sorted(n for ns in sci.values() for n in ns)
        examples = ", ".join(repr(v) for v in list(sci)[:3])
        out.append(
            Finding(
                ERROR, path, "scientific_external_id",
                f"{path.name}: column {column!r} (the External ID), "
                f"{describe_records(records[:20], len(records))}: "
                f"{examples} is a number Excel turned into scientific notation; the real key is lost, and an "
                "upsert would create new records instead of updating. Format the column as Text in Excel "
                "and export again.",
                records[:20],
            )
        )  # fmt: skip
    if blanks:
        out.append(
            Finding(
                ERROR, path, "blank_external_id",
                f"{path.name}: {describe_records(blanks[:20], len(blanks))} have no External ID in column "
                f"{column!r}; every row needs one to be matched.", blanks[:20],
            )
        )  # fmt: skip
    if dupes:
        records = sorted(n for ns in dupes.values() for n in ns)
        examples = ", ".join(repr(v) for v in list(dupes)[:3])
        out.append(
            Finding(
                ERROR, path, "duplicate_external_id",
                f"{path.name}: {describe_records(records[:20], len(records))} repeat External IDs in column "
                f"{column!r} (e.g. {examples}); Salesforce fails every row of a repeated key.", records[:20],
            )
        )  # fmt: skip
    return out


class _ZeroWatch:
    """Codes and postal codes whose leading zeros Excel dropped: digits-only values of mixed lengths."""

    def __init__(self, columns: list[int]) -> None:
        self.columns = columns
        self.lengths: dict[int, dict[int, list[tuple[int, str]]]] = {i: {} for i in columns}
        self.other: dict[int, int] = dict.fromkeys(columns, 0)

    def see(self, row: list[str], record: int) -> None:
        for i in self.columns:
            if i >= len(row) or not row[i]:
                continue
            v = row[i]
            if _DIGITS.fullmatch(v):
                seen = self.lengths[i].setdefault(len(v), [])
                if len(seen) < 3:
                    seen.append((record, v))
                elif len(seen) == 3:
                    seen.append((0, ""))  # a count marker: more than three
            else:
                self.other[i] += 1

    def findings(self, path: Path, mapping: Mapping) -> list[Finding]:
        out = []
        for i, by_len in self.lengths.items():
            if len(by_len) < 2 or self.other[i]:
                continue
            longest = max(by_len)
            if sum(1 for n in by_len.values() if n) < 2 or longest < 4:
                continue
            short = [(r, v) for ln, vs in sorted(by_len.items()) if ln < longest for r, v in vs if r][:3]
            if not short or short[0][1].startswith("0"):
                continue
            column = mapping.columns[i].column
            examples = ", ".join(f"{v!r} (record {r:,})" for r, v in short)
            out.append(
                Finding(
                    WARNING, path, "leading_zeros_lost",
                    f"{path.name}: column {column!r} holds codes of {longest} digits and shorter ones "
                    f"({examples}): a spreadsheet may have dropped their leading zeros. Check them, or "
                    "format the column as Text and export again.", [r for r, _ in short],
                )
            )  # fmt: skip
        return out
