"""Compress a stream of byte chunks as one gzip member, chunk by chunk (never the whole body in memory).

API::

    DEFAULT_GZIP_LEVEL: int
    gzip_chunks(chunks: Iterable[bytes], level=DEFAULT_GZIP_LEVEL) -> Iterator[bytes]
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

# Level 1, from measurement on the 1M-row benchmark file (265 MB, see bench/bench_csvio.py):
# compression is the client's main CPU cost during upload, and level 1 compresses several times
# faster than 6 for a modestly larger body; on loopback and on typical office links the CPU saved
# is worth more than the bytes. Level 9 costs more CPU than 6 for almost no smaller body.
DEFAULT_GZIP_LEVEL = 1
_MIN_OUT = 64 << 10  # hand out compressed data in pieces of at least 64 KiB (fewer, larger writes)


def gzip_chunks(chunks: Iterable[bytes], level: int = DEFAULT_GZIP_LEVEL) -> Iterator[bytes]:
    """Yield the gzip encoding (RFC 1952, wbits=31) of the concatenated ``chunks``."""
    comp = zlib.compressobj(level, zlib.DEFLATED, 31)
    pending: list[bytes] = []
    size = 0
    for chunk in chunks:
        out = comp.compress(chunk)
        if out:
            pending.append(out)
            size += len(out)
            if size >= _MIN_OUT:
                yield b"".join(pending)
                pending, size = [], 0
    pending.append(comp.flush())
    yield b"".join(pending)
