"""The real app as a user starts it, on a real X server (CI runs `pytest -m xvfb` under xvfb-run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.xvfb
def test_app_starts_loads_the_demo_samples_and_exits_0(tmp_path: Path) -> None:
    if not os.environ.get("DISPLAY"):
        pytest.skip("needs an X server: run under xvfb-run")
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "SFLOADER_HOME": str(tmp_path / "home")}
    shot = tmp_path / "after.png"
    proc = subprocess.run(
        [sys.executable, "-m", "sfloader_gui", "--demo", "--auto-load-samples", "--quit-when-done",
         "--screenshot", str(shot), "--screenshot-when", "done"],
        env=env, capture_output=True, text=True, timeout=110,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    runs = list((tmp_path / "home" / "runs").glob("*_Account"))
    assert len(runs) == 1, "one run folder for the one load"
    manifest = json.loads((runs[0] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["totals"]["success"] == 25
    assert manifest["accounting"]["balanced"]
    assert shot.stat().st_size > 10_000, "a real picture of the window was saved"
