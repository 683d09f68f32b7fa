"""A problem found in an input file before anything is sent: errors block the file, warnings do not.

API::

    @dataclass(frozen=True)
    class Finding:
        severity: Literal["error", "warning"]
        file: Path
        code: str          # e.g. "ragged_row", "duplicate_external_id", "unknown_column"
        message: str       # user-facing: names the file, the problem (with record numbers), what to do
        records: list[int] # 1-based record numbers (header excluded) it concerns, at most a few listed

    describe_records(numbers, total) -> str   # "records 3, 7 and 9" / "records 3, 7, … (120 in all)"
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]
ERROR: Severity = "error"
WARNING: Severity = "warning"

# How many record numbers a finding lists; the message still gives the total.
MAX_LISTED = 20


@dataclass(frozen=True)
class Finding:
    """One problem with one file, ready to show to the user."""

    severity: Severity
    file: Path
    code: str
    message: str
    records: list[int] = field(default_factory=list)

    @property
    def blocking(self) -> bool:
        return self.severity == ERROR


def describe_records(numbers: Sequence[int], total: int | None = None, noun: str = "record") -> str:
    """Name a few record numbers in plain words, with the total when more exist than are listed."""
    total = len(numbers) if total is None else total
    shown = [f"{n:,}" for n in numbers[:MAX_LISTED]]
    if not shown:
        return f"{total:,} {noun}s"
    if total == 1:
        return f"{noun} {shown[0]}"
    if total > len(shown):
        return f"{noun}s {', '.join(shown)}, … ({total:,} in all)"
    return f"{noun}s {', '.join(shown[:-1])} and {shown[-1]}"
