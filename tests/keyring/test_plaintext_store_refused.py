"""Case 23 with the real keyrings.alt installed (not a stand-in): without a Secret Service, keyring itself
would keep secrets in its plaintext file; the app refuses that store and no secret reaches the disk.

Needs keyrings.alt, which the project never installs in .venv or the bundle: .ci/run runs this module in
an isolated environment (`uv run --isolated --group plaintext-keyring pytest -m plaintext_keyring`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.plaintext_keyring

SECRET = "5Aep861probeRefreshTokenNeverOnDisk"

# Runs in a child process with no D-Bus session (so no Secret Service), keyrings.alt importable: what
# keyring alone picks, then what the app does.
_PROBE = f"""
import keyring
from sfloader_gui.core.credentials import CredentialError, CredentialStore, SecretKind, ensure_secure_backend
from sfloader_gui.core.credentials import primary_backend
picked = primary_backend(keyring.get_keyring())
print("KEYRING PICKS", type(picked).__module__, type(picked).__name__)
try:
    ensure_secure_backend()
    print("APP USES", type(keyring.get_keyring()).__module__)
except CredentialError as exc:
    print("APP REFUSES", exc)
try:
    CredentialStore().set("probe-org", SecretKind.REFRESH_TOKEN, "{SECRET}")
    print("STORED")
except CredentialError as exc:
    print("NOT STORED", exc)
"""


def _probe(home: Path, **extra: str) -> str:
    pytest.importorskip("keyrings.alt", reason="keyrings.alt is installed only in .ci/run's isolated step")
    # No DBUS_SESSION_BUS_ADDRESS: the child has no Secret Service, as on a server or a bare desktop.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
           "XDG_CONFIG_HOME": str(home / "config"), "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
           **extra}  # fmt: skip
    proc = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _secret_on_disk(home: Path) -> list[Path]:
    return [p for p in home.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]


def test_keyring_alone_would_pick_the_plaintext_file_and_the_app_refuses_it(tmp_path: Path) -> None:
    out = _probe(tmp_path)
    assert "KEYRING PICKS keyrings.alt.file PlaintextKeyring" in out, out  # the danger, as it is
    assert "APP REFUSES" in out and "NOT STORED" in out, out
    assert "No secure credential store" in out  # the recommended choice without keyrings.alt: none
    assert _secret_on_disk(tmp_path) == []


def test_a_plaintext_store_forced_by_the_environment_is_refused_and_named(tmp_path: Path) -> None:
    out = _probe(tmp_path, PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring")
    assert "APP REFUSES" in out and "keyrings.alt" in out and "PYTHON_KEYRING_BACKEND" in out, out
    assert "NOT STORED" in out
    assert _secret_on_disk(tmp_path) == [] and not list(tmp_path.rglob("keyring_pass.cfg"))
