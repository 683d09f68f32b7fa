"""The headless `sfloader` command (filled in by the load-engine work)."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    raise SystemExit("sfloader: not built yet")
