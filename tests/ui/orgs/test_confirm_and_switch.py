"""The typed production confirmation and the wiring from the connection bar's switch request."""

from __future__ import annotations

import socket
from typing import Any

import keyring
import keyring.backend
import keyring.core
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from sfloader_gui.core.auth.login import LoginService
from sfloader_gui.core.credentials import CredentialStore
from sfloader_gui.core.orgs import Environment, LoginMethod, OrgStore, build_profile
from sfloader_gui.ui.orgs.confirm import ProductionConfirmDialog, ProductionGuard
from sfloader_gui.ui.orgs.switch import OrgsController
from tests.core.auth.browser import ScriptedBrowser


def test_load_button_needs_the_typed_org_name(qtbot: QtBot) -> None:
    dialog = ProductionConfirmDialog("Acme prod", Environment.PRODUCTION, 1200, None)
    qtbot.addWidget(dialog)
    assert "1,200 records" in dialog.intro.text() and "Acme prod" in dialog.intro.text()
    assert not dialog.load_button.isEnabled()
    qtbot.keyClicks(dialog.name_edit, "Acme pro")
    assert not dialog.load_button.isEnabled()
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)  # Enter does not bypass the check
    assert dialog.result() != dialog.DialogCode.Accepted
    qtbot.keyClicks(dialog.name_edit, "d")
    assert dialog.load_button.isEnabled()


def test_guard_asks_once_per_session_and_never_for_sandboxes(qtbot: QtBot) -> None:
    guard = ProductionGuard()
    assert guard.confirm_load(None, "sbx", "UAT", Environment.SANDBOX)  # no dialog at all
    asked: list[str] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ProductionConfirmDialog)
        asked.append(dialog.org_name)
        dialog.name_edit.setText("Acme prod")
        dialog.load_button.click()

    QTimer.singleShot(0, answer)
    assert guard.confirm_load(None, "p1", "Acme prod", "production", records=10)
    assert asked == ["Acme prod"]
    assert guard.confirm_load(None, "p1", "Acme prod", "production")  # confirmed already this session
    assert guard.needs_confirmation("p2", Environment.MYDOMAIN)
    guard.forget()
    assert guard.needs_confirmation("p1", "production")


class FakeWindow(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[Any, str, str, str]] = []
        self.notices: list[str] = []

    def set_connection(self, conn: Any, org_label: str, environment: str, username: str = "") -> None:
        self.calls.append((conn, org_label, environment, username))

    def show_notice(self, text: str) -> None:
        self.notices.append(text)


def test_switch_dialog_hands_a_connection_to_the_window(qtbot: QtBot, emulator: Any) -> None:
    orgs = OrgStore()
    profile = build_profile("Demo", Environment.DEMO, LoginMethod.OAUTH, instance_url=emulator.instance_url)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    orgs.upsert(profile.with_changes(callback_port=port))
    controller = OrgsController(LoginService(orgs, CredentialStore(), open_browser=ScriptedBrowser()))
    window = FakeWindow()
    qtbot.addWidget(window)
    dialog = controller.open_dialog(window, window)
    dialog.reload(select=profile.id)
    with qtbot.waitSignal(dialog.connected, timeout=20_000):
        dialog.connect_button.click()
    conn, label, environment, _ = window.calls[-1]
    assert label == "Demo" and environment == "demo"
    assert conn.instance_url == emulator.instance_url
    assert conn.get_json("sobjects/")["sobjects"]
    conn.close()


def test_refused_keyring_is_explained_in_the_dialog(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    monkeypatch.setattr(keyring.core, "load_env", lambda: None)
    monkeypatch.setattr(keyring.core, "load_config", lambda: None)
    monkeypatch.setattr(keyring.backend, "get_all_keyring", list)
    window = FakeWindow()
    qtbot.addWidget(window)
    dialog = OrgsController().open_dialog(window, window)
    assert "No secure credential store" in dialog.status.text()
    assert "logins last until the app closes" in dialog.keyring_label.text()
