"""Shared set-up for window tests: a main window connected to the test emulator."""

from __future__ import annotations

from typing import Any

from pytestqt.qtbot import QtBot

from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.salesforce.tokens import StaticToken
from sfloader_gui.core.settings import AppSettings
from sfloader_gui.ui.main_window import MainWindow
from sfloader_gui.ui.orgs import OrgsController

WAIT_MS = 20_000


def connect(emulator: Any) -> SalesforceConnection:
    return SalesforceConnection(emulator.instance_url, StaticToken(emulator.access_token))


def open_window(
    qtbot: QtBot,
    emulator: Any | None,
    settings: AppSettings | None = None,
    orgs: OrgsController | None = None,
) -> MainWindow:
    window = MainWindow(settings or AppSettings(), orgs or OrgsController())
    qtbot.addWidget(window)
    window.show()
    if emulator is not None:
        window.set_connection(connect(emulator), "Test org", "sandbox", username="tester@example.com")
    return window


def pick(qtbot: QtBot, window: MainWindow, object_name: str, external_id: str) -> None:
    """Choose the object and External ID the way a user does, once the lists have arrived."""
    qtbot.waitUntil(lambda: bool(window.object_picker.choices()), timeout=WAIT_MS)
    assert window.object_picker.select(object_name)
    qtbot.waitUntil(lambda: bool(window.extid_picker.choices()), timeout=WAIT_MS)
    assert window.extid_picker.select(external_id)


def wait_checked(qtbot: QtBot, window: MainWindow) -> None:
    """Wait until pre-flight has answered for the current files."""
    qtbot.waitUntil(lambda: not window.checker.busy and not window.tasks.busy, timeout=WAIT_MS)
