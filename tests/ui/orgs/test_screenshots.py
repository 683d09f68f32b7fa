"""Renders the login dialog offscreen in its main states (docs/screenshots/login*.png when asked)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from sfloader_gui.core.auth.login import LoginService
from sfloader_gui.core.credentials import CredentialStore
from sfloader_gui.core.orgs import Environment, LoginMethod, OrgStore, build_profile
from sfloader_gui.ui.orgs.confirm import ProductionConfirmDialog
from sfloader_gui.ui.orgs.org_manager import OrgManagerDialog
from sfloader_gui.ui.style import apply_style
from tests.memory_keyring import MemoryKeyring

# SFLOADER_SCREENSHOT_DIR=docs/screenshots uv run pytest tests/ui/orgs/test_screenshots.py: refresh docs.
_TARGET = os.environ.get("SFLOADER_SCREENSHOT_DIR")


class LinuxKeyring(MemoryKeyring):
    """Shows the name a Linux desktop user sees (the Secret Service backend) in the docs pictures."""

    name = "SecretService Keyring"


def _orgs() -> OrgStore:
    store = OrgStore()
    store.upsert(
        build_profile(
            "Acme production",
            Environment.PRODUCTION,
            LoginMethod.OAUTH,
            consumer_key="3MVG9fe4g9fhX0E5lZ1QkYFakeKeyForDocs",
            username="ana@acme.com",
        )
    )
    store.upsert(build_profile("Acme UAT sandbox", Environment.SANDBOX, LoginMethod.CLI, cli_target="uat"))
    store.upsert(
        build_profile(
            "Old integration org",
            Environment.MYDOMAIN,
            LoginMethod.PASSWORD,
            my_domain="acme-legacy",
            username="integration@acme.com",
        )
    )
    store.upsert(
        build_profile("Demo org", Environment.DEMO, LoginMethod.TOKEN, instance_url="http://127.0.0.1:8765")
    )
    return store


@pytest.mark.parametrize(
    ("name", "org"),
    [
        ("login", "Acme production"),
        ("login-sandbox-cli", "Acme UAT sandbox"),
        ("login-legacy-password", "Old integration org"),
        ("login-token", "Demo org"),
    ],
)
def test_login_dialog_renders(qtbot: QtBot, qapp: QApplication, tmp_path: Path, name: str, org: str) -> None:
    apply_style(qapp)
    orgs = _orgs()
    dialog = OrgManagerDialog(LoginService(orgs, CredentialStore(LinuxKeyring())))
    qtbot.addWidget(dialog)
    target = next(p for p in orgs.list() if p.name == org)
    dialog.reload(select=target.id)
    dialog.resize(900, 600)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert target.environment.label.split()[0].upper()[:4] in dialog.editor.banner.text().upper() or (
        target.environment is Environment.MYDOMAIN and "PRODUCTION" in dialog.editor.banner.text()
    )
    _save(dialog.grab(), name, tmp_path)


def test_production_confirmation_renders(qtbot: QtBot, qapp: QApplication, tmp_path: Path) -> None:
    apply_style(qapp)
    dialog = ProductionConfirmDialog("Acme production", Environment.PRODUCTION, 48_250, None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.name_edit.setText("Acme prod")
    _save(dialog.grab(), "login-confirm-production", tmp_path)


def _save(pixmap: object, name: str, tmp_path: Path) -> None:
    folder = Path(_TARGET) if _TARGET else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    assert pixmap.save(str(path))  # type: ignore[attr-defined]
    assert path.stat().st_size > 5_000
