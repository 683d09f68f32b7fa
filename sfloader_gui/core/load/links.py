"""The gzip level each org's link ended a run at, remembered between runs so the next one starts there.

The tuner (``csvio/pgzip.py``) learns a link in a few seconds of each process's first upload: on a slow
link it starts at level 1 and climbs to 6, sending the first ~25 % of the 1M-row file 8 % larger than it
needs to (0.26 s of a 7.5 s load on a shared 100 Mbit/s link). ``sfloader`` is one process a run, and
the app starts afresh after a restart, so each would relearn the same office line. Remembered per
instance URL for ``MAX_AGE``: a laptop that moved to a network taking 1.5x more than remembered is
corrected by the tuner within two decisions (about 2 s), and a memory older than that is ignored. A
file that cannot be read or written only costs the relearning: never an error.

With the level goes the rate the link took while the compressors were ahead of it, when the run saw
one: without it the tuner cannot tell, in a run's first seconds, a link as slow as before from a faster
one (both keep the uploads waiting while the socket buffers fill), and it stepped down to find out,
sending 3-4 MB more of the 1M-row file at 100 Mbit/s. A run that never saw the link take less than
the compressors made, but was not contradicted by it either, passes the old rate on with its old age:
a rate expires ``MAX_AGE`` after a run last saw it, whatever the runs in between did.

API::

    remembered_level(instance_url, now=None) -> int | None   # a level of pgzip.LADDER, or None
    remembered_link(instance_url, now=None) -> float | None  # compressed bytes/s the link took
    remember_level(instance_url, level, now=None, link=None, seen=True) -> None
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from pathlib import Path

from sfloader_gui.core import paths
from sfloader_gui.core.csvio.pgzip import LADDER

log = logging.getLogger(__name__)

LINKS_FILE = "links.json"
MAX_AGE = 14 * 24 * 3600.0  # seconds a remembered level is trusted
_MAX_ORGS = 50  # entries kept (the oldest go first)


def _path() -> Path:
    return paths.data_dir() / LINKS_FILE


def _read() -> dict[str, dict[str, float]]:
    try:
        data = json.loads(_path().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.debug("Ignoring %s: %s", LINKS_FILE, exc)
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        url: entry
        for url, entry in data.items()
        if isinstance(entry, dict)
        and isinstance(entry.get("level"), int)
        and isinstance(entry.get("at"), int | float)
    }


def remembered_level(instance_url: str, now: float | None = None) -> int | None:
    """The level the last run to ``instance_url`` ended at, if it was recent; None otherwise."""
    entry = _read().get(instance_url)
    if entry is None:
        return None
    age = (time.time() if now is None else now) - entry["at"]
    level = int(entry["level"])
    return level if level in LADDER and 0 <= age <= MAX_AGE else None


def remembered_link(instance_url: str, now: float | None = None) -> float | None:
    """The compressed bytes/s a recent run to ``instance_url`` saw its link take, if one did; else None."""
    entry = _read().get(instance_url)
    if entry is None:
        return None
    link, seen = entry.get("link"), entry.get("link_at")
    if not isinstance(link, int | float) or not isinstance(seen, int | float) or not 0 < link < 1e12:
        return None
    now = time.time() if now is None else now
    fresh = 0 <= now - entry["at"] <= MAX_AGE and 0 <= now - seen <= MAX_AGE
    return float(link) if fresh and entry["level"] in LADDER else None


def remember_level(
    instance_url: str, level: int, now: float | None = None, link: float | None = None, seen: bool = True
) -> None:
    """Keep ``level`` (and the ``link`` rate) as where the next run to ``instance_url`` starts (atomic
    replace of the file). ``seen=False``: the rate is the one remembered, which the run did not see
    again but did not contradict either; it keeps the age it had, so it still expires."""
    if level not in LADDER:
        return
    data = _read()
    stamp = time.time() if now is None else now
    entry: dict[str, float] = {"level": level, "at": stamp}
    before = data.get(instance_url, {})
    if link is not None and link > 0:
        if seen:
            entry["link"], entry["link_at"] = round(link), stamp
        elif isinstance(before.get("link_at"), int | float):
            entry["link"], entry["link_at"] = round(link), before["link_at"]
    data[instance_url] = entry
    kept = dict(sorted(data.items(), key=lambda kv: kv[1]["at"])[-_MAX_ORGS:])
    tmp: str | None = None
    try:
        target = _path()
        fd, tmp = tempfile.mkstemp(prefix=".links-", suffix=".json", dir=target.parent)  # mode 0600
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(kept, fh, indent=1, sort_keys=True)
        os.replace(tmp, target)
    except OSError as exc:  # a full or read-only disk: the next run relearns the link
        log.debug("Could not write %s: %s", LINKS_FILE, exc)
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


__all__ = ["remember_level", "remembered_level", "remembered_link"]
