"""The forms a leaked secret takes in text, written independently of the app's redaction code."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote, quote_plus


def forms(secret: str) -> dict[str, str]:
    """Raw, escaped (repr / backslash escapes), JSON-encoded and URL-encoded forms, by name."""
    return {
        "raw": secret,
        "escaped": secret.encode("unicode_escape").decode("ascii"),
        "repr": repr(secret)[1:-1],
        "json": json.dumps(secret)[1:-1],
        "url": quote(secret, safe=""),
        "url+": quote_plus(secret),
    }


def leaks(text: str | bytes, secrets: set[str], where: str) -> list[str]:
    """Each (where, secret form) found in ``text``: empty when nothing leaked."""
    data = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return [f"{where}: {name} form of {secret[:8]}…" for secret in secrets
            for name, form in forms(secret).items() if form in data]  # fmt: skip


def leaks_in_tree(root: Path, secrets: set[str]) -> list[str]:
    found: list[str] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        found += leaks(path.read_bytes(), secrets, str(path.relative_to(root)))
    return found
