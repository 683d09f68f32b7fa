"""The computer's time zone by name (issue 11): what a manifest records when no --time-zone is given."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sfloader_gui.core.mapping.zones import computer_zone

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need rights on Windows")


def test_tz_comes_first_and_names_only_known_zones(tmp_path: Path) -> None:
    paris = tmp_path / "localtime"
    paris.symlink_to(tmp_path / "usr" / "share" / "zoneinfo" / "Europe" / "Paris")
    assert computer_zone({"TZ": "America/New_York"}, paris) == "America/New_York"
    assert computer_zone({"TZ": ":Asia/Tokyo"}, paris) == "Asia/Tokyo"
    assert computer_zone({"TZ": "/usr/share/zoneinfo/Asia/Tokyo"}, paris) == "Asia/Tokyo"
    assert computer_zone({"TZ": ""}, paris) == "UTC"  # set but empty: the C library reads UTC
    # TZ set to what has no IANA name: unknown (not the link's zone: the C library reads TZ, not the link).
    assert computer_zone({"TZ": "EST5EDT,M3.2.0,M11.1.0"}, paris) is None
    assert computer_zone({"TZ": "Mars/Olympus_Mons"}, paris) is None
    assert computer_zone({"TZ": "../../etc/passwd"}, paris) is None


def test_the_link_of_etc_localtime_names_the_zone(tmp_path: Path) -> None:
    link = tmp_path / "localtime"
    link.symlink_to(Path("/var/db/timezone/zoneinfo/Europe/Paris"))  # macOS puts it there
    assert computer_zone({}, link) == "Europe/Paris"
    copied = tmp_path / "copied"
    copied.write_bytes(b"TZif2")  # a zone file copied in place: which zone it is cannot be told for sure
    assert computer_zone({}, copied) is None
    assert computer_zone({}, tmp_path / "none") is None
    odd = tmp_path / "odd"
    odd.symlink_to(tmp_path / "zoneinfo" / "localtime")
    assert computer_zone({}, odd) is None
