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
            should_stop=None, fixed=None, keys_to=None)
        -> tuple[FileTransform, list[Finding], list[PartSpan], int]
        # fixed: source column -> ColumnRule of an earlier run (a retry reads values the same way)
    already_plain(source, mapping, fields, key_field, should_stop=None, keys_to=None) -> list[Finding] | None
        # the fast check for a mapping-only file: every sent value already in Salesforce's form?
        # fields: target API name (lower) -> FieldInfo-like (name, label, type, picklist_values, ...)
        # keys_to: (column, callback): that column's values handed over block by block (a CSV file's
        # case-folded key check rides along instead of reading the file again)

Both read a CSV block by block with one split in C per block (``csvio.records.flat_fields``): a column
is a slice of the block's fields, and the rewrite puts columns back with slice assignments and one join.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Sequence
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass, field
from datetime import date
from itertools import repeat
from pathlib import Path
from typing import Any

from sfloader_gui.core.csvio.casekeys import case_duplicates_in_text
from sfloader_gui.core.csvio.chunks import iter_blocks
from sfloader_gui.core.csvio.cutter import PartSpan
from sfloader_gui.core.csvio.dupes import KeyIndex, clean_keys, key_hashes
from sfloader_gui.core.csvio.findings import ERROR, WARNING, Finding, describe_records
from sfloader_gui.core.csvio.records import (
    DELIM_MARK,
    NL_MARK,
    fast_keys,
    flat_fields,
    neutral_records,
    neutral_text,
    outside_quotes,
    unquote,
    unquote_many,
)
from sfloader_gui.core.mapping.choices import Picklist
from sfloader_gui.core.mapping.columns import (
    Choices,
    ColumnCheck,
    ColumnRule,
    converter,
    kind_of,
    many_converter,
)
from sfloader_gui.core.mapping.model import Mapping
from sfloader_gui.core.mapping.source import CsvSource, RowSource, column_batches

