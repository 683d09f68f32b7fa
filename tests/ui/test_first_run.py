"""First run and return (demo org over OAuth): back to the last org at start from the keyring; a clear state
with one click to log in again when the session expired or the keyring is locked; the demo org listed."""

from __future__ import annotations

import socket
from typing import Any

import keyring
import pytest
from keyring.errors import KeyringLocked
from pytestqt.qtbot import QtBot

from sfloader_gui.core.auth.login import LoginService
from sfloader_gui.core.auth.network import new_session
from sfloader_gui.core.auth.oauth import revoke
from sfloader_gui.core.credentials import CredentialStore
from sfloader_gui.core.orgs import Environment, LoginMethod, OrgStore, build_profile
from sfloader_gui.ui.main_window import MainWindow
from sfloader_gui.ui.orgs.switch import OrgsController
from tests.core.auth.browser import ScriptedBrowser
from tests.memory_keyring import MemoryKeyring
from tests.ui.helpers import WAIT_MS, open_window


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _logged_in_earlier(emulator: Any) -> str:
    """A session of the app that logged in to an org (browser login, refresh token in the keyring)."""
    orgs = OrgStore()
    profile = build_profile("Acme demo", Environment.DEMO, LoginMethod.OAUTH,
                            instance_url=emulator.instance_url, callback_port=_free_port())  # fmt: skip
    orgs.upsert(profile)
    LoginService(orgs, CredentialStore(), open_browser=ScriptedBrowser()).login_oauth(profile, port=0)
    return profile.id


def _window(qtbot: QtBot) -> MainWindow:
    orgs = OrgsController(LoginService(OrgStore(), CredentialStore(), open_browser=ScriptedBrowser()))
    return open_window(qtbot, None, orgs=orgs)


def test_the_app_reconnects_to_the_last_org_from_the_keyring(qtbot: QtBot, emulator: Any) -> None:
    _logged_in_earlier(emulator)
    window = _window(qtbot)
    assert window.reconnect_last()
    assert window.bar.badge.text() == "CONNECTING…"
    qtbot.waitUntil(lambda: window.connection is not None, timeout=WAIT_MS)
    assert window.bar.org_label.text() == "Acme demo" and window.bar.badge.text() == "DEMO"
    qtbot.waitUntil(lambda: bool(window.object_picker.choices()), timeout=WAIT_MS)
    assert not window.bar.relogin_button.isVisible()


def test_no_last_org_leaves_the_first_run_state(qtbot: QtBot) -> None:
    window = _window(qtbot)
    assert not window.reconnect_last()
    assert window.bar.badge.text() == "NOT CONNECTED" and not window.bar.relogin_button.isVisible()


def test_an_expired_session_says_so_and_one_click_logs_in_again(qtbot: QtBot, emulator: Any) -> None:
    org_id = _logged_in_earlier(emulator)
    backend = keyring.get_keyring()
    assert isinstance(backend, MemoryKeyring)
    refresh = next(v for (_, k), v in backend.secrets.items() if org_id in k and "refresh" in k)
    revoke(emulator.instance_url, refresh, session=new_session(""), allow_loopback_http=True)
    window = _window(qtbot)
    window.reconnect_last()
    qtbot.waitUntil(lambda: window.bar.relogin_button.isVisible(), timeout=WAIT_MS)
    assert window.connection is None and window.bar.badge.text() == "NOT CONNECTED"
    assert window.bar.org_label.text() == "Acme demo (Demo (local)): not connected"
    assert "expired or was revoked" in window.bar.details_label.text()
    assert "Connect to an org first" in window.load_reason.text()
    window.bar.relogin_requested.connect(window.relogin)
    window.bar.relogin_button.click()  # the browser login starts at once (scripted here)
    qtbot.waitUntil(lambda: window.connection is not None, timeout=WAIT_MS)
    assert window.bar.org_label.text() == "Acme demo" and not window.bar.relogin_button.isVisible()


class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("the login keyring is locked")


@pytest.mark.app_warnings("keyring read failed")
def test_a_locked_keyring_says_so(qtbot: QtBot, emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _logged_in_earlier(emulator)
    locked = LoginService(OrgStore(), CredentialStore(LockedKeyring()), open_browser=ScriptedBrowser())
    window = open_window(qtbot, None, orgs=OrgsController(locked))
    window.reconnect_last()
    qtbot.waitUntil(lambda: window.bar.relogin_button.isVisible(), timeout=WAIT_MS)
    text = window.bar.details_label.text()
    assert "keyring is locked or unavailable" in text and "Unlock it" in text


def test_the_demo_org_is_listed_among_the_orgs(qtbot: QtBot, emulator: Any) -> None:
    _logged_in_earlier(emulator)
    window = _window(qtbot)
    asked: list[bool] = []
    window.bar.demo_requested.connect(lambda: asked.append(True))
    dialog = window.open_switch_dialog()
    items = [dialog.org_list.item(i).text() for i in range(dialog.org_list.count())]
    assert items[0].startswith("Demo org\nDEMO") and items[1].startswith("Acme demo")
    dialog.org_list.setCurrentRow(0)
    assert not dialog.editor.isEnabled() and "runs on this computer" in dialog.status.text()
    dialog.connect_button.click()
    assert asked == [True] and not dialog.isVisible()
