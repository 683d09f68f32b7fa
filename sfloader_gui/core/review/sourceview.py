"""How the workbench shows a mapped or converted file's rows: its own columns, under its own headers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sfloader_gui.core.load.results import ManifestFile
from sfloader_gui.core.mapping.model import DECIDED


@dataclass(frozen=True)
class SourceView:
    """One source file of a run that was not sent as it is (issue 11), from its manifest entry.

    ``fields[i]`` is the API name source column ``header[i]`` was sent as, None when it was not sent
    (ignored, or not listed by a ``.sdl``). ``converted`` names the columns whose values were converted:
    the workbench shows the value as sent beside the file's own value there.
    """

    header: tuple[str, ...]
    fields: tuple[str | None, ...]
    converted: frozenset[str]
    transform: dict[str, Any]

    def column_of(self, field: str) -> str | None:
        """The source column sent as ``field`` (any case)."""
        wanted = field.casefold()
        return next(
            (c for c, f in zip(self.header, self.fields, strict=True) if f and f.casefold() == wanted), None
        )

    def note(self, column: str) -> str:
        """What became of a source column, for its header's tooltip."""
        field = self.fields[self.header.index(column)]
        if field is None:
            return f"{column}: a column of the file that was not sent (ignored by the mapping)."
        how = ", converted" if column in self.converted else ""
        return f"{column}: the file's column, sent as {field}{how}."


def source_view(entry: ManifestFile) -> SourceView | None:
    """The view of a manifest ``files`` entry; None when its columns went under their own names unchanged."""
    transform = entry.get("transform")
    if not transform or not transform.get("mapping"):
        return None
    header = tuple(str(m["column"]) for m in transform["mapping"])
    fields = tuple(
        str(m["field"]) if m.get("field") and str(m.get("how", "saved")) in DECIDED else None
        for m in transform["mapping"]
    )
    converted = frozenset(str(r["column"]) for r in transform.get("conversions") or [])
    if not converted and all(f == c for c, f in zip(header, fields, strict=True)):
        return None  # sent under its own header, values as they are (another encoding, say)
    return SourceView(header, fields, converted, transform)
