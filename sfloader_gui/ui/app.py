"""Application start-up for the desktop app (filled in by the desktop-app work)."""

from __future__ import annotations


def run(argv: list[str]) -> int:
    raise SystemExit("sfloader-gui: not built yet")
