"""Which app processes are alive: each holds a lock file, so a crashed run's journal rows stand out."""

from __future__ import annotations

import sys
import threading
import uuid
from pathlib import Path
from typing import IO

from sfloader_gui.core import paths
from sfloader_gui.core.private import opener, private_dir

# Why a lock and not a pid: pids are reused, and probing a pid on Windows (os.kill) terminates it.
# The OS drops a process's locks when it dies, however it dies, so a lock we can take is a dead owner.

_lock = threading.Lock()
_mine: tuple[str, IO[bytes]] | None = None


def _folder() -> Path:
    return private_dir(paths.data_dir() / "owners")


def _try_lock(f: IO[bytes]) -> bool:
    try:
        if sys.platform == "win32":
            import msvcrt

            f.seek(0)
            msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def this_process() -> str:
    """This process's owner id; its lock file stays locked until the process ends."""
    global _mine
    with _lock:
        if _mine is None:
            owner = uuid.uuid4().hex
            f = open(_folder() / f"{owner}.lock", "a+b", opener=opener)  # noqa: SIM115 - held open for the process's life
            if not _try_lock(f):  # a fresh random name cannot be locked by anyone else
                raise OSError(f"could not lock {f.name}")
            _mine = (owner, f)
        return _mine[0]


def is_other_alive(owner: str | None) -> bool:
    """True while the process that wrote ``owner`` runs and is not this one."""
    if _mine is not None and owner == _mine[0]:
        return False
    return is_alive(owner)


def is_alive(owner: str | None) -> bool:
    """True while the process that wrote ``owner`` runs (this process included); unknown owners are dead."""
    if not owner:
        return False
    if _mine is not None and owner == _mine[0]:
        return True
    path = _folder() / f"{owner}.lock"
    if not path.exists():
        return False
    with open(path, "a+b") as f:
        if not _try_lock(f):
            return True
    # Dead: its lock file is no longer needed.
    try:
        path.unlink()
    except OSError:
        pass
    return False


def end_this_process() -> None:
    """Release this process's lock as its end would (at exit, and in tests that play a crash)."""
    global _mine
    with _lock:
        if _mine is not None:
            _mine[1].close()
            _mine = None