_SCIENTIFIC = re.compile(r"[+-]?\d(?:[.,]\d+)?[Ee][+-]?\d+")
_DIGITS = re.compile(r"\d+")
# Bytes read at a time by each part's rewrite: several parts are rewritten at once, each holding a few
# copies of its block (fields, converted columns, the joined records), so a smaller block keeps the peak
# memory down (1M-row file, 4 parts at once: 512 KiB blocks +34 MiB, 128 KiB +7 MiB, for the same CPU).
_REWRITE_CHUNK = 128 << 10
_NINES = str.maketrans("012345678", "999999999")
_ZERO_SAMPLE = 100_000  # records looked at for lost leading zeros (a warning: a sample is enough)
_ZERO_FAST_SAMPLE = 2_000  # ... in the bytes-only check of files sent as they are (its first block)
_GROWTH = {"date": 10, "datetime": 29, "checkbox": 5}


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
        if isinstance(self.source, CsvSource):
            many = {i: many_converter(self.rules[i], self.picklists.get(i)) for i in self.changes}
            yield from self._rewrite_bytes(span, plan, many)
            return
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

    def _rewrite_bytes(
        self,
        span: PartSpan,
        plan: list[tuple[int, Callable[[str], str] | None]],
        many: dict[int, Callable[[list[str]], list[str]]],
    ) -> Iterator[bytes]:
        """A CSV part rewritten on its bytes: only converted values are decoded; the other fields (quoting
        included) are copied as they are, so no CSV parser runs in Python.

        Block by block: every field from one split in C (``flat_fields``), the kept columns and the
        converted ones put in place with slice assignments, and the records joined again with one join;
        the only work per value is the conversions (per distinct value, or in bulk: ``many_converter``)."""
        assert isinstance(self.source, CsvSource)
        dialect = self.source.dialect
        d, enc, term = dialect.delimiter.encode(), dialect.encoding, self.terminator
        crlf = dialect.line_ending == "CRLF"
        ncols = len(dialect.header)
        nk = len(plan)
        identity = [i for i, _ in plan] == list(range(ncols))
        with self.source.path.open("rb") as fh:
            for block in iter_blocks(fh, span.start, chunk_size=_REWRITE_CHUNK, end=span.end):
                neutral = neutral_text(block.data, d, block.segs)
                if crlf:  # quoted newlines are masked, so \r\n here only ends records
                    neutral = neutral.replace(b"\r\n", b"\n").removesuffix(b"\r")
                flat = flat_fields(neutral, d, ncols)
                if flat is None:  # some record has another number of fields: record by record
                    recs = neutral.split(b"\n")
                    if neutral.endswith(b"\n"):
                        recs.pop()
                    yield from self._rewrite_slow(recs, plan, d, enc, term)
                    continue
                if not flat:
                    continue
                if identity:
                    out = flat
                else:
                    out = [b""] * (len(flat) // ncols * nk)
                    for j, (i, _) in enumerate(plan):
                        out[j::nk] = flat[i::ncols]
                for j, (i, _) in enumerate(plan):
                    if i in many:
                        values = many[i](_decoded(flat[i::ncols], d, enc))
                        out[j::nk] = _encoded(values, dialect.delimiter, enc)
                # Each record's last field carries the newline; the delimiter joined after it goes again.
                out[nk - 1 :: nk] = list(map(bytes.__add__, out[nk - 1 :: nk], repeat(b"\n")))
                body = d.join(out).replace(b"\n" + d, b"\n")
                if term != b"\n":
                    body = body.replace(b"\n", term)
                body = body.replace(DELIM_MARK, d).replace(NL_MARK, b"\n")  # the masked bytes, restored
                yield body if enc == "utf-8" else body.decode(enc).encode("utf-8")

    def _rewrite_slow(
        self, recs: list[bytes], plan: list[tuple[int, Callable[[str], str] | None]], d: bytes, enc: str,
        term: bytes,
    ) -> Iterator[bytes]:  # fmt: skip
        """Record by record (a block whose records do not all have the header's columns)."""
        out = []
        for rec in recs:
            fields = rec.split(d)
            row = []
            for i, conv in plan:
                field_bytes = fields[i] if i < len(fields) else b""
                if conv is not None:
                    value = conv(unquote(field_bytes, d).decode(enc))
                    field_bytes = _csv_field(value, d.decode()).encode(enc)
                row.append(field_bytes)
            out.append(d.join(row))
        body = term.join(out) + term if out else b""
        body = body.replace(DELIM_MARK, d).replace(NL_MARK, b"\n")
        yield body if enc == "utf-8" else body.decode(enc).encode("utf-8")

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
    fixed: AbcMapping[str, ColumnRule] | None = None,
    keys_to: tuple[int, Callable[[list[bytes]], None]] | None = None,
) -> tuple[FileTransform, list[Finding], list[PartSpan], int]:
    """One pass over the whole file: conversions decided, bad values found, parts cut by sent size.
    ``keys_to`` (CSV files): (column, callback) is handed that column's values block by block, in the
    file's encoding, as ``already_plain`` hands them (the case-folded key check rides along)."""
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
        checks[i] = ColumnCheck(cm.column, f.name, kind, choices, pl, (fixed or {}).get(cm.column))
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
    dupes: dict[str, list[int]] = {}
    blanks: list[int] = []
    row_keys = _RowKeys(source, key_pos) if isinstance(source, RowSource) and key_pos is not None else None
    zeros = _ZeroWatch(zero_cols)
    check_items = list(checks.items())
    by_rows = not source.by_bytes
    last_end = 0
    grow = sum(most for _, most in growth)  # bytes a record may grow by at most (conversions)
    ncols = len(mapping.columns)
    fast = isinstance(source, CsvSource)
    needed = {i for i, _ in check_items} | ({key_pos} if key_pos is not None else set())
    if keys_to is not None and isinstance(source, CsvSource):
        needed.add(keys_to[0])
    else:
        keys_to = None
    batches: Iterator[Any] = (
        column_batches(source, lambda n: needed | set(zero_cols) if n < _ZERO_SAMPLE else needed)
        if isinstance(source, CsvSource)
        else source.batches()
    )
    for batch in batches:
        if should_stop is not None and should_stop():
            findings.append(Finding(ERROR, path, "cancelled", f"{path.name} was not checked (cancelled)."))
            break
        first = record + 1
        if fast:
            count = batch.count
            empty: tuple[str, ...] = ()
            columns: list[tuple[str, ...]] = [batch.columns.get(i, empty) for i in range(ncols)]
        else:
            rows = batch.rows
            count = len(rows)
            # Column by column: the per-value work is set and dict operations in C (ColumnCheck.see_many).
            padded = (r if len(r) >= ncols else r + [""] * (ncols - len(r)) for r in rows)
            columns = list(zip(*padded, strict=False))
        for i, check in check_items:
            if i < len(columns) and columns[i]:
                check.see_many(columns[i], first)
        if keys_to is not None and columns[keys_to[0]]:
            assert isinstance(source, CsvSource)
            keys_to[1]("\x02".join(columns[keys_to[0]]).encode(source.dialect.encoding).split(b"\x02"))
        if key_pos is not None and key_pos < len(columns):
            keycol = columns[key_pos]
            # A digit, then E: else no key of the batch can be in scientific notation.
            if "9E" in (shape := "\x02".join(keycol).translate(_NINES)) or "9e" in shape:
                for n, key in enumerate(keycol):
                    if ("E" in key or "e" in key) and _SCIENTIFIC.fullmatch(key.strip()):
                        sci.setdefault(key, []).append(first + n)
            if row_keys is not None:
                row_keys.add(keycol, first)
        if zero_cols and record < _ZERO_SAMPLE:
            zeros.see_many(columns, first)
        record += count
        last_end = batch.end
        if part_start is None:
            part_start = batch.start
        total = (batch.end - batch.start if fast else sum(batch.sizes)) + grow * count
        if part_bytes + total <= body_limit:  # the whole batch fits in the part (the usual case)
            part_bytes += total
            part_records += count
            continue
        offset = batch.start
        sizes_of = batch.sizes  # (computed on demand for a CSV block)
        for n, size in enumerate(sizes_of):
            size += grow
            if part_records and part_bytes + size > body_limit:
                parts.append(PartSpan(len(parts) + 1, part_start, offset, part_records, first_record))
                sizes[len(parts)] = len(header) + part_bytes
                part_start, part_bytes, part_records, first_record = offset, 0, 0, first + n
            part_bytes += size
            part_records += 1
            offset += 1 if by_rows else sizes_of[n]
    if part_records and part_start is not None:
        end = last_end
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
    key_info = fields.get(key_field.lower())
    spellings: dict[str, list[int]] = {}
    if row_keys is not None:
        dupes, spellings = row_keys.repeats()
        blanks = row_keys.blanks
    findings.extend(_key_findings(path, mapping, key_pos, sci, dupes, blanks))
    if row_keys is not None and not dupes and key_info is not None and _folds_case(key_info):
        # Keys that differ only in letter case are one record for such a key (a CSV file's are checked on
        # its bytes by pre-flight). As for a CSV file, exact repeats are reported alone first, so that
        # one key is not named by two findings.
        findings.extend(case_duplicates_in_text(path, spellings, key_info.name, 20))
    findings.extend(zeros.findings(path, mapping))
    transform = FileTransform(mapping, rules, source, terminator, choices, picklists, [], sizes, changes)
    return transform, findings, parts, record


