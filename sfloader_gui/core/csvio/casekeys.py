"""External IDs that differ only in letter case, for keys Salesforce matches case-insensitively.

A unique External ID marked "treat ABC and abc as duplicate values" (describe: ``caseSensitive: false``)
matches ``abc-1`` with ``ABC-1``, so two rows spelled that way are one record. The plan's duplicate check
compares exact values; this second look folds case, with the same bounded-memory hashes.

API::

    case_duplicate_findings(path, dialect, key_col, key_field, max_listed) -> list[Finding]
    case_duplicates_in_text(path, occurrences, key_field, max_listed) -> list[Finding]
        # the same for keys a rows source (workbook, UTF-16 text) already gave as text:
        # occurrences maps each distinct key to its record numbers
    CaseKeys(path, dialect, key_col, key_field, max_listed)   # the same, fed by another pass
        .add(keys)   # one block of key values, in record order (as dupes.iter_keys gives them)
        .findings() -> list[Finding]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from sfloader_gui.core.csvio.dialect import CsvDialect
from sfloader_gui.core.csvio.dupes import KeyHits, KeyIndex, iter_keys, key_hashes
from sfloader_gui.core.csvio.findings import ERROR, Finding, describe_records

_EXAMPLES = 3


def _folded(
    path: Path, dialect: CsvDialect, key_col: int, records: int | None = None
) -> Iterator[list[bytes]]:
    for keys in iter_keys(path, dialect, key_col, records):
        yield list(map(bytes.lower, keys))  # ASCII folding, as the emulator's NOCASE; enough for most keys


def case_duplicate_findings(
    path: Path, dialect: CsvDialect, key_col: int, key_field: str, max_listed: int
) -> list[Finding]:
    """An error naming keys that are equal ignoring case (exact repeats are the plan's finding)."""
    found = CaseKeys(path, dialect, key_col, key_field, max_listed)
    for keys in iter_keys(path, dialect, key_col):
        found.add(keys)
    return found.findings()


class CaseKeys:
    """The case-folded key index of one file, fed block by block by whichever pass reads the keys (the
    whole-file check of a mapped file reads them anyway: one pass over the file instead of two)."""

    def __init__(
        self, path: Path, dialect: CsvDialect, key_col: int, key_field: str, max_listed: int
    ) -> None:
        self.path, self.dialect, self.key_col = path, dialect, key_col
        self.key_field, self.max_listed = key_field, max_listed
        self.index = KeyIndex(lambda n: _folded(path, dialect, key_col, n))

    def add(self, keys: list[bytes]) -> None:
        self.index.add(list(map(bytes.lower, keys)))

    def findings(self) -> list[Finding]:
        path, dialect, key_col, max_listed = self.path, self.dialect, self.key_col, self.max_listed
        key_field = self.key_field
        rep = self.index.repeated()
        if not rep.values:
            return []
        return _findings(path, dialect, key_col, key_field, max_listed, rep.hashes)


def _findings(
    path: Path, dialect: CsvDialect, key_col: int, key_field: str, max_listed: int, hashes: set[int]
) -> list[Finding]:
    spellings: dict[bytes, dict[bytes, KeyHits]] = {}
    record = 1
    for keys in iter_keys(path, dialect, key_col):
        folded = [k.lower() for k in keys]
        for offset, (key, low, h) in enumerate(zip(keys, folded, key_hashes(folded), strict=True)):
            if h in hashes and key.strip():
                hit = spellings.setdefault(low, {}).setdefault(key, KeyHits())
                hit.count += 1
                if len(hit.records) < max_listed:
                    hit.records.append(record + offset)
        record += len(keys)
    groups = {low: s for low, s in spellings.items() if len(s) > 1}
    if not groups:
        return []
    return [_finding(path, groups, key_field, max_listed)]


def case_duplicates_in_text(
    path: Path, occurrences: Mapping[str, Sequence[int]], key_field: str, max_listed: int
) -> list[Finding]:
    """``case_duplicate_findings`` for keys already read as text (the whole-file read of a rows source
    collects them): no second read of the file."""
    spellings: dict[bytes, dict[bytes, KeyHits]] = {}
    for key, records in occurrences.items():
        if not key.strip():
            continue
        raw = key.encode("utf-8")
        hit = spellings.setdefault(raw.lower(), {}).setdefault(raw, KeyHits())
        hit.count += len(records)
        hit.records.extend(records[: max_listed - len(hit.records)])
    groups = {low: s for low, s in spellings.items() if len(s) > 1}
    return [_finding(path, groups, key_field, max_listed)] if groups else []


def _finding(
    path: Path, groups: dict[bytes, dict[bytes, KeyHits]], key_field: str, max_listed: int
) -> Finding:
    total = sum(h.count for s in groups.values() for h in s.values())
    examples = "; ".join(
        " and ".join(
            f"{k.decode('utf-8', 'replace')!r} ({describe_records(h.records, h.count)})" for k, h in s.items()
        )
        for s in list(groups.values())[:_EXAMPLES]
    )
    more = f" (and {len(groups) - _EXAMPLES:,} more)" if len(groups) > _EXAMPLES else ""
    records = sorted(n for s in groups.values() for h in s.values() for n in h.records)[:max_listed]
    message = (
        f"{path.name}: {total:,} records have External IDs ({key_field}) that differ only in letter case: "
        f"{examples}{more}. {key_field} treats ABC and abc as the same value, so these rows are one record "
        "in Salesforce; keep one row per External ID."
    )
    return Finding(ERROR, path, "duplicate_external_id_case", message, records)
