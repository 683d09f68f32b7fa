"""Files and folders only this user may read: folders 0700, files 0600, whatever the umask (POSIX)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path, *, tighten: bool = True) -> Path:
    """Make ``path`` (and missing parents) 0700; ``tighten`` also narrows a folder that already exists.

    Use ``tighten=False`` for a folder the user chose (an export or output folder they may share): it is
    created private when missing but never changed when it is theirs.
    """
    existed = path.is_dir()
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    if tighten or not existed:
        _chmod(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty as 0600 if missing (before SQLite or a log handler opens it), else narrow it.

    SQLite gives its -wal and -shm files the mode of the database file, so they follow.
    """
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    _chmod(path, FILE_MODE)
    return path


def opener(path: str | os.PathLike[str], flags: int) -> int:
    """``open(..., opener=opener)``: a file this call creates is 0600 from its first byte."""
    return os.open(path, flags, FILE_MODE)


def _chmod(path: Path, mode: int) -> None:
    # Best effort: on Windows only the read-only bit exists (the profile folder is already private),
    # and a file of another user on a shared drive cannot be changed; neither must stop the app.
    if os.name == "posix":
        with contextlib.suppress(OSError):
            path.chmod(mode)
