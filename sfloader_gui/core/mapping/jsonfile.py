"""A small JSON object in one private file of the config dir, read whole and written whole, atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sfloader_gui.core.private import opener


class JsonFile:
    """``_read()`` gives ``{}`` for a missing or unreadable file; ``_write(data)`` replaces it at once."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self, data: dict[str, Any]) -> None:
        tmp = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8", opener=opener) as out:  # 0600, like every file of the app
            out.write(json.dumps(data, indent=1, ensure_ascii=False))
        os.replace(tmp, self.path)
