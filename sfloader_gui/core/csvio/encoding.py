"""Recognise text that is not UTF-8 (UTF-16, Windows-1252, Latin-1) and convert it only when asked.

API::

    UTF8_BOM: bytes
    guess_encoding(data: bytes) -> str | None   # "utf-16", "utf-32", "cp1252", "latin-1" or None
    encoding_label(encoding: str) -> str        # "Windows-1252 (cp1252)", ...
    not_utf8_error(path, data, offset, line) -> CsvInputError
    convert_to_utf8(src, dst, encoding) -> Path # explicit conversion; never overwrites src or dst
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path

from sfloader_gui.core.csvio.errors import CsvInputError
from sfloader_gui.core.private import opener

UTF8_BOM = codecs.BOM_UTF8
_UTF32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Bytes 0x80-0x9F are printable in Windows-1252 (€, ’, “, …) but control codes in Latin-1;
# the five listed are undefined in cp1252, so text using them can only be Latin-1.
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
_CLI_CONVERTS = ("cp1252", "latin-1")  # what `sfloader --convert-from` accepts
_LABELS = {
    "utf-16": "UTF-16",
    "utf-32": "UTF-32",
    "cp1252": "Windows-1252 (cp1252)",
    "latin-1": "ISO-8859-1 (latin-1)",
}


def encoding_label(encoding: str) -> str:
    return _LABELS.get(encoding, encoding)


_MAGIC = {
    b"PK\x03\x04": "an Excel workbook or another zip file",
    b"\xd0\xcf\x11\xe0": "an old-style Excel (.xls) or Office file",
    b"%PDF": "a PDF document",
    b"\x1f\x8b": "a gzip-compressed file",
}


def binary_kind(data: bytes) -> str | None:
    """What a file that is not text looks like ("an Excel workbook ..."), or None for text."""
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            return kind
    if b"\x00" in data[:4096] and guess_encoding(data) not in ("utf-16", "utf-32"):
        return "a binary file"
    return None


def guess_encoding(data: bytes) -> str | None:
    """The encoding ``data`` most likely uses when it is not UTF-8; None if it looks like UTF-8."""
    if data.startswith(_UTF32_BOMS):
        return "utf-32"
    if data.startswith(_UTF16_BOMS):
        return "utf-16"
    if b"\x00" in data[:4096] and data[:4096].count(b"\x00") * 4 >= min(len(data), 4096):
        return "utf-16"  # UTF-16 without a BOM: every other byte of ASCII text is NUL
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
    except UnicodeDecodeError:
        high = {b for b in data if 0x80 <= b <= 0x9F}
        return "latin-1" if high & _CP1252_UNDEFINED else "cp1252"
    return None


def not_utf8_error(path: Path, data: bytes, offset: int = 0, line: int | None = None) -> CsvInputError:
    """The error for text that is not UTF-8, naming the encoding it looks like and the way out."""
    encoding = guess_encoding(data) or "cp1252"
    where = f" (first at line {line:,})" if line else ""
    if encoding in ("utf-16", "utf-32"):
        what = f"is saved as {encoding_label(encoding)}"
    else:
        what = f"is not UTF-8 text{where}: it looks like {encoding_label(encoding)}"
    how = f" (sfloader --convert-from {encoding}; the original is kept)" if encoding in _CLI_CONVERTS else ""
    message = (
        f"{path.name} {what}. Salesforce accepts UTF-8 only. Convert a copy to UTF-8 from "
        f"{encoding_label(encoding)}{how}, or save it again as 'CSV UTF-8' from your spreadsheet program."
    )
    return CsvInputError(path, message, code="encoding", suggested_encoding=encoding)


def convert_to_utf8(src: Path | str, dst: Path | str, encoding: str) -> Path:
    """Write a UTF-8 copy of ``src`` read as ``encoding`` to ``dst``; streamed, never overwrites.

    A BOM at the start of the source is dropped. Raises ``CsvInputError`` if ``src`` cannot be read
    in that encoding, ``FileExistsError`` if ``dst`` exists.
    """
    src, dst = Path(src), Path(dst)
    # For UTF-16/32 the BOM tells the byte order and the codec consumes it.
    codec = encoding if encoding in ("utf-16", "utf-32") else codecs.lookup(encoding).name
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    tmp = dst.with_name(dst.name + ".part")
    try:
        with src.open("rb") as fin, open(tmp, "xb", opener=opener) as fout:
            first = True
            while block := fin.read(1 << 20):
                text = decoder.decode(block)
                if first:
                    text, first = text.removeprefix("\ufeff"), False
                fout.write(text.encode("utf-8"))
            fout.write(decoder.decode(b"", final=True).encode("utf-8"))
    except UnicodeDecodeError as exc:
        tmp.unlink(missing_ok=True)
        raise CsvInputError(
            src,
            f"{src.name} cannot be read as {encoding_label(encoding)} ({exc.reason} at byte {exc.start:,}). "
            "Choose the encoding the file was saved in.",
            code="encoding",
        ) from exc
    if dst.exists():
        tmp.unlink(missing_ok=True)
        raise FileExistsError(f"{dst} already exists; choose another name for the converted file.")
    os.replace(tmp, dst)
    return dst
