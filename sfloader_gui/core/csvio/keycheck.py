"""Turn repeated External ID hashes into a finding that names the values and their record numbers.

API::

    duplicate_findings(path, dialect, key_col, index, key_field, max_listed) -> list[Finding]
"""

from __future__ import annotations

from pathlib import Path

from sfloader_gui.core.csvio.dialect import CsvDialect
from sfloader_gui.core.csvio.dupes import KeyIndex, locate_keys
from sfloader_gui.core.csvio.findings import ERROR, Finding, describe_records

_EXAMPLES = 5


def duplicate_findings(
    path: Path, dialect: CsvDialect, key_col: int, index: KeyIndex, key_field: str, max_listed: int
) -> list[Finding]:
    """An error listing repeated External IDs, or nothing. Reads the file again only if a hash repeats."""
    rep = index.repeated()
    if not rep.values:
        return []
    hits = locate_keys(path, dialect, key_col, rep.hashes, max_listed)
    dup = {k: h for k, h in hits.items() if h.count > 1 and k.strip()}
    if not dup:
        return []  # two different values with the same 64-bit hash: not a duplicate
    # Exact when every repeated value was looked up; beyond MAX_LOCATED values, the hash count.
    total = sum(h.count for h in dup.values()) if len(rep.hashes) == rep.values else rep.records
    n_values = len(dup) if len(rep.hashes) == rep.values else rep.values
    examples = "; ".join(
        f"{k.decode('utf-8', 'replace')!r} in {describe_records(h.records, h.count)}"
        for k, h in list(dup.items())[:_EXAMPLES]
    )
    more = f" (and {n_values - _EXAMPLES:,} more values)" if n_values > _EXAMPLES else ""
    records = sorted(n for h in dup.values() for n in h.records)[:max_listed]
    message = (
        f"{path.name}: {total:,} records share their External ID ({key_field}) with another record "
        f"in the file: {examples}{more}. Which row Salesforce keeps would depend on how it cuts the "
        "job (rows of one value in the same batch of 200 fail, a later batch overwrites an earlier "
        "one), so this app sends no file with repeated External IDs: keep one row per External ID."
    )
    return [Finding(ERROR, path, "duplicate_external_id", message, records)]
