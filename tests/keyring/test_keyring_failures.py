"""Real gnome-keyring failure modes on private D-Bus sessions: a locked keyring and one that cannot start."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.real_keyring,
    pytest.mark.skipif(
        not shutil.which("dbus-run-session") or not shutil.which("gnome-keyring-daemon"),
        reason="needs dbus-run-session and gnome-keyring",
    ),
]

# Runs in the child session: select the backend as the app does, try to read, print what the user would see.
_PROBE = """
import keyring.core
from sfloader_gui.core.credentials import CredentialError, CredentialStore, SecretKind, ensure_secure_backend
try:
    ensure_secure_backend()
    CredentialStore().set("probe", SecretKind.PASSWORD, "probe-secret")
    print("OK")
except CredentialError as exc:
    print("MESSAGE:", exc)
"""


def _session(data_home: Path, unlock_with: str | None) -> str:
    unlock = (
        f"printf %s '{unlock_with}' | gnome-keyring-daemon --unlock --components=secrets >/dev/null; "
        if unlock_with is not None
        else ""
    )
    proc = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", f'{unlock}exec "{sys.executable}" -c "$PROBE"'],
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(data_home),
            "XDG_DATA_HOME": str(data_home),
            "PROBE": _PROBE,
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-500:]


def test_wrong_password_gives_the_locked_message(tmp_path: Path) -> None:
    assert _session(tmp_path, "first-password") == "OK"  # creates the login keyring
    out = _session(tmp_path, "another-password")  # the keyring stays locked
    assert out.startswith("MESSAGE: Your keyring is locked. Unlock it"), out


def test_daemon_that_cannot_create_its_store_is_explained(tmp_path: Path) -> None:
    out = _session(tmp_path, None)  # started by D-Bus activation, no unlock, no display to prompt
    assert out.startswith("MESSAGE:"), out
    assert "keyring" in out.lower()
