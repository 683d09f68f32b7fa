"""File-mode checks for the app's private files: every folder 0700, every file 0600 (POSIX only)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def usual_umask() -> Iterator[None]:
    """The common umask 022, under which anything created without an explicit mode is world-readable."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def wide_open(root: Path) -> list[str]:
    """Every folder under ``root`` that is not 0700 and every file that is not 0600, with its mode."""
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            continue
        mode = stat.S_IMODE(path.lstat().st_mode)
        want = 0o700 if path.is_dir() else 0o600
        if mode != want:
            found.append(f"{path.relative_to(root)}: {oct(mode)}")
    return found
