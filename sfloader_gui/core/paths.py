"""Where the app keeps its files: platformdirs locations, overridable for tests and portable use."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from sfloader_gui import APP_NAME
from sfloader_gui.core.private import private_dir

# One variable moves every location under one folder: tests and portable installs set it.
_OVERRIDE_VAR = "SFLOADER_HOME"


def _base(kind: str) -> Path:
    override = os.environ.get(_OVERRIDE_VAR)
    if override:
        return Path(override) / kind
    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    return Path(
        {
            "config": dirs.user_config_dir,
            "data": dirs.user_data_dir,
            "logs": dirs.user_log_dir,
            "cache": dirs.user_cache_dir,
        }[kind]
    )


def _ensure(path: Path) -> Path:
    return private_dir(path)  # the app's own folders: only this user may read them


def config_dir() -> Path:
    """Settings and org profiles (never secrets)."""
    return _ensure(_base("config"))


def data_dir() -> Path:
    """The job journal and the demo org's database."""
    return _ensure(_base("data"))


def log_dir() -> Path:
    return _ensure(_base("logs"))


def cache_dir() -> Path:
    return _ensure(_base("cache"))


def default_output_dir() -> Path:
    """Run folders go here unless the user picks another folder."""
    override = os.environ.get(_OVERRIDE_VAR)
    if override:
        return _ensure(Path(override) / "runs")
    return _ensure(Path(platformdirs.user_documents_dir()) / "sfloader runs")


def demo_org_db() -> Path:
    return data_dir() / "demo-org.sqlite3"
