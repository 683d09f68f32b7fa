"""Datetimes are converted from the computer's time zone unless `--time-zone` names one (issue 11).

`sfloader` runs in a child process with TZ set, as a user's computer in New York would; the records are
read back through the emulator's REST query (it keeps datetimes in UTC, as Salesforce does).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.core.load.loadkit import connect

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="TZ is read by the C library on POSIX only")


def _sfloader(emulator: Any, src: Path, *extra: str, tz: str = "America/New_York") -> dict[str, Any]:
    argv = [sys.executable, "-m", "sfloader_gui.cli", "upsert", str(src), "--object", "Account",
            "--external-id", "External_Id__c", "--instance-url", emulator.instance_url,
            "--access-token", emulator.access_token, "--poll-interval", "0.05", "--json", *extra]  # fmt: skip
    env = {**os.environ, "TZ": tz}
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((Path(json.loads(done.stdout)["run_dir"]) / "manifest.json").read_text())
    return dict(manifest)


def _reviews(emulator: Any) -> dict[str, str]:
    with connect(emulator) as conn:
        found = conn.get_json("query", params={"q": "SELECT External_Id__c, Last_Review__c FROM Account"})
    return {r["External_Id__c"]: str(r["Last_Review__c"])[:19] for r in found["records"]}


def test_datetimes_are_read_in_the_computers_zone_unless_a_zone_is_given(
    emulator: Any, tmp_path: Path
) -> None:
    src = tmp_path / "reviews.csv"
    src.write_text(
        "External Id,Account Name,Last Review\n"
        "TZ1,Summer,7/1/2026 1:05 PM\n"  # New York is on daylight time (UTC-4) in July
        "TZ2,Winter,12/31/2026 23:59\n",  # and on standard time (UTC-5) in December
        encoding="utf-8",
    )
    manifest = _sfloader(emulator, src)
    (rule,) = [r for r in manifest["files"][0]["transform"]["conversions"] if r["column"] == "Last Review"]
    assert rule["time_zone"] == "America/New_York"  # the computer's zone, by name: a retry elsewhere agrees
    assert _reviews(emulator) == {"TZ1": "2026-07-01T17:05:00", "TZ2": "2027-01-01T04:59:00"}

    # A zone given as a POSIX rule has no IANA name: "computer", read as the C library reads it.
    manifest = _sfloader(emulator, src, tz="EST5EDT,M3.2.0,M11.1.0")
    (rule,) = [r for r in manifest["files"][0]["transform"]["conversions"] if r["column"] == "Last Review"]
    assert rule["time_zone"] == "computer"
    assert _reviews(emulator) == {"TZ1": "2026-07-01T17:05:00", "TZ2": "2027-01-01T04:59:00"}

    manifest = _sfloader(emulator, src, "--time-zone", "Asia/Tokyo")  # UTC+9, no daylight time
    (rule,) = [r for r in manifest["files"][0]["transform"]["conversions"] if r["column"] == "Last Review"]
    assert rule["time_zone"] == "Asia/Tokyo"
    assert _reviews(emulator) == {"TZ1": "2026-07-01T04:05:00", "TZ2": "2026-12-31T14:59:00"}
