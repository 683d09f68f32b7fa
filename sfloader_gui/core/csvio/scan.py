"""One streaming pass over a CSV body: count records, cut parts at record boundaries, find bad input.

The pass reads blocks of whole records (quote parity, ``chunks.py``) and proves each block good with
C-speed bytes operations (``records.py``): quotes only open/close fields, every record has one value
per column, no record is longer than a field may be, line endings match, the block is UTF-8. A block
that fails a check is parsed record by record to say exactly which records are wrong. External IDs
are hashed into a bounded ``KeyIndex``; a second, targeted pass runs only when a value repeats.

API::

    @dataclass(frozen=True)
    class PartSpan:
        index: int         # 1-based
        start: int         # byte offset in the file of the part's first record
        end: int           # byte offset just past its last record (exclusive)
        records: int
        first_record: int  # 1-based record number (header excluded) of its first record

    @dataclass
    class ScanResult:
        records: int
        parts: list[PartSpan]
        findings: list[Finding]
        key_column: int | None      # index of the External ID column in the header
        key_index: KeyIndex | None  # hashes of the keys (for cross-file duplicate checks)

    scan_file(path, dialect, external_id_field, max_part_bytes, *, on_read=None,
              chunk_size=DEFAULT_CHUNK, max_listed=MAX_LISTED) -> ScanResult
        # on_read(bytes) sees every byte of the file in order (plan.py feeds sha256 with it)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

from sfloader_gui.core.csvio.chunks import DEFAULT_CHUNK, Block, iter_blocks
from sfloader_gui.core.csvio.cutter import PartCutter, PartSpan
from sfloader_gui.core.csvio.dialect import CsvDialect
from sfloader_gui.core.csvio.dupes import KeyIndex, locate_keys
from sfloader_gui.core.csvio.encoding import not_utf8_error
from sfloader_gui.core.csvio.findings import ERROR, MAX_LISTED, Finding, describe_records
from sfloader_gui.core.csvio.header import check_header
from sfloader_gui.core.csvio.problems import FIELD_LIMIT, Problems
from sfloader_gui.core.csvio.records import (
    NL_MARK,
    fast_keys,
    neutral_records,
    parse_record,
    quotes_well_placed,
    unquote,
)

__all__ = ["PartSpan", "ScanResult", "scan_file"]
STOP_AFTER = 10_000  # problem records after which the detailed check gives up (the file is blocked)


@dataclass
class ScanResult:
    records: int
    parts: list[PartSpan]
    findings: list[Finding]
    key_column: int | None = None
    key_index: KeyIndex | None = field(default=None, repr=False, compare=False)


def scan_file(
    path: Path | str,
    dialect: CsvDialect,
    external_id_field: str,
    max_part_bytes: int,
    *,
    on_read: Callable[[bytes], None] | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    max_listed: int = MAX_LISTED,
) -> ScanResult:
    """Check and cut ``path`` in one pass; problems come back as findings, never as exceptions."""
    path = Path(path)
    findings, key_col = check_header(path, dialect, external_id_field)
    scanner = _Scanner(path, dialect, key_col, max_part_bytes, max_listed)
    with path.open("rb") as fh:
        if on_read is not None:
            on_read(fh.read(dialect.data_offset))
        for block in iter_blocks(fh, dialect.data_offset, chunk_size, on_read=on_read):
            if not scanner.feed(block):
                break
        if on_read is not None:  # the rest of the file after an early stop still counts for sha256
            while rest := fh.read(chunk_size):
                on_read(rest)
    findings += scanner.finish(external_id_field)
    if scanner.records == 0 and not any(f.severity == ERROR for f in findings):
        findings.append(
            Finding(
                ERROR,
                path,
                "header_only",
                f"{path.name} has a header row but no data rows, so there is nothing to load. "
                "Add data rows or choose another file.",
            )
        )
    return ScanResult(scanner.records, scanner.cutter.parts, findings, key_col, scanner.keys)


class _Scanner:
    """State of one pass: counters, the part cutter, problem tallies and key hashes."""

    def __init__(
        self, path: Path, dialect: CsvDialect, key_col: int | None, max_part_bytes: int, max_listed: int
    ) -> None:
        self.path, self.dialect, self.key_col = path, dialect, key_col
        self.d = dialect.delimiter.encode()
        self.crlf = dialect.line_ending == "CRLF"
        self.ncols = len(dialect.header)
        self.records = 0
        self.line = dialect.header_bytes.count(b"\n") + 1  # physical line of the next record
        self.problems = Problems(max_listed)
        self.max_listed = max_listed
        self.extra: list[Finding] = []
        self.keys = KeyIndex() if key_col is not None else None
        self.blank = 0
        self.cutter = PartCutter(dialect.data_offset, len(dialect.header_bytes), max_part_bytes)

    def feed(self, block: Block) -> bool:
        """Check one block; False stops the pass (the rest cannot be read reliably)."""
        data = block.data
        if not block.complete:
            code = "unterminated_quote" if data.count(b'"') % 2 else "record_too_long"
            self.problems.add(code, self.records + 1, self.line)
            return False
        if b"\x00" in data:
            at = data.index(b"\x00")
            self.problems.add("nul_bytes", self.records + 1, self.line + data.count(b"\n", 0, at))
            return False
        if not data.isascii():
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as exc:
                line = self.line + data.count(b"\n", 0, exc.start)
                err = not_utf8_error(self.path, data[exc.start : exc.start + 4096], line=line)
                self.extra.append(Finding(ERROR, self.path, "encoding", err.message))
                return False
        recs, segs = neutral_records(data, self.d)
        lengths = list(map(len, recs))
        keys = self._fast(data, recs, segs)
        if keys is None:
            keys = self._slow(data, recs)
        self._keys(data, lengths, keys)
        self._cut(data, lengths)
        self.records += len(recs)
        self.line += data.count(b"\n")
        if self.problems.total >= STOP_AFTER:
            self.problems.add("too_many_problems", self.records, self.line, f"{STOP_AFTER:,}")
            return False
        return True

    def _fast(self, data: bytes, recs: list[bytes], segs: list[bytes]) -> list[bytes] | None:
        """The raw keys if every check passes at C speed; None sends the block to the slow path."""
        n = len(recs)
        if NL_MARK in data or not quotes_well_placed(segs, self.d, self.crlf):
            return None
        if list(map(bytes.count, recs, repeat(self.d))).count(self.ncols - 1) != n:
            return None
        if max(map(len, recs), default=0) > FIELD_LIMIT:  # bytes >= characters: a safe bound
            return None
        with_cr = sum(map(bytes.endswith, recs, repeat(b"\r")))
        if self.crlf:
            unterminated = 0 if data.endswith(b"\n") else 1
            if with_cr < n - unterminated:
                return None
            recs = list(map(bytes.removesuffix, recs, repeat(b"\r")))
        elif with_cr:
            return None
        if self.key_col is None:
            return []
        keys = fast_keys(recs, self.key_col, self.ncols, self.d)
        if any(map(bytes.startswith, keys, repeat(b'"'))):  # quoted keys: take their values
            keys = [unquote(k, self.d) if k.startswith(b'"') else k for k in keys]
        return keys

    def _slow(self, data: bytes, recs: list[bytes]) -> list[bytes]:
        """Parse each record of a block that failed a fast check, and tally what is wrong."""
        keys: list[bytes] = []
        pos, line = 0, self.line
        last = len(recs) - 1
        ends_with_newline = data.endswith(b"\n")
        for i, piece in enumerate(recs):
            raw = data[pos : pos + len(piece)]
            terminated = i != last or ends_with_newline
            keys.append(self._check_record(raw, self.records + 1 + i, line, terminated))
            pos += len(piece) + 1
            line += raw.count(b"\n") + 1
        return keys

    def _check_record(self, raw: bytes, number: int, line: int, terminated: bool) -> bytes:
        has_cr = raw.endswith(b"\r")
        body = raw[:-1] if has_cr else raw
        if has_cr != self.crlf and (terminated or has_cr):
            self.problems.add("line_ending", number, line)
        if not body and self.ncols > 1:
            self.problems.add("empty_line", number, line)
            return b""
        fields, problems = parse_record(body, self.d)
        for code in dict.fromkeys(problems):
            self.problems.add(code, number, line, _snippet(body))
        if len(fields) != self.ncols:
            self.problems.add("ragged_row", number, line, f"{len(fields)} values")
        if len(body) > FIELD_LIMIT and any(len(f.decode("utf-8", "replace")) > FIELD_LIMIT for f in fields):
            self.problems.add("field_too_long", number, line)
        if self.key_col is None or self.key_col >= len(fields):
            return b""
        return fields[self.key_col]

    def _keys(self, data: bytes, lengths: list[int], keys: list[bytes]) -> None:
        if self.keys is None:
            return
        blanks = keys.count(b"") + sum(map(bytes.isspace, keys))
        if blanks:
            first = True
            for i, k in enumerate(keys):
                if not k.strip():
                    line = self._line_of(data, lengths, i) if first else 0
                    self.problems.add("blank_external_id", self.records + 1 + i, line)
                    first = False
        self.keys.add(keys)

    def _line_of(self, data: bytes, lengths: list[int], i: int) -> int:
        return self.line + data.count(b"\n", 0, sum(lengths[:i]) + i)

    def _cut(self, data: bytes, lengths: list[int]) -> None:
        too_big = self.cutter.add(len(data), lengths, data.endswith(b"\n"), self.records + 1)
        for number in too_big:
            line = self._line_of(data, lengths, number - self.records - 1)
            self.problems.add(
                "part_too_small", number, line, f"{self.cutter.body_limit:,} bytes after the header"
            )

    def finish(self, key_field: str) -> list[Finding]:
        self.cutter.finish()
        out = self.problems.findings(self.path, self.dialect, key_field) + self.extra
        if self.keys is not None and self.key_col is not None and "too_many_problems" not in self.problems:
            out += self._duplicates(key_field)
        return out

    def _duplicates(self, key_field: str) -> list[Finding]:
        assert self.keys is not None and self.key_col is not None
        repeated = self.keys.repeated_hashes(ignore=(b"",))
        if not repeated:
            return []
        hits = locate_keys(self.path, self.dialect, self.key_col, repeated, self.max_listed)
        dup = {k: h for k, h in hits.items() if h.count > 1 and k.strip()}
        if not dup:
            return []
        total = sum(h.count for h in dup.values())
        examples = "; ".join(
            f"{k.decode('utf-8', 'replace')!r} in {describe_records(h.records, h.count)}"
            for k, h in list(dup.items())[:5]
        )
        more = f" (and {len(dup) - 5:,} more values)" if len(dup) > 5 else ""
        records = sorted(n for h in dup.values() for n in h.records)[: self.max_listed]
        message = (
            f"{self.path.name}: {total:,} records share their External ID ({key_field}) with another record "
            f"in the file: {examples}{more}. Salesforce would fail every row of a repeated value; "
            "keep one row per External ID."
        )
        return [Finding(ERROR, self.path, "duplicate_external_id", message, records)]


def _snippet(body: bytes) -> str:
    text = body[:60].decode("utf-8", "replace").replace("\n", "⏎")
    return text + ("…" if len(body) > 60 else "")
