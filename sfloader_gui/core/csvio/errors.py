"""The error raised when a CSV file cannot be read as a CSV for Salesforce.

API::

    class CsvInputError(Exception):
        path: Path                      # the file concerned
        message: str                    # user-facing: names the file, what is wrong, what to do
        code: str                       # short machine code, e.g. "encoding", "empty_file"
        suggested_encoding: str | None  # set when the file looks like cp1252/latin-1/utf-16 text
"""

from __future__ import annotations

from pathlib import Path


class CsvInputError(Exception):
    """A file that is not usable CSV; ``message`` is a sentence for the user."""

    def __init__(
        self, path: Path, message: str, code: str = "bad_csv", suggested_encoding: str | None = None
    ) -> None:
        super().__init__(message)
        self.path = Path(path)
        self.message = message
        self.code = code
        self.suggested_encoding = suggested_encoding

    def __str__(self) -> str:
        return self.message
