"""A load's threads share two glibc malloc arenas instead of one each (less memory left resident)."""

from __future__ import annotations

import ctypes
import sys
import threading

# Why (issue 12, peak RSS under 64 MiB): glibc gives each thread that allocates its own arena, up to 8 per
# core. A load has up to 15 part threads plus the compressors, each passing 256-512 KiB buffers through
# its arena, and what a thread frees stays resident in that arena. Two arenas for all of them: the
# 15-part narrow file's peak RSS went from 53 to 47 MiB with 4 uploads at once, 68 to 60 MiB with 15,
# wall time unchanged. Not glibc (macOS, Windows, musl): nothing to do.
ARENAS = 2
_M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h
_done = False
_lock = threading.Lock()


def share_malloc_arenas() -> None:
    """Once per process, before a load starts its threads; threads that already have an arena keep it."""
    global _done
    with _lock:
        if _done:
            return
        _done = True
        if not sys.platform.startswith("linux"):
            return
        try:
            libc = ctypes.CDLL(None)
            if not hasattr(libc, "gnu_get_libc_version"):  # musl has mallopt, but no arenas to cap
                return
            libc.mallopt(_M_ARENA_MAX, ARENAS)
        except (OSError, AttributeError):
            return
