"""Check a header row: blank and repeated column names, length, and where the External ID column is.

API::

    check_header(path, dialect, external_id_field) -> tuple[list[Finding], int | None]
        # findings, and the index of the External ID column (None if missing)
"""

from __future__ import annotations

import re
from pathlib import Path

from sfloader_gui.core.csvio.dialect import CsvDialect
from sfloader_gui.core.csvio.findings import ERROR, Finding

MAX_HEADER_CHARS = 32_000  # Salesforce's limit for the header row
MAX_FIELDS = 5_000  # Salesforce's limit of fields per record


def check_header(path: Path, dialect: CsvDialect, external_id_field: str) -> tuple[list[Finding], int | None]:
    """Problems with the header (each an error) and the External ID column's index."""
    header = dialect.header
    out: list[Finding] = []

    def error(code: str, text: str) -> None:
        out.append(Finding(ERROR, path, code, f"{path.name}: {text}"))

    # Salesforce field names are case-insensitive, so "Name" and "name" are the same column.
    seen: dict[str, int] = {}
    for i, name in enumerate(header, start=1):
        key = name.strip().casefold()
        if not key:
            error(
                "blank_column",
                f"column {i} of the header has no name. Name it after a Salesforce "
                "field, or delete the column.",
            )
        elif key in seen:
            error(
                "duplicate_column",
                f"the header has the column {name!r} twice (columns {seen[key]} and "
                f"{i}). Remove or rename one of them.",
            )
        else:
            seen[key] = i
    if len(dialect.header_bytes.decode("utf-8", "replace")) > MAX_HEADER_CHARS:
        error(
            "header_too_long",
            f"the header row is longer than Salesforce's limit of {MAX_HEADER_CHARS:,} "
            "characters. Load fewer columns at a time.",
        )
    if len(header) > MAX_FIELDS:
        error(
            "too_many_columns",
            f"the file has {len(header):,} columns; Salesforce allows {MAX_FIELDS:,}. "
            "Load fewer columns at a time.",
        )
    key_col = _find(header, external_id_field)
    if key_col is None:
        shown = ", ".join(header[:12]) + (", …" if len(header) > 12 else "")
        error(
            "no_external_id_column",
            f"the header has no column {external_id_field!r} (columns: {shown}). "
            "Add that column with each row's External ID, or choose the External ID field the file has.",
        )
    return out, key_col


def _find(header: list[str], field_name: str) -> int | None:
    """The key column: by API name, else written as a label ("External Id" for External_Id__c)."""
    wanted = field_name.strip().casefold()
    for i, name in enumerate(header):
        if name.casefold() == wanted:
            return i
    loose = _loose(field_name.strip().removesuffix("__c"))
    found = [i for i, name in enumerate(header) if _loose(name) == loose]
    return found[0] if len(found) == 1 else None


def _loose(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())
