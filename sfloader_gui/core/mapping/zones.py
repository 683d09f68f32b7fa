"""The computer's time zone as an IANA name, when it can be known for sure (else None: "computer")."""

from __future__ import annotations

import os
import zoneinfo
from pathlib import Path

LOCALTIME = Path("/etc/localtime")
_MARK = "zoneinfo/"
_NOT_PORTABLE = frozenset({"localtime", "posixrules", "Factory"})  # files in zoneinfo that name no zone


def computer_zone(env: dict[str, str] | None = None, localtime: Path = LOCALTIME) -> str | None:
    """What the C library reads datetimes in (``astimezone()``), by name: ``TZ`` when set (the library
    uses it before anything else), else the zone file ``/etc/localtime`` links to (Linux, macOS). None
    when unknown (Windows, a POSIX rule such as ``EST5EDT,M3.2.0,M11.1.0``, a copied zone file): the
    manifest then says "computer", as before. Datetimes are converted in the zone named here, so a retry
    on another computer reads them the same way."""
    tz = (os.environ if env is None else env).get("TZ")
    if tz is not None:
        return "UTC" if tz in ("", ":") else _valid(tz.removeprefix(":"))  # TZ set but empty: UTC
    try:
        if not localtime.is_symlink():
            return None
        target = str(localtime.resolve())
    except OSError:
        return None
    return _valid(target) if _MARK in target else None


def _valid(name: str) -> str | None:
    """``name`` (or the part of a zone file's path after ``zoneinfo/``) if zoneinfo knows it."""
    if _MARK in name:
        name = name.rsplit(_MARK, 1)[1]
    if not name or name.startswith("/") or ".." in name or name in _NOT_PORTABLE:
        return None
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None
    return name
