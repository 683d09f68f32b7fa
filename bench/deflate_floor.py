"""How small any gzip upload of a file can be, and what that means on a link of a given speed.

Usage:
    uv run python bench/deflate_floor.py [--csv FILE] [--sample-mib 4] [--mbit 20] [--baseline-s 120.9]
    uv run --with zopfli python bench/deflate_floor.py ...   # adds zopfli, the tightest known deflate encoder

Salesforce decompresses request bodies sent as ``gzip`` or ``deflate`` only: both are DEFLATE streams, so
the wire bytes of any upload of this file are at least what the best DEFLATE encoder makes of it. zlib's
levels are measured on the whole file (``--sample-mib 0``) or on a slice from its middle; zopfli (about
100x slower than zlib 9, never usable for a load) and bzip2 / xz (formats Salesforce does not take) on the
slice only, to show how far the format itself is from the data's redundancy. With ``--baseline-s`` (the
other client's wall time on the same link) it prints the smallest wall-time ratio any gzip client could
reach: the floor's bytes at the full link rate, with no check, no job creation and no processing time.
"""

from __future__ import annotations

import argparse
import bz2
import lzma
import time
import zlib
from collections.abc import Callable
from pathlib import Path

DEFAULT_CSV = Path("/tmp/sfloader-bench/accounts_1000000.csv")


def _sample(path: Path, mib: int) -> bytes:
    """A slice of whole records from the middle of the file (mib 0: the whole file)."""
    size = path.stat().st_size
    with path.open("rb") as f:
        if mib <= 0:
            return f.read()
        f.seek(max(0, size // 2 - mib * 2**19))
        data = f.read(mib * 2**20)
    # Start after a line end; a quoted value spanning lines shifts nothing worth counting in 4 MiB.
    return data[data.index(b"\n") + 1 : data.rindex(b"\n") + 1]


def _zlib(level: int) -> Callable[[bytes], int]:
    return lambda data: len(zlib.compress(data, level))


def _encoders(with_slow: bool) -> list[tuple[str, Callable[[bytes], int]]]:
    out = [(f"gzip level {lvl} (zlib)", _zlib(lvl)) for lvl in (1, 4, 6, 9)]
    if not with_slow:
        return out
    try:
        import zopfli.gzip  # type: ignore[import-not-found]  # optional: `uv run --with zopfli`
    except ImportError:
        print("(zopfli not installed: run with `uv run --with zopfli` to add the tightest deflate)")
    else:
        out.append(("gzip by zopfli, 15 iterations", lambda d: len(zopfli.gzip.compress(d))))
    out += [
        ("bzip2 -9 (not accepted by Salesforce)", lambda d: len(bz2.compress(d, 9))),
        ("xz -6 (not accepted by Salesforce)", lambda d: len(lzma.compress(d))),
    ]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    ap.add_argument("--sample-mib", type=int, default=4, help="slice size; 0 = whole file (zlib only)")
    ap.add_argument("--mbit", type=float, default=20.0, help="link speed for the time figures")
    ap.add_argument("--baseline-s", type=float, default=0.0, help="the other client's wall time, s")
    args = ap.parse_args()
    data = _sample(args.csv, args.sample_mib)
    total = args.csv.stat().st_size
    link = args.mbit * 1e6 / 8  # bytes per second, the whole link
    what = "the whole file" if args.sample_mib <= 0 else f"a {len(data) / 2**20:.1f} MiB slice"
    print(f"{args.csv.name}: {total / 1e6:.1f} MB; measured on {what}; link {args.mbit:g} Mbit/s")
    print(f"{'encoder':40} {'of raw':>7} {'file MB':>8} {'link s':>7} {'floor ratio':>11} {'enc MB/s':>8}")
    for name, size_of in _encoders(with_slow=args.sample_mib > 0):
        t0 = time.perf_counter()
        share = size_of(data) / len(data)
        took = time.perf_counter() - t0
        wire = share * total
        secs = wire / link
        ratio = f"{secs / args.baseline_s:.3f}" if args.baseline_s else "-"
        speed = len(data) / took / 1e6
        print(f"{name:40} {share:7.1%} {wire / 1e6:8.1f} {secs:7.1f} {ratio:>11} {speed:8.1f}")


if __name__ == "__main__":
    main()
