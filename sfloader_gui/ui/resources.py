"""Where bundled files live, in a source checkout and in a PyInstaller build alike."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QIcon


def resource_root() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)  # set by PyInstaller: data files are unpacked there
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def samples_dir() -> Path:
    return resource_root() / "samples"


def app_icon() -> QIcon:
    path = resource_root() / "icons" / "sfloader.svg"
    return QIcon(str(path)) if path.exists() else QIcon()