def _decoded(raw: list[bytes], d: bytes, enc: str) -> list[str]:
    """The text of one column's raw fields (quotes and masked bytes undone), decoded in one go."""
    joined = b"\x02".join(raw)
    if b'"' in joined or b"\x00" in joined or b"\x01" in joined or b"\r" in joined:
        raw = unquote_many(raw, d)
        joined = b"\x02".join(raw)
    values = joined.decode(enc).split("\x02")
    return values if len(values) == len(raw) else [v.decode(enc) for v in raw]


def _encoded(values: list[str], delimiter: str, enc: str) -> list[bytes]:
    """Converted values as CSV fields in the file's encoding (quoted only when they must be), their
    delimiters and newlines masked as the copied fields' are (the caller restores them)."""
    joined = "\x02".join(values)
    if any(ch in joined for ch in (delimiter, '"', "\n", "\r")) or "\x02" in "".join(values):
        d = delimiter.encode(enc)
        return [
            _csv_field(v, delimiter).encode(enc).replace(d, DELIM_MARK).replace(b"\n", NL_MARK)
            for v in values
        ]
    return joined.encode(enc).split(b"\x02")


def _csv_field(value: str, delimiter: str) -> str:
    if any(ch in value for ch in (delimiter, '"', "\n", "\r")):
        return '"' + value.replace('"', '""') + '"'
    return value


