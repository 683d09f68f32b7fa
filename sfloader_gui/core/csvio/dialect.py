"""Sniff how a CSV file is written: encoding, BOM, delimiter, line ending and header.

API::

    DELIMITERS: dict[str, str]   # Salesforce columnDelimiter name -> character
    LINE_ENDINGS: dict[str, bytes]

    @dataclass(frozen=True)
    class CsvDialect:
        encoding: str          # "utf-8", or "cp1252"/"latin-1" when asked for (converted while sending)
        bom: bool              # a UTF-8 BOM starts the file (it is never sent)
        delimiter: str         # ",", ";", "\\t", "|", "^", "`"
        delimiter_name: str    # COMMA|SEMICOLON|TAB|PIPE|CARET|BACKQUOTE (Bulk API columnDelimiter)
        line_ending: str       # LF|CRLF (Bulk API lineEnding)
        header: list[str]
        header_bytes: bytes    # header line as sent: no BOM, UTF-8, with its line terminator
        data_offset: int       # byte offset of the first data record

    sniff(path, delimiter=None, line_ending=None, encoding=None) -> CsvDialect
        # delimiter: a name ("SEMICOLON") or the character; line_ending: "LF"/"CRLF"; overrides win.
        # encoding: "cp1252"/"latin-1" reads a file that is not UTF-8 in it (a UTF-8 file stays UTF-8);
        # header_bytes is then the UTF-8 header that is sent.
        # Raises CsvInputError (missing, directory, unreadable, empty, not UTF-8, no header).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from sfloader_gui.core.csvio.encoding import UTF8_BOM, binary_kind, guess_encoding, not_utf8_error
from sfloader_gui.core.csvio.errors import CsvInputError

DELIMITERS = {"COMMA": ",", "SEMICOLON": ";", "TAB": "\t", "PIPE": "|", "CARET": "^", "BACKQUOTE": "`"}
_NAME_OF = {c: n for n, c in DELIMITERS.items()}
LINE_ENDINGS = {"LF": b"\n", "CRLF": b"\r\n"}
_SAMPLE = 1 << 16
_MAX_HEADER = 1 << 20  # Salesforce allows a 32,000-character header; beyond 1 MiB it is not a header


@dataclass(frozen=True)
class CsvDialect:
    """How one file is written, and the header line every part repeats."""

    encoding: str
    bom: bool
    delimiter: str
    delimiter_name: str
    line_ending: str
    header: list[str] = field(hash=False)
    header_bytes: bytes
    data_offset: int

    @property
    def terminator(self) -> bytes:
        return LINE_ENDINGS[self.line_ending]


def delimiter_name(value: str) -> str:
    """Map a delimiter name or character to the Bulk API name; raises ValueError if unsupported."""
    if value.upper() in DELIMITERS:
        return value.upper()
    if value in _NAME_OF:
        return _NAME_OF[value]
    names = ", ".join(DELIMITERS)
    raise ValueError(f"{value!r} is not a delimiter Salesforce accepts; choose one of {names}.")


def sniff(
    path: Path | str,
    delimiter: str | None = None,
    line_ending: str | None = None,
    encoding: str | None = None,
) -> CsvDialect:
    """Read the start of ``path`` and describe its dialect; explicit choices override what is found."""
    path = Path(path)
    sample = _read_sample(path)
    bom = sample.startswith(UTF8_BOM)
    start = len(UTF8_BOM) if bom else 0
    if not sample[start:]:
        raise CsvInputError(
            path,
            f"{path.name} is empty{' (only a byte-order mark)' if bom else ''}. "
            "Choose a CSV file with a header row and at least one data row.",
            code="empty_file",
        )
    kind = binary_kind(sample)
    if kind is not None:
        raise CsvInputError(
            path,
            f"{path.name} is not a CSV file: it looks like {kind}. Save it as 'CSV UTF-8' "
            "(comma delimited) from your spreadsheet program and choose that file.",
            code="not_csv",
        )
    guessed = guess_encoding(sample[start:])
    single_byte = encoding in ("cp1252", "latin-1") and guessed in ("cp1252", "latin-1")
    if guessed is not None and not single_byte:
        raise not_utf8_error(path, sample[start:], line=_first_bad_line(sample[start:]))
    codec = str(encoding) if single_byte else "utf-8"
    if b"\r" in sample and b"\n" not in sample:
        raise CsvInputError(
            path,
            f"{path.name} ends its lines with a carriage return only (old Mac style); Salesforce reads "
            "LF or CRLF line endings. Save the file again as 'CSV UTF-8' or with Windows/Unix line endings.",
            code="line_ending",
        )
    header_end = _header_end(path, sample, start)
    raw_header = sample[start:header_end]
    if raw_header.rstrip(b"\r\n").lower().startswith(b"sep=") and len(raw_header.rstrip(b"\r\n")) == 5:
        raise CsvInputError(
            path,
            f"{path.name} starts with the line {raw_header.rstrip().decode()!r}, a hint for Excel, not the "
            "header row. Delete that first line so the column names come first.",
            code="excel_sep_line",
        )
    found_le = "CRLF" if raw_header.endswith(b"\r\n") else "LF"
    le = (line_ending or found_le).upper()
    if le not in LINE_ENDINGS:
        raise ValueError(f"{line_ending!r} is not a line ending Salesforce accepts; choose LF or CRLF.")
    text = raw_header.decode(codec)
    raw_header = text.encode("utf-8")  # what is sent
    name = delimiter_name(delimiter) if delimiter else _guess_delimiter(text, sample[header_end:])
    header = _parse_header(path, text, DELIMITERS[name])
    header_bytes = raw_header if raw_header.endswith(b"\n") else raw_header + LINE_ENDINGS[le]
    return CsvDialect(
        encoding=codec,
        bom=bom,
        delimiter=DELIMITERS[name],
        delimiter_name=name,
        line_ending=le,
        header=header,
        header_bytes=header_bytes,
        data_offset=header_end,
    )


def _read_sample(path: Path) -> bytes:
    if not path.exists():
        raise CsvInputError(
            path, f"{path} does not exist. Check the name, or choose the file again.", code="missing_file"
        )
    if path.is_dir():
        raise CsvInputError(
            path, f"{path} is a folder, not a CSV file. Choose the CSV files inside it.", code="not_a_file"
        )
    try:
        with path.open("rb") as fh:
            return fh.read(_SAMPLE)
    except OSError as exc:
        raise CsvInputError(
            path,
            f"{path.name} cannot be read ({exc.strerror or exc}). Check that you may open it "
            "and that no other program has it locked.",
            code="unreadable",
        ) from exc


def _first_bad_line(data: bytes) -> int | None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return data.count(b"\n", 0, exc.start) + 1
    return None


def _header_end(path: Path, sample: bytes, start: int) -> int:
    """Offset just past the header record's terminator (quoted newlines stay inside the header)."""
    pos = start
    while True:
        nl = sample.find(b"\n", pos)
        if nl < 0:
            if len(sample) >= _SAMPLE:
                return _header_end_long(path, start)
            return len(sample)  # header only, no terminator
        if sample.count(b'"', start, nl) % 2 == 0:
            return nl + 1
        pos = nl + 1


