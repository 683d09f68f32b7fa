"""Sort dropped or picked paths: CSV files and workbooks to keep, the rest ignored with a reason (no Qt)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sfloader_gui.core.mapping.source import WORKBOOK_SUFFIXES

# Workbooks are read like CSV files (issue 11): one sheet (the first unless the user picks another on the
# file's row), typed cells, the same checks.
CSV_SUFFIXES = frozenset({".csv"}) | WORKBOOK_SUFFIXES
_MAX_FOLDER_FILES = 10_000  # a dropped home folder must not freeze the window listing it


MANIFEST = "manifest.json"  # what makes a folder a run folder (core/load/results.py writes it)


@dataclass
class Intake:
    kept: list[Path] = field(default_factory=list)
    ignored: list[tuple[Path, str]] = field(default_factory=list)
    runs: list[Path] = field(default_factory=list)  # run folders: opened for review, never loaded


def run_folder_of(path: Path) -> Path | None:
    """The run folder ``path`` is (or whose manifest it is), else None."""
    if path.is_dir() and (path / MANIFEST).is_file():
        return path
    if path.name == MANIFEST and path.is_file():
        return path.parent
    return None


def _walk(folder: Path) -> Iterable[Path]:
    """Files under ``folder`` (recursively, hidden entries skipped), in a stable order."""
    seen = 0
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            seen += 1
            if seen > _MAX_FOLDER_FILES:
                return
            yield Path(root) / name


def _reason(path: Path) -> str | None:
    """Why ``path`` cannot be loaded, or None when it is a CSV file (or a workbook) worth keeping."""
    if path.suffix.lower() not in CSV_SUFFIXES:
        kind = path.suffix.lower() or "no extension"
        return f"not a CSV file or a workbook ({kind}); save it as CSV (UTF-8) first"
    try:
        if path.stat().st_size == 0:
            return "the file is empty"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if not os.access(path, os.R_OK):
        return "cannot be read (permission denied)"
    return None


def sort_paths(paths: Iterable[Path], already: Iterable[Path] = ()) -> Intake:
    """Expand folders, keep readable non-empty CSV files and workbooks once each, say why the rest are
    ignored."""
    intake = Intake()
    known = {p.resolve() for p in already}
    for raw in paths:
        path = Path(raw)
        run = run_folder_of(path)
        if run is not None:  # its success/failed/unprocessed CSVs are results, not input
            intake.runs.append(run.resolve())
            continue
        if path.is_dir():
            candidates: Iterable[Path] = _walk(path)
        elif path.exists():
            candidates = [path]
        else:
            intake.ignored.append((path, "it no longer exists"))
            continue
        for candidate in candidates:
            reason = _reason(candidate)
            resolved = candidate.resolve()
            if reason is None and resolved in known:
                reason = "already in the list"
            if reason is None:
                known.add(resolved)
                intake.kept.append(resolved)
            else:
                intake.ignored.append((candidate, reason))
    return intake