def _folds_case(f: Any) -> bool:
    """As ``preflight.folds_case``: a unique key that treats ABC and abc as the same value."""
    return bool(getattr(f, "unique", False)) and not getattr(f, "case_sensitive", True)


class _RowKeys:
    """A rows source's External IDs over the whole read, in flat memory: 4-byte hashes of the keys and of
    their case-folded form (``dupes.KeyIndex``, which reads the keys again only if they are not in order);
    the repeated ones are then located by a second read of the keys (a workbook's rows come from their
    temp CSV file: a quick read)."""

    def __init__(self, source: RowSource, key_pos: int) -> None:
        self.source, self.key_pos = source, key_pos
        self.exact = KeyIndex(lambda n: self._reread(n, fold=False))
        self.folded = KeyIndex(lambda n: self._reread(n, fold=True))
        self.blanks: list[int] = []

    def _keys(self, rows: list[list[str]]) -> list[bytes]:
        k = self.key_pos
        return [(r[k] if k < len(r) else "").encode("utf-8") for r in rows]

    def _reread(self, n: int, fold: bool) -> Iterator[list[bytes]]:
        for batch in self.source.batches(0, n, sizes=False):
            keys = self._keys(batch.rows)
            yield list(map(bytes.lower, keys)) if fold else keys

    def add(self, keycol: Sequence[str], first: int) -> None:
        keys = [k.encode("utf-8") for k in keycol]
        self.exact.add(keys)
        self.folded.add(list(map(bytes.lower, keys)))
        if not all(map(str.strip, keycol)):
            self.blanks.extend(first + n for n, k in enumerate(keycol) if not k.strip())

    def repeats(self) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
        """(key -> records of keys repeated exactly, key -> records of keys whose folded form repeats)."""
        exact, folded = self.exact.repeated(), self.folded.repeated()
        if not exact.values and not folded.values:
            return {}, {}
        dupes: dict[str, list[int]] = {}
        spellings: dict[str, list[int]] = {}
        record = 1
        for batch in self.source.batches(sizes=False):
            keys = self._keys(batch.rows)
            lows = list(map(bytes.lower, keys))
            for n, (key, h, low) in enumerate(zip(keys, key_hashes(keys), key_hashes(lows), strict=True)):
                if (h in exact.hashes or low in folded.hashes) and key.strip():
                    text = key.decode("utf-8")
                    if h in exact.hashes:
                        dupes.setdefault(text, []).append(record + n)
                    if low in folded.hashes:
                        spellings.setdefault(text, []).append(record + n)
            record += len(batch.rows)
        # (hash collisions: a "repeat" seen once) named in the order their repeat comes, as read
        repeated = sorted(((k, v) for k, v in dupes.items() if len(v) > 1), key=lambda kv: kv[1][1])
        return dict(repeated), spellings


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
    out: list[Finding] = []

    def error(code: str, records: list[int], says: Callable[[str], str]) -> None:
        """A finding on ``records``: ``says(where)`` follows the file's name, ``where`` names the records."""
        where = describe_records(records[:20], len(records))
        out.append(Finding(ERROR, path, code, f"{path.name}: {says(where)}", records[:20]))

    if sci:
        records, examples = _records_and_examples(sci)
        error("scientific_external_id", records, lambda where: (
            f"column {column!r} (the External ID), {where}: {examples} is a number Excel turned into "
            "scientific notation; the real key is lost, and an upsert would create new records instead of "
            "updating. Format the column as Text in Excel and export again."
        ))  # fmt: skip
    if blanks:
        error("blank_external_id", blanks, lambda where: (
            f"{where} have no External ID in column {column!r}; every row needs one to be matched."
        ))  # fmt: skip
    if dupes:
        records, examples = _records_and_examples(dupes)
        error("duplicate_external_id", records, lambda where: (
            f"{where} repeat External IDs in column {column!r} (e.g. {examples}); Salesforce fails every row "
            "of a repeated key."
        ))  # fmt: skip
    return out


