"""Write a small OpenDocument spreadsheet (.ods) for tests: a zip of XML, typed cells, several sheets."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

Cell = str | float | int | bool | date | None

_MIME = "application/vnd.oasis.opendocument.spreadsheet"
_MANIFEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="{_MIME}"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""
_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def _cell(value: Cell) -> str:
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, bool):  # before int: a bool is an int
        attrs = f'office:value-type="boolean" office:boolean-value="{"true" if value else "false"}"'
        shown = "TRUE" if value else "FALSE"
    elif isinstance(value, int | float):
        attrs, shown = f'office:value-type="float" office:value="{value}"', str(value)
    elif isinstance(value, date):
        attrs, shown = f'office:value-type="date" office:date-value="{value.isoformat()}"', value.isoformat()
    else:
        attrs, shown = 'office:value-type="string"', value
    return f"<table:table-cell {attrs}><text:p>{escape(shown)}</text:p></table:table-cell>"


def write_ods(path: Path, sheets: dict[str, list[list[Cell]]]) -> Path:
    tables = "".join(
        f"<table:table table:name={quoteattr(name)}>"
        + "".join("<table:table-row>" + "".join(map(_cell, row)) + "</table:table-row>" for row in rows)
        + "</table:table>"
        for name, rows in sheets.items()
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_NS} office:version="1.2">'
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), _MIME, compress_type=zipfile.ZIP_STORED)  # first, not packed
        z.writestr("META-INF/manifest.xml", _MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path
