"""Reading uploaded job data and writing result CSVs in Salesforce's exact shapes."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path

DELIMITERS = {"BACKQUOTE": "`", "CARET": "^", "COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "TAB": "\t"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
# Fields may be up to 131,072 characters on Salesforce; the csv module's default cap is exactly that.
csv.field_size_limit(131072 * 4)


class JobDataError(Exception):
    """The uploaded data cannot be processed at all: the job fails with this errorMessage."""


def open_text(path: Path) -> io.TextIOWrapper:
    # newline="" lets the csv module see embedded newlines; errors="replace" keeps bad bytes visible.
    return open(path, encoding="utf-8", errors="replace", newline="")


def check_line_ending(path: Path, line_ending: str) -> None:
    """Fail like Salesforce when the header line's terminator does not match the job's lineEnding."""
    with open(path, "rb") as f:
        head = f.read(65536)
    nl = head.find(b"\n")
    if nl < 0:
        return
    crlf = nl > 0 and head[nl - 1 : nl] == b"\r"
    if crlf != (line_ending == "CRLF"):
        raise JobDataError(
            "ClientInputError : LineEnding is invalid on user data. "
            f"Current LineEnding setting is {line_ending}"
        )


def records(path: Path, delimiter: str) -> Iterator[list[str]]:
    """All records, header first (RFC 4180: quoted delimiters, newlines and doubled quotes)."""
    with open_text(path) as f:
        # a blank line is not a record; filter() drops it without a Python step per row
        reader = csv.reader(f, delimiter=DELIMITERS[delimiter], quotechar='"', doublequote=True)
        yield from filter(None, reader)


class RecordCounter:
    """Counts CSV records in a byte stream as it arrives (bench mode), honouring quoted newlines.

    A newline ends a record only when the quotes seen so far are balanced; `""` inside a quoted value
    adds two quotes, so parity still works. Blank lines are not records, as for the csv module.
    """

    def __init__(self) -> None:
        self.records = 0  # including the header
        self._odd = False
        self._content = False  # the record in progress has something besides line-ending bytes
        self.head = b""  # the first record (the header line), once complete
        self._head_buf = bytearray()

    def _end_of_line(self, piece: bytes) -> None:
        if piece.count(b'"') & 1:
            self._odd = not self._odd
        if piece and piece != b"\r":
            self._content = True
        if not self.head:
            self._head_buf += piece + b"\n"
        if self._odd:
            return
        if self._content:
            self.records += 1
            if not self.head:
                self.head = bytes(self._head_buf)
        elif not self.head:
            self._head_buf.clear()
        self._content = False

    def feed(self, data: bytes) -> None:
        pieces = data.split(b"\n")
        last = pieces.pop()
        for piece in pieces:
            self._end_of_line(piece)
        if last.count(b'"') & 1:
            self._odd = not self._odd
        if last and last != b"\r":
            self._content = True
        if not self.head:
            self._head_buf += last

    def finish(self) -> int:
        """Data records (the header excluded) once the stream is complete."""
        if self._content and not self._odd:
            self.records += 1
            if not self.head:
                self.head = bytes(self._head_buf)
        self._content = False
        return max(self.records - 1, 0)

    def header(self, delimiter: str) -> list[str]:
        text = self.head.decode("utf-8", "replace")
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=DELIMITERS[delimiter]), [])


def count_records(path: Path, delimiter: str) -> tuple[list[str], int]:
    """The header and the number of data records (bench mode): a real parse, so quoted newlines count."""
    reader = records(path, delimiter)
    header = next(reader, [])
    return header, sum(1 for _ in reader)


def quote_all(values: Sequence[str], sep: str) -> str:
    """Every value double-quoted, embedded quotes doubled (Salesforce's result file style)."""
    glue = '"' + sep + '"'
    text = glue.join(values)
    if text.count('"') == 2 * (len(values) - 1):  # no value has a quote of its own: nothing to escape
        return '"' + text + '"'
    return sep.join(['"' + v.replace('"', '""') + '"' for v in values])


def success_header(header: Sequence[str], sep: str) -> str:
    return sep.join(['"sf__Id"', '"sf__Created"', *header]) + "\n"


def failed_header(header: Sequence[str], sep: str) -> str:
    return sep.join(['"sf__Id"', '"sf__Error"', *header]) + "\n"


def unprocessed_text(path: Path, delimiter: str, skip: int | None) -> str:
    """The header line and every record after the first `skip` ones (None: none), as uploaded."""
    sep = DELIMITERS[delimiter]
    out = io.StringIO()
    with open_text(path) as f:
        consumed: list[str] = []

        def lines() -> Iterator[str]:
            for line in f:
                consumed.append(line)
                yield line

        reader = csv.reader(lines(), delimiter=sep, quotechar='"', doublequote=True)
        header_seen = False
        n = 0
        for _ in reader:
            if not header_seen:
                header_seen = True
                out.write("".join(consumed))
                if skip is None:
                    break
            elif skip is not None and n < skip:
                n += 1
            else:
                out.write("".join(consumed))
            consumed.clear()
    return out.getvalue()