def _records_and_examples(found: dict[str, list[int]]) -> tuple[list[int], str]:
    """The records of the values found, in order, and the first three values quoted."""
    return sorted(n for ns in found.values() for n in ns), ", ".join(repr(v) for v in list(found)[:3])


class _ZeroWatch:
    """Codes and postal codes whose leading zeros Excel dropped: digits-only values of mixed lengths."""

    def __init__(self, columns: list[int]) -> None:
        self.columns = columns
        self.lengths: dict[int, dict[int, list[tuple[int, str]]]] = {i: {} for i in columns}
        self.other: dict[int, int] = dict.fromkeys(columns, 0)

    def see_many(self, columns: list[tuple[str, ...]], first: int) -> None:
        for i in self.columns:
            if i >= len(columns) or self.other[i] or not columns[i]:
                continue  # a column with any other value is not a code column
            values = columns[i]
            if not all(map(str.isdigit, filter(None, values))):
                self.other[i] += 1
                continue
            for length in set(map(len, filter(None, values))):
                seen = self.lengths[i].setdefault(length, [])
                if len(seen) < 4:
                    found = [(first + n, v) for n, v in enumerate(values) if len(v) == length]
                    seen.extend(found[: 4 - len(seen)])

    def findings(self, path: Path, mapping: Mapping) -> list[Finding]:
        out = []
        for i, by_len in self.lengths.items():
            if len(by_len) < 2 or self.other[i]:
                continue
            longest = max(by_len)
            if longest < 4:
                continue
            short = [(r, v) for ln, vs in sorted(by_len.items()) if ln < longest for r, v in vs][:3]
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


def _lines(value: bytes) -> re.Pattern[bytes]:
    """Every line of a column's joined values is ``value`` (or empty); possessive: no backtracking."""
    one = b"(?:" + value + b"|#N/A)?+"
    return re.compile(one + b"(?:\n" + one + b")*+")


_PLAIN_LINES = {
    "number": _lines(rb"-?[0-9]++(?:\.[0-9]++)?+"),
    "integer": _lines(rb"-?[0-9]++"),
    "date": _lines(rb"[0-9]{4}-[0-9]{2}-[0-9]{2}"),
    "checkbox": _lines(rb"true|false"),
}
_SCIENTIFIC_BYTES = re.compile(rb"(?m)^[+-]?\d(?:[.,]\d+)?[Ee][+-]?\d+$")


