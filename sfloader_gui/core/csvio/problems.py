"""Tally problems per kind while scanning (bounded: a count and the first record numbers) and turn
them into findings whose messages name the file, the records and what to do.

API::

    class Problems:
        add(code, record, offset, detail="") -> None   # offset: file byte offset of the record
        total: int
        findings(path, dialect, key_field) -> list[Finding]   # line numbers worked out here
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sfloader_gui.core.csvio.dialect import CsvDialect
from sfloader_gui.core.csvio.findings import ERROR, MAX_LISTED, Finding, describe_records

FIELD_LIMIT = 131_072  # Salesforce's maximum characters in one field value


@dataclass
class _Tally:
    count: int = 0
    records: list[int] = field(default_factory=list)
    offset: int = 0
    line: int = 0
    detail: str = ""


class Problems:
    """Problems seen so far, per code, in the order first seen."""

    def __init__(self, max_listed: int = MAX_LISTED) -> None:
        self._tallies: dict[str, _Tally] = {}
        self._max = max_listed
        self.total = 0

    def add(self, code: str, record: int, offset: int, detail: str = "") -> None:
        tally = self._tallies.get(code)
        if tally is None:
            tally = self._tallies[code] = _Tally(offset=offset, detail=detail)
        tally.count += 1
        self.total += 1
        if len(tally.records) < self._max:
            tally.records.append(record)

    def __contains__(self, code: str) -> bool:
        return code in self._tallies

    def findings(self, path: Path, dialect: CsvDialect, key_field: str) -> list[Finding]:
        lines = lines_at(path, [t.offset for t in self._tallies.values()])
        out = []
        for code, t in self._tallies.items():
            t.line = lines[t.offset]
            what = describe_records(t.records, t.count)
            text = _MESSAGES[code](what, t, dialect, key_field)
            out.append(Finding(ERROR, path, code, f"{path.name}: {text}", list(t.records)))
        return out


def lines_at(path: Path, offsets: list[int]) -> dict[int, int]:
    """The 1-based line number at each byte offset (counted only when there is something to report)."""
    out: dict[int, int] = {}
    line, pos = 1, 0
    with path.open("rb") as fh:
        for offset in sorted(set(offsets)):
            while pos < offset:
                data = fh.read(min(1 << 20, offset - pos))
                if not data:
                    break
                line += data.count(b"\n")
                pos += len(data)
            out[offset] = line
    return out


def _v(t: _Tally, one: str, many: str) -> str:
    return one if t.count == 1 else many


def _first(t: _Tally) -> str:
    return f"first at line {t.line:,}" + (f": {t.detail}" if t.detail else "")


def _delim(dialect: CsvDialect) -> str:
    return "TAB" if dialect.delimiter == "\t" else repr(dialect.delimiter)


_MESSAGES = {
    "ragged_row": lambda what, t, dl, k: (
        f"{what} {_v(t, 'has', 'have')} a different number of values than the header's "
        f"{len(dl.header)} columns ({_first(t)}). Give every row one value per column, and put "
        f"values that contain the delimiter {_delim(dl)} in double quotes."
    ),
    "empty_line": lambda what, t, dl, k: (
        f"{what} {_v(t, 'is an empty line', 'are empty lines')} ({_first(t)}). Delete the empty lines."
    ),
    "space_before_quote": lambda what, t, dl, k: (
        f"{what} {_v(t, 'has', 'have')} a space between the delimiter and an opening double quote "
        f"({_first(t)}); Salesforce rejects such rows. Remove the spaces before the quotes."
    ),
    "stray_quote": lambda what, t, dl, k: (
        f"{what} {_v(t, 'has', 'have')} a double quote inside a value that is not in quotes ({_first(t)}). "
        'Put the whole value in double quotes and double the quote inside it ("").'
    ),
    "text_after_quote": lambda what, t, dl, k: (
        f"{what} {_v(t, 'has', 'have')} text right after a closing double quote ({_first(t)}). "
        'Put the whole value in double quotes and double every quote inside it (""), or check for '
        "a quote that is never closed earlier in the file."
    ),
    "unterminated_quote": lambda what, t, dl, k: (
        f"a double quote opened in {what} (line {t.line:,}) is never closed, so the rest of the file "
        "would be read as one value. Add the missing closing quote."
    ),
    "record_too_long": lambda what, t, dl, k: (
        f"{what} (line {t.line:,}) is longer than Salesforce's limit of 400,000 characters per row, "
        "or a quote in it is never closed. Check that row."
    ),
    "field_too_long": lambda what, t, dl, k: (
        f"{what} {_v(t, 'has', 'have')} a value longer than {FIELD_LIMIT:,} characters, "
        f"Salesforce's limit for one field ({_first(t)}). Shorten those values."
    ),
    "line_ending": lambda what, t, dl, k: (
        f"{what} {_v(t, 'does', 'do')} not end with {dl.line_ending} line endings like the rest of the file "
        f"({_first(t)}). Save the file with one kind of line ending, or choose the line ending "
        "the file uses."
    ),
    "part_too_small": lambda what, t, dl, k: (
        f"{what} (first at line {t.line:,}) {_v(t, 'is', 'are')} larger than the part size "
        f"({t.detail}). Raise the part size."
    ),
    "blank_external_id": lambda what, t, dl, k: (
        f"{what} {_v(t, 'has', 'have')} no value in the External ID column {k} ({_first(t)}). "
        "An upsert needs a value in every row: fill them in or remove those rows."
    ),
    "nul_bytes": lambda what, t, dl, k: (
        f"contains NUL bytes ({_first(t)}), so it is not a text CSV file (perhaps a spreadsheet or "
        "UTF-16 text). Save it from your spreadsheet program as 'CSV UTF-8'."
    ),
    "too_many_problems": lambda what, t, dl, k: (
        f"the check stopped at line {t.line:,} after {t.detail} problems; fix the problems above "
        "and check the file again."
    ),
}
