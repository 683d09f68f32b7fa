"""The entry points as a user runs them: `python -m sfloader_gui --demo --screenshot PATH` (offscreen)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage


def test_demo_screenshot_renders_the_window_and_exits_0(tmp_path: Path) -> None:
    shot = tmp_path / "window.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SFLOADER_HOME": str(tmp_path / "home")}
    proc = subprocess.run(
        [sys.executable, "-m", "sfloader_gui", "--demo", "--screenshot", str(shot)],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1280, 800), "readable at 1280x800, nothing cut off"
    assert (tmp_path / "home" / "data" / "demo-org.sqlite3").exists(), "the demo org keeps its data"
    log = (tmp_path / "home" / "logs" / "sfloader.log").read_text(encoding="utf-8")
    assert "Started the demo org" in log and "Connected to Demo org" in log


def test_bad_arguments_say_why(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SFLOADER_HOME": str(tmp_path / "home")}
    proc = subprocess.run(
        [sys.executable, "-m", "sfloader_gui", "--auto-load-samples"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "--auto-load-samples needs --demo" in proc.stderr


def test_both_commands_print_their_version(capsys: pytest.CaptureFixture[str]) -> None:
    from sfloader_gui import __version__, cli
    from sfloader_gui.ui.app import parse_args

    for main, name in ((cli.main, "sfloader"), (parse_args, "sfloader-gui")):
        with pytest.raises(SystemExit) as done:
            main(["--version"])
        assert done.value.code == 0
        assert capsys.readouterr().out.strip() == f"{name} {__version__}"


def test_the_app_comes_back_to_the_demo_org_it_was_last_on(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SFLOADER_HOME": str(tmp_path / "home")}
    first = [sys.executable, "-m", "sfloader_gui", "--demo", "--screenshot", str(tmp_path / "a.png")]
    assert subprocess.run(first, env=env, capture_output=True, timeout=60).returncode == 0
    settings = json.loads((tmp_path / "home" / "config" / "settings.json").read_text(encoding="utf-8"))
    assert settings["reconnect_demo"] is True
    again = [sys.executable, "-m", "sfloader_gui", "--screenshot", str(tmp_path / "b.png")]  # no --demo
    proc = subprocess.run(again, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = (tmp_path / "home" / "logs" / "sfloader.log").read_text(encoding="utf-8")
    assert log.count("Connected to Demo org") == 2
