"""Shared test set-up: offscreen Qt, private app dirs, an in-memory keyring, a live emulator."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Must be set before any QApplication exists: CI has no display for the main suite.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep settings, logs, journals and demo data of every test away from the real home folder."""
    home = tmp_path_factory.mktemp("home")
    for var, sub in (
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("SFLOADER_HOME", str(home / "sfloader"))
    monkeypatch.delenv("SF_ACCESS_TOKEN", raising=False)
    monkeypatch.delenv("SF_INSTANCE_URL", raising=False)


@pytest.fixture(autouse=True)
def _process_owner_lock() -> Iterator[None]:
    """Each test's journal lives in its own home folder: let go of the process's owner lock after it."""
    yield
    from sfloader_gui.core.load.liveness import end_this_process

    end_this_process()


@pytest.fixture(autouse=True)
def _memory_keyring() -> Iterator[None]:
    """Tests never touch the machine's keyring (the real_keyring tests opt back in)."""
    import keyring

    from tests.memory_keyring import MemoryKeyring

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def samples_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "resources" / "samples"


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[object]:
    """A running demo org on 127.0.0.1 with a private database; jobs finish as fast as they can."""
    from sfloader_gui.emulator.server import EmulatorConfig, EmulatorServer

    with EmulatorServer(EmulatorConfig(db_path=tmp_path / "org.sqlite3")) as org:
        yield org
