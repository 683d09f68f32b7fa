"""The demo org's files hold the user's records: created 0600 (POSIX), in folders made 0700."""

from __future__ import annotations

import os


def opener(path: str | os.PathLike[str], flags: int) -> int:
    """``open(..., opener=opener)``: a file this call creates is readable by this user only."""
    return os.open(path, flags, 0o600)
