"""The encoding chosen for one file ("Read as Windows-1252" in the app), remembered across restarts.

Keyed by the file's resolved path, size and modification time: an edited or replaced file is a new file
and is checked afresh. One JSON file (``file_choices.json`` in ``paths.config_dir()``, next to the saved
mappings), written atomically; beyond ``LIMIT`` files the oldest choices are dropped.

API::

    class FileChoices(path=None):
        encoding(file) -> str | None              # None: nothing remembered (or the file changed)
        remember_encoding(file, encoding) -> None # encoding None forgets it
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
        key = _key(file)
        entry = self._read().get(key) if key is not None else None
        value = entry.get("encoding") if isinstance(entry, dict) else None
        return value if isinstance(value, str) else None

    def remember_encoding(self, file: Path, encoding: str | None) -> None:
        key = _key(file)
        if key is None:
            return
        with _LOCK:
            data = self._read()
            data.pop(key, None)  # re-inserted last: the newest choices survive the trim
            if encoding is not None:
                data[key] = {"path": str(file), "encoding": encoding}
            for old in list(data)[: max(0, len(data) - LIMIT)]:
                del data[old]
            self._write(data)
