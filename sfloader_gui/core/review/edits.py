"""The working copy of a user's edits: a small JSON file beside the run's results, never in them."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from sfloader_gui.core.private import private_dir

SCHEMA = 1


class WorkingCopy:
    """Edited cells keyed by results file (relative path) and row; saved after every change.

    The raw Salesforce files are never written: retries and Excel-safe exports read values through this.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._edits: dict[str, dict[int, dict[str, str]]] = {}
        self.load_problem = ""
        self._load()

    def _load(self) -> None:
        if not self.path.is_file():
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self._edits = {
                key: {int(row): dict(cells) for row, cells in rows.items()}
                for key, rows in data.get("edits", {}).items()
            }
        except (OSError, ValueError, AttributeError, TypeError) as exc:
            # Keep the damaged file for the user; start clean rather than refuse to open the run.
            self.load_problem = (
                f"Your saved edits in {self.path} could not be read ({exc}); starting without them."
            )
            self.path.replace(self.path.with_suffix(".damaged.json"))

    def get(self, file_key: str, row: int) -> dict[str, str]:
        return self._edits.get(file_key, {}).get(row, {})

    def set(self, file_key: str, row: int, column: str, value: str, original: str) -> None:
        """Record an edit; setting a cell back to what Salesforce returned removes the edit."""
        rows = self._edits.setdefault(file_key, {})
        cells = rows.setdefault(row, {})
        if value == original:
            cells.pop(column, None)
            if not cells:
                rows.pop(row, None)
        else:
            cells[column] = value
        self.save()  # OSError goes to the caller; the edit stays in memory and is saved with the next one

    @property
    def count(self) -> int:
        return sum(len(cells) for rows in self._edits.values() for cells in rows.values())

    def edited_rows(self, file_key: str) -> dict[int, dict[str, str]]:
        return self._edits.get(file_key, {})

    def save(self) -> None:
        """Atomic replace: a crash mid-save leaves the previous edits, never half a file."""
        private_dir(self.path.parent)
        data = {
            "schema": SCHEMA,
            "edits": {k: {str(r): c for r, c in v.items()} for k, v in self._edits.items() if v},
        }
        fd, tmp = tempfile.mkstemp(prefix=".edits.", suffix=".part", dir=self.path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, indent=1)
        os.replace(tmp, self.path)
