"""The org dialog wired into the real main window: switch, connect, and the production check before a load."""

from __future__ import annotations

import socket
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from sfloader_gui.core.orgs import Environment, LoginMethod, OrgStore, build_profile
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.salesforce.tokens import StaticToken
from sfloader_gui.core.settings import load_settings
from sfloader_gui.ui.main_window import MainWindow
from sfloader_gui.ui.orgs import OrgsController
from sfloader_gui.ui.orgs.confirm import ProductionConfirmDialog
from tests.core.auth.browser import ScriptedBrowser


def _window(qtbot: QtBot) -> MainWindow:
    window = MainWindow(load_settings(), OrgsController())
    qtbot.addWidget(window)
    return window


def test_switch_connects_the_window(qtbot: QtBot, emulator: Any) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    profile = build_profile(
        "Local demo",
        Environment.DEMO,
        LoginMethod.OAUTH,
        instance_url=emulator.instance_url,
        callback_port=port,
    )
    OrgStore().upsert(profile)
    window = _window(qtbot)
    window.orgs.service.open_browser = ScriptedBrowser()
    dialog = window.open_switch_dialog()
    dialog.reload(select=profile.id)
    with qtbot.waitSignal(dialog.connected, timeout=20_000):
        dialog.connect_button.click()
    qtbot.waitUntil(lambda: window.bar.connection is not None, timeout=5_000)
    assert window.bar.connection is not None
    assert window.bar.connection.instance_url == emulator.instance_url
    assert window.bar.badge.text() == "DEMO"
    assert window.bar.org_label.text() == "Local demo"
    assert window.confirm_production_load()  # a demo org needs no typed confirmation


def test_first_production_load_asks_for_the_typed_name_once(qtbot: QtBot) -> None:
    window = _window(qtbot)
    conn = SalesforceConnection("https://acme.my.salesforce.com", StaticToken("00Dx!token"))
    window.bar.set_connection(conn, "Acme", "production")
    answers: list[str] = []

    def type_name() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ProductionConfirmDialog)
        answers.append(dialog.org_name)
        dialog.name_edit.setText("acme")
        dialog.load_button.click()

    QTimer.singleShot(0, type_name)
    assert window.confirm_production_load()
    assert answers == ["Acme"]
    assert window.confirm_production_load()  # once per session
    conn.close()
