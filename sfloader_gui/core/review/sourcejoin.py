"""Join failed rows back to their source file: a compact External ID index, refused if the file changed."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import os
from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from sfloader_gui.core.load.results import ManifestFile
from sfloader_gui.core.mapping.source import utf16_source, workbook_source
from sfloader_gui.core.review.records import RecordIndex, parse
from sfloader_gui.core.review.resultsfile import DELIMITERS


class JoinStatus(StrEnum):
    PENDING = "pending"  # not indexed yet
    READY = "ready"
    CHANGED = "changed"  # the source differs from the one that was loaded: rows are never joined
    MISSING = "missing"


class _HashingReader(io.RawIOBase):
    """Feeds every byte read to sha256, so the index and the change check share one pass."""

    def __init__(self, raw: io.BufferedReader) -> None:
        self._raw = raw
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer)
        if n:
            self.digest.update(memoryview(buffer)[:n])
        return n or 0


@dataclass
class SourceJoin:
    """One source file of a run, as the manifest describes it, and its External ID → record number index."""

    path: Path
    external_id_field: str
    entry: ManifestFile  # the manifest's "files" entry
    status: JoinStatus = JoinStatus.PENDING
    message: str = ""
    _hashes: array[int] = field(default_factory=lambda: array("q"))
    _records: array[int] = field(default_factory=lambda: array("i"))
    # Source rows for the workbench's view of a mapped file (``keep_rows``): a byte index of a CSV
    # (8 bytes a record), or, for rows decoded by a reader (workbook, UTF-16), only the wanted keys' rows.
    keep_rows: bool = False
    wanted: frozenset[int] = frozenset()  # hash() of the External IDs whose rows are kept (workbook, UTF-16)
    _rows: RecordIndex | None = None
    _kept: dict[int, list[str]] = field(default_factory=dict)
    _header: list[str] = field(default_factory=list)
    _encoding: str = "utf-8"
    _delimiter: str = ","

    @property
    def sentence(self) -> str:
        """``message`` as a sentence for the problems banner."""
        text = self.message[:1].upper() + self.message[1:]
        return text if text.endswith(".") else text + "."

    def check(self) -> JoinStatus:
        """Cheap checks (exists, size) that decide without reading the file."""
        if not self.path.is_file():
            return self._set(
                JoinStatus.MISSING,
                f"the source file {self.path} is gone: rows show without their row numbers",
            )
        size = self.entry.get("size")
        if size is not None and self.path.stat().st_size != size:
            return self._changed(f"its size is now {self.path.stat().st_size} bytes, was {size}")
        return self.status

    def build(self) -> JoinStatus:
        """Read the whole source once: sha256 and the External ID index. Safe to call from a worker thread."""
        if self.check() is not JoinStatus.PENDING:
            return self.status
        delimiter = DELIMITERS.get(str(self.entry.get("delimiter", "COMMA")), ",")
        encoding = "utf-8-sig" if self.entry.get("bom") else str(self.entry.get("encoding") or "utf-8")
        if encoding == "workbook":  # an Excel/OpenDocument workbook: its rows through the same reader
            return self._build_workbook()
        if encoding == "utf-16" and self.keep_rows:  # rows kept as decoded by the reader the load used
            return self._build_rows(lambda: utf16_source(self.path, delimiter))
        with self.path.open("rb") as raw:
            hashing = _HashingReader(raw)
            text = io.TextIOWrapper(io.BufferedReader(hashing, 1 << 20), encoding=encoding, newline="")
            hashes = self._index(csv.reader(text, delimiter=delimiter))
            text.read()  # hash to the very end even if the reader stopped early
        expected = self.entry.get("sha256")
        if expected and hashing.digest.hexdigest() != expected:
            return self._changed("its content (sha256) differs from the file that was loaded")
        if hashes is None:
            return self.status
        if self.keep_rows and not encoding.lower().startswith(("utf-16", "utf-32")):
            self._rows = RecordIndex(self.path)  # one more pass, over bytes: the rows are read on demand
            self._encoding, self._delimiter = encoding, delimiter
        order = sorted(range(len(hashes)), key=hashes.__getitem__)
        self._hashes = array("q", map(hashes.__getitem__, order))
        self._records = array("i", (i + 1 for i in order))
        return self._set(JoinStatus.READY, "")

    def _build_workbook(self) -> JoinStatus:
        return self._build_rows(lambda: workbook_source(self.path, self.entry.get("sheet")))

    def _build_rows(self, open_source: Any) -> JoinStatus:
        with self.path.open("rb") as raw:
            digest = hashlib.file_digest(raw, "sha256").hexdigest()
        expected = self.entry.get("sha256")
        if expected and digest != expected:
            return self._changed("its content (sha256) differs from the file that was loaded")
        source = open_source()
        rows = itertools.chain([source.header], (r for b in source.batches(sizes=False) for r in b.rows))
        hashes = self._index_keeping(rows) if self.keep_rows else self._index(rows)
        if hashes is None:
            return self.status
        order = sorted(range(len(hashes)), key=hashes.__getitem__)
        self._hashes = array("q", map(hashes.__getitem__, order))
        self._records = array("i", (i + 1 for i in order))
        return self._set(JoinStatus.READY, "")

    @property
    def key_column(self) -> str:
        """The source column holding the External ID: the one mapped to it when the file had a mapping."""
        mapped = (self.entry.get("transform") or {}).get("mapping") or []
        wanted = self.external_id_field.lower()
        return next(
            (str(m["column"]) for m in mapped if str(m.get("field") or "").lower() == wanted),
            self.external_id_field,
        )

    def _index(self, reader: Any) -> array[int] | None:
        header: list[str] = next(reader, [])
        key = self.key_column
        if key not in header:
            self._set(
                JoinStatus.CHANGED,
                f"the source file {self.path.name} has no {key} column any more",
            )
            return None
        col = header.index(key)
        self._header = header
        # hash() of str is 64-bit and stable within this process: 8 bytes per record, not a dict of strings.
        hashes = array("q", (hash(row[col]) if len(row) > col else 0 for row in reader if row))
        return hashes

    def _index_keeping(self, reader: Any) -> array[int] | None:
        """``_index`` that also keeps the rows of the wanted keys (rows a reader decoded, not bytes)."""
        header: list[str] = next(reader, [])
        key = self.key_column
        if key not in header:
            return self._index(itertools.chain([header], reader))
        col = header.index(key)
        self._header = header
        hashes = array("q")
        for row in reader:
            if not row:
                continue
            h = hash(row[col]) if len(row) > col else 0
            hashes.append(h)
            if h in self.wanted:
                self._kept[len(hashes)] = row
        return hashes

    def source_row(self, record: int, external_id: str) -> list[str] | None:
        """Record ``record`` (1-based) of the source as the load read it, None when it cannot be read back
        or is not that External ID's row (the key is checked, so a row is never shown against another)."""
        if self.status is not JoinStatus.READY or not self.keep_rows:
            return None
        if self._rows is not None:
            if not 0 < record <= len(self._rows):
                return None
            row = parse(self._rows.raw(record - 1), self._delimiter, self._encoding)
        else:
            found = self._kept.get(record)
            if found is None:
                return None
            row = found
        col = self._header.index(self.key_column)
        return row if len(row) > col and row[col] == external_id else None

    def close(self) -> None:
        if self._rows is not None:
            self._rows.close()

    def record_numbers(self, external_id: str) -> list[int]:
        """Every 1-based source record number with this External ID: one, or several for a duplicate key."""
        if self.status is not JoinStatus.READY:
            return []
        h = hash(external_id)
        i = bisect_left(self._hashes, h)
        found = []
        while i < len(self._hashes) and self._hashes[i] == h:
            found.append(self._records[i])
            i += 1
        return sorted(found)

    def record_number(self, external_id: str) -> int | None:
        """The source record number of this External ID; None when not joined or when it is not unique."""
        found = self.record_numbers(external_id)
        return found[0] if len(found) == 1 else None

    def _changed(self, why: str) -> JoinStatus:
        when = self.entry.get("mtime")
        mtime = os.path.getmtime(self.path) if self.path.exists() else None
        touched = " (modified after the run)" if when and mtime and mtime > when else ""
        return self._set(
            JoinStatus.CHANGED,
            f"the source file {self.path} has changed since the run{touched}: {why}. Rows are not joined "
            "to it (their row numbers could be wrong); they stay reviewable and retryable.",
        )

    def _set(self, status: JoinStatus, message: str) -> JoinStatus:
        self.status, self.message = status, message
        if status is not JoinStatus.READY:
            self._hashes, self._records = array("q"), array("i")
            self._kept = {}
            if self._rows is not None:
                self._rows.close()
                self._rows = None
        return status
