"""The encoding chosen for a file ("Read as Windows-1252") and a workbook's sheet, kept across restarts.

Keyed by the file's resolved path, size and modification time: an edited or replaced file is a new file
and is checked afresh. One JSON file (``file_choices.json`` in ``paths.config_dir()``, next to the saved
mappings), written atomically; beyond ``LIMIT`` files the oldest choices are dropped.

API::

    class FileChoices(path=None):
        encoding(file) -> str | None              # None: nothing remembered (or the file changed)
        remember_encoding(file, encoding) -> None # encoding None forgets it
        sheet(file) -> str | None                 # the workbook sheet the user chose
        remember_sheet(file, sheet) -> None       # sheet None forgets it
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

from sfloader_gui.core import paths
from sfloader_gui.core.mapping.jsonfile import JsonFile

LIMIT = 500
_LOCK = threading.Lock()


def _key(file: Path) -> str | None:
    try:
        real = file.resolve()
        st = real.stat()
    except OSError:
        return None
    text = json.dumps([str(real), st.st_size, st.st_mtime_ns])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class FileChoices(JsonFile):
    def __init__(self, path: Path | None = None) -> None:
        super().__init__(path or paths.config_dir() / "file_choices.json")

    def encoding(self, file: Path) -> str | None:
        return self._get(file, "encoding")

    def remember_encoding(self, file: Path, encoding: str | None) -> None:
        self._set(file, "encoding", encoding)

    def sheet(self, file: Path) -> str | None:
        return self._get(file, "sheet")

    def remember_sheet(self, file: Path, sheet: str | None) -> None:
        self._set(file, "sheet", sheet)

    def _get(self, file: Path, what: str) -> str | None:
        key = _key(file)
        entry = self._read().get(key) if key is not None else None
        value = entry.get(what) if isinstance(entry, dict) else None
        return value if isinstance(value, str) else None

    def _set(self, file: Path, what: str, value: str | None) -> None:
        key = _key(file)
        if key is None:
            return
        with _LOCK:
            data = self._read()
            old = data.pop(key, None)  # re-inserted last: the newest choices survive the trim
            entry = {k: v for k, v in old.items() if k != what} if isinstance(old, dict) else {}
            entry["path"] = str(file)
            if value is not None:
                entry[what] = value
            if set(entry) != {"path"}:  # nothing else left: the file is forgotten
                data[key] = entry
            for stale in list(data)[: max(0, len(data) - LIMIT)]:
                del data[stale]
            self._write(data)