def already_plain(
    source: CsvSource, mapping: Mapping, fields: AbcMapping[str, Any], key_field: str,
    should_stop: Callable[[], bool] | None = None,
    keys_to: tuple[int, Callable[[list[bytes]], None]] | None = None,
) -> list[Finding] | None:  # fmt: skip
    """True when every value the mapping sends is already in Salesforce's form, checked over the whole
    file with bytes operations only (no CSV parsing in Python): the file can then go byte for byte under
    its new header. None as soon as anything needs a closer look (quoted values, other formats); else
    the warnings about codes that lost their leading zeros.

    ``keys_to``: (column, callback) is handed that column's values block by block, as ``dupes.iter_keys``
    reads them (the case-folded duplicate check rides along instead of reading the file again)."""
    d = source.dialect
    if d.encoding != "utf-8" or d.line_ending != "LF" or not mapping.renames_only:
        return None
    kinds: dict[int, tuple[str, Any]] = {}
    key_pos = None
    for i, cm in enumerate(mapping.columns):
        f = fields.get((cm.target or "").lower())
        if cm.target is not None and cm.target.lower() == key_field.lower():
            key_pos = i
        kind = None if f is None else kind_of(f.type)
        if kind is not None and f is not None:
            if kind == "datetime":
                return None  # an offset-less datetime needs the time zone: leave it to the full check
            kinds[i] = (kind, frozenset(v.encode() for v in f.picklist_values))
    zero_cols = [
        i for i, cm in enumerate(mapping.columns)
        if (f := fields.get((cm.target or "").lower())) is not None and f.type == "string" and i != key_pos
    ]  # fmt: skip
    zeros = _ZeroWatch(zero_cols)
    record = 0
    delim, ncols = d.delimiter.encode(), len(d.header)
    with source.path.open("rb") as fh:
        for block in iter_blocks(fh, d.data_offset):
            if should_stop is not None and should_stop():
                return None
            # Quoted values cut down to one '"' (a checked column holding one needs the full check); every
            # field of the block from one split in C, a column a slice of it: no work per record in Python.
            flat = flat_fields(outside_quotes(block.data, block.segs), delim, ncols, exact=False)
            if flat is None or not block.complete:
                return None
            count = len(flat) // ncols
            if keys_to is not None:
                col, feed = keys_to
                values = flat[col::ncols]
                if b'"' in b"\n".join(values):  # quoted: their text, as iter_keys unquotes it
                    recs, _ = neutral_records(block.data, delim)
                    values = clean_keys(fast_keys(recs, col, ncols, delim), delim)
                feed(values)
            if zero_cols and record < _ZERO_FAST_SAMPLE:
                columns: list[tuple[str, ...]] = [()] * ncols
                for i in zero_cols:
                    raw_col = flat[i::ncols]
                    if not any(b'"' in v for v in raw_col):
                        columns[i] = tuple(v.decode("utf-8", "replace") for v in raw_col)
                zeros.see_many(columns, record + 1)
            record += count
            if key_pos is not None:
                keys = b"\n".join(flat[key_pos::ncols])
                if b'"' in keys:  # quoted keys: their text, from the records with quoted bytes masked
                    recs, _ = neutral_records(block.data, delim)
                    keys = b"\n".join(fast_keys(recs, key_pos, ncols, delim))
                if (b"E" in keys or b"e" in keys) and _SCIENTIFIC_BYTES.search(keys.replace(b'"', b"")):
                    return None
            for i, (kind, allowed) in kinds.items():
                raw = flat[i::ncols]
                joined = b"\n".join(raw)
                if b'"' in joined:
                    return None
                if kind == "picklist":
                    if not set(raw) <= allowed | {b"", b"#N/A"}:
                        return None
                elif not _PLAIN_LINES[kind].fullmatch(joined) or (
                    kind == "date" and not all(map(_real_date, set(raw)))
                ):
                    return None
    return zeros.findings(source.path, mapping)


def _real_date(value: bytes) -> bool:
    if not value or value == b"#N/A":
        return True
    try:
        date.fromisoformat(value.decode())
    except ValueError:
        return False
    return True
