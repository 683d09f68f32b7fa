"""Data Loader mapping files (``.sdl``): Java properties, one ``Source Header=FieldApiName`` per line.

Parsing and writing go through ``jproperties`` (escapes such as ``\\ `` and ``\\:``, ``#``/``!``
comments, ``\\uXXXX``). Data Loader writes ISO-8859-1 with ``\\u`` escapes; we read UTF-8 first and fall
back to ISO-8859-1, and write ISO-8859-1 with escapes, as Data Loader does. A header the file does not
list is not sent ("unlisted"), as in Data Loader; a listed header with an empty value is ignored.
A constant (a quoted key) is not supported and is reported.

API::

    SdlError(ValueError)
    read_sdl(path) -> dict[str, str]                       # header -> field ("" = ignored), file order
    apply_sdl(header, entries) -> tuple[Mapping, list[str]]  # mapping, notes (unlisted / unused / constants)
    write_sdl(mapping, path, comment=None) -> Path          # never overwrites an existing file
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from jproperties import Properties  # type: ignore[import-untyped]

from sfloader_gui.core.mapping.model import ColumnMap, Mapping
from sfloader_gui.core.private import opener


class SdlError(ValueError):
    """The .sdl file cannot be read."""


def read_sdl(path: Path | str) -> dict[str, str]:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SdlError(f"{path.name} cannot be read ({exc}).") from exc
    props = Properties()
    try:
        try:
            props.load(data, "utf-8")
        except UnicodeDecodeError:
            props = Properties()
            props.load(data, "iso-8859-1")
    except Exception as exc:  # jproperties raises its own ParseError and others
        raise SdlError(f"{path.name} is not a Data Loader mapping file ({exc}).") from exc
    return {str(k): str(v).strip() for k, v in props.properties.items()}


def apply_sdl(header: Sequence[str], entries: dict[str, str]) -> tuple[Mapping, list[str]]:
    """The mapping an .sdl gives ``header``; notes say which columns it leaves out or cannot use."""
    by_lower = {k.lower(): k for k in entries}
    columns: list[ColumnMap] = []
    used: set[str] = set()
    notes: list[str] = []
    for column in header:
        key = column if column in entries else by_lower.get(column.lower())
        if key is None:
            columns.append(ColumnMap(column, None, "unlisted"))
            continue
        used.add(key)
        # Data Loader allows "Header=Field1, Field2" (one column to several fields); the first is used.
        target = entries[key].split(",")[0].strip()
        columns.append(ColumnMap(column, target or None, "sdl" if target else "ignored"))
    unlisted = [c.column for c in columns if c.how == "unlisted"]
    if unlisted:
        notes.append(
            "not sent (the mapping file does not list them): " + ", ".join(repr(c) for c in unlisted)
        )
    constants = [k for k in entries if k.startswith('"')]
    if constants:
        notes.append("constant values in the mapping file are not supported: " + ", ".join(constants))
    unused = [k for k in entries if k not in used and not k.startswith('"')]
    if unused:
        notes.append("listed in the mapping file but not in this file: " + ", ".join(repr(k) for k in unused))
    return Mapping(tuple(columns)), notes


def sdl_text(mapping: Mapping, comment: str | None = None) -> bytes:
    props = Properties()
    for c in mapping.columns:
        if c.sent and c.target is not None:
            props[c.column] = c.target
    out = io.BytesIO()
    props.store(out, initial_comments=comment, encoding="iso-8859-1", timestamp=False)
    return out.getvalue()


def write_sdl(mapping: Mapping, path: Path | str, comment: str | None = None) -> Path:
    """Write the mapping's sent columns as an .sdl (ignored ones are simply not listed)."""
    path = Path(path)
    with open(path, "xb", opener=opener) as fh:
        fh.write(sdl_text(mapping, comment))
    return path