def _header_end_long(path: Path, start: int) -> int:
    with path.open("rb") as fh:
        data = fh.read(_MAX_HEADER)
    pos = start
    while (nl := data.find(b"\n", pos)) >= 0:
        if data.count(b'"', start, nl) % 2 == 0:
            return nl + 1
        pos = nl + 1
    if len(data) < _MAX_HEADER:
        return len(data)
    raise CsvInputError(
        path,
        f"{path.name} does not start with a header row: the first line is longer than 1 MiB "
        "(or a quote in it is never closed). Check that this is a CSV file.",
        code="not_csv",
    )


def _guess_delimiter(header: str, rest: bytes) -> str:
    """The candidate that splits the header most often and agrees with the next lines."""
    counts = {name: _count_outside_quotes(header, ch) for name, ch in DELIMITERS.items()}
    lines = rest[:8192].decode("utf-8", errors="ignore").splitlines()[:5]
    best, best_score = "COMMA", 0
    for name, n in counts.items():
        if n == 0:
            continue
        agree = sum(1 for line in lines if _count_outside_quotes(line, DELIMITERS[name]) == n)
        score = n + 1000 * agree
        if score > best_score:
            best, best_score = name, score
    return best


def _count_outside_quotes(line: str, ch: str) -> int:
    return sum(part.count(ch) for part in line.split('"')[::2])


def _parse_header(path: Path, text: str, delimiter: str) -> list[str]:
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise CsvInputError(
            path,
            f"{path.name}: the header row is not valid CSV ({exc}). Quote a column name that contains "
            f"the delimiter {delimiter!r} and double any quote inside it.",
            code="bad_header",
        ) from exc
    header = rows[0] if rows else []
    if not header or all(not h.strip() for h in header):
        raise CsvInputError(
            path,
            f"{path.name} has no header row: its first line is blank. Put the column names "
            "(Salesforce field names) on the first line.",
            code="no_header",
        )
    return header
