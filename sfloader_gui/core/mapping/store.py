"""Saved mappings: remembered per org, object and header set, reapplied when the same header comes back.

One JSON file (``mappings.json`` in ``paths.config_dir()``), written atomically, shared by the app and
``sfloader`` (a mapping made in one is used by the other). The header set is the file's column names,
compared ignoring case and order, so a re-export with the columns moved still finds its mapping. Choices
that belong to a file (encoding, date order) are kept with it, and so is "Rows only update existing
records" (``LoadOptions.allow_missing_required``: a mapping made for an update-only file leaves required
fields out, and is refused again without it). The org is its instance URL; an org on
this computer (the demo org, started on another port each time) is one org whatever its port.

API::

    class MappingStore(path=None):
        get(org, object_name, header) -> Saved | None
        put(org, object_name, header, mapping, choices=None, *, allow_missing_required=False) -> None
        forget(org, object_name, header) -> bool       # True: there was one
    org_key(instance_url) -> str
    @dataclass class Saved: mapping: Mapping; choices: dict[str, str]; allow_missing_required: bool
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sfloader_gui.core import paths
from sfloader_gui.core.mapping.jsonfile import JsonFile
from sfloader_gui.core.mapping.model import ColumnMap, Mapping, header_key

_LOCK = threading.Lock()


@dataclass
class Saved:
    mapping: Mapping
    choices: dict[str, str] = field(default_factory=dict)
    allow_missing_required: bool = False  # "Rows only update existing records" was on when it was saved


def org_key(instance_url: str) -> str:
    """The org part of the key: its URL, without the port for an org on this computer (the demo org)."""
    url = urlsplit(instance_url.strip().lower().rstrip("/"))
    if url.hostname in ("127.0.0.1", "localhost", "::1"):
        return f"{url.scheme}://{url.hostname}"
    return url.geturl()


def _key(org: str, object_name: str, header: Sequence[str]) -> str:
    text = json.dumps([org_key(org), object_name.lower(), list(header_key(header))])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class MappingStore(JsonFile):
    def __init__(self, path: Path | None = None) -> None:
        super().__init__(path or paths.config_dir() / "mappings.json")

    def get(self, org: str, object_name: str, header: Sequence[str]) -> Saved | None:
        entry = self._read().get(_key(org, object_name, header))
        if not isinstance(entry, dict):
            return None
        by_col = {str(d["column"]).lower(): d for d in entry.get("mapping", [])}
        columns = []
        for column in header:
            d = by_col.get(column.lower())
            if d is None:
                return None
            target = d.get("field")
            columns.append(ColumnMap(column, target, "saved" if target else "ignored"))
        updates_only = entry.get("allow_missing_required") is True
        return Saved(Mapping(tuple(columns)), dict(entry.get("choices", {})), updates_only)

    def put(
        self,
        org: str,
        object_name: str,
        header: Sequence[str],
        mapping: Mapping,
        choices: dict[str, str] | None = None,
        *,
        allow_missing_required: bool = False,
    ) -> None:
        with _LOCK:
            data = self._read()
            data[_key(org, object_name, header)] = {
                "org": org,
                "object": object_name,
                "header": list(header),
                "mapping": [
                    {"column": c.column, "field": c.target if c.sent else None} for c in mapping.columns
                ],
                "choices": choices or {},
                "allow_missing_required": allow_missing_required,
            }
            self._write(data)

    def forget(self, org: str, object_name: str, header: Sequence[str]) -> bool:
        with _LOCK:
            data = self._read()
            if data.pop(_key(org, object_name, header), None) is None:
                return False
            self._write(data)
            return True
