"""The org manager dialog (pytest-qt): add, edit, remove, environment always shown, logins on the emulator."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import keyring
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from sfloader_gui.core.auth.login import LoginResult, LoginService
from sfloader_gui.core.credentials import CredentialStore
from sfloader_gui.core.orgs import Environment, LoginMethod, OrgStore, build_profile
from sfloader_gui.ui.orgs.method_pages import CliPage, OAuthPage, PasswordPage, TokenPage
from sfloader_gui.ui.orgs.org_manager import OrgManagerDialog
from tests.core.auth.browser import ScriptedBrowser
from tests.core.auth.test_sfcli import ORG_LIST, install_fake_sf
from tests.memory_keyring import MemoryKeyring


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def service() -> LoginService:
    return LoginService(OrgStore(), CredentialStore(), open_browser=ScriptedBrowser())


@pytest.fixture
def dialog(qtbot: QtBot, service: LoginService) -> OrgManagerDialog:
    dlg = OrgManagerDialog(service)
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


def _choose(combo: Any, value: str) -> None:
    combo.setCurrentIndex(combo.findData(value))


def test_add_an_org_and_see_its_environment(qtbot: QtBot, dialog: OrgManagerDialog) -> None:
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    editor = dialog.editor
    # A new org has no environment until the user picks one (no silent Production default).
    assert "ENVIRONMENT?" in editor.banner.text() and editor.current_environment() is None
    qtbot.keyClicks(editor.name, "Acme UAT")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "Choose the org's environment" in dialog.status.text() and OrgStore().list() == []
    _choose(editor.environment, "sandbox")
    assert "SANDBOX" in editor.banner.text()
    _choose(editor.method, "oauth")
    page = editor.pages[LoginMethod.OAUTH]
    assert isinstance(page, OAuthPage)
    qtbot.keyClicks(page.consumer_key, "3MVG9key")
    page.port.setValue(1818)
    assert "http://127.0.0.1:1818/OauthRedirect" in page.callback.text()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    saved = OrgStore().list()
    assert [(p.name, p.environment, p.login_url, p.callback_port) for p in saved] == [
        ("Acme UAT", Environment.SANDBOX, "https://test.salesforce.com", 1818)
    ]
    # The demo org is always listed first, then the saved orgs.
    assert dialog.org_list.count() == 2 and "SANDBOX" in dialog.org_list.item(1).text()
    assert dialog.org_list.item(0).text().startswith("Demo org")


def test_my_domain_field_needed_for_my_domain_optional_else(dialog: OrgManagerDialog) -> None:
    editor = dialog.editor
    _choose(editor.environment, "mydomain")
    assert editor.my_domain.isVisibleTo(dialog) and not editor.demo_url.isVisibleTo(dialog)
    _choose(editor.environment, "production")
    assert editor.my_domain.isVisibleTo(dialog) and "optional" in editor.my_domain.placeholderText()
    _choose(editor.environment, "demo")
    assert not editor.my_domain.isVisibleTo(dialog) and editor.demo_url.isVisibleTo(dialog)


def test_invalid_form_is_explained_not_saved(qtbot: QtBot, dialog: OrgManagerDialog) -> None:
    qtbot.keyClicks(dialog.editor.name, "Acme")
    _choose(dialog.editor.environment, "mydomain")
    qtbot.keyClicks(dialog.editor.my_domain, "http://acme.my.salesforce.com")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "https" in dialog.status.text()
    assert OrgStore().list() == []


def test_browser_login_from_the_dialog(qtbot: QtBot, dialog: OrgManagerDialog, emulator: Any) -> None:
    editor = dialog.editor
    qtbot.keyClicks(editor.name, "Demo org")
    _choose(editor.environment, "demo")
    qtbot.keyClicks(editor.demo_url, emulator.instance_url)
    page = editor.pages[LoginMethod.OAUTH]
    assert isinstance(page, OAuthPage)
    page.port.setValue(_free_port())
    with qtbot.waitSignal(dialog.connected, timeout=20_000) as signal:
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    result = signal.args[0]
    assert isinstance(result, LoginResult)
    assert result.instance_url == emulator.instance_url
    assert result.provider.access_token().startswith("00D")
    assert dialog.result() == dialog.DialogCode.Accepted
    assert OrgStore().active() is not None


def test_wrong_token_shows_a_message(qtbot: QtBot, dialog: OrgManagerDialog, emulator: Any) -> None:
    editor = dialog.editor
    qtbot.keyClicks(editor.name, "Pasted")
    _choose(editor.environment, "demo")
    _choose(editor.method, "token")
    page = editor.pages[LoginMethod.TOKEN]
    assert isinstance(page, TokenPage)
    qtbot.keyClicks(page.instance_url, emulator.instance_url)
    qtbot.keyClicks(page.token, "00D000000000000!wrongtoken")
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "refused this access token" in dialog.status.text(), timeout=10_000)
    assert "wrongtoken" not in dialog.status.text()
    assert dialog.connect_button.isEnabled()


def test_password_page_is_marked_legacy(dialog: OrgManagerDialog) -> None:
    _choose(dialog.editor.method, "password")
    page = dialog.editor.pages[LoginMethod.PASSWORD]
    assert isinstance(page, PasswordPage)
    assert page.isVisibleTo(dialog)
    assert "legacy" in dialog.editor.method.currentText().lower()


def test_cli_orgs_listed(
    qtbot: QtBot, dialog: OrgManagerDialog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_fake_sf(tmp_path / "bin", {"org list": ORG_LIST}, monkeypatch)
    _choose(dialog.editor.method, "cli")
    page = dialog.editor.pages[LoginMethod.CLI]
    assert isinstance(page, CliPage)
    qtbot.mouseClick(page.refresh, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.target.count() == 2, timeout=10_000)
    assert page.selected_target() == "prod"


def test_cli_missing_is_said_in_the_dialog(
    qtbot: QtBot, dialog: OrgManagerDialog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    page = dialog.editor.pages[LoginMethod.CLI]
    assert isinstance(page, CliPage)
    qtbot.mouseClick(page.refresh, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "not installed" in dialog.status.text(), timeout=10_000)


def test_remove_deletes_the_org_and_its_secrets(qtbot: QtBot, service: LoginService, emulator: Any) -> None:
    profile = build_profile(
        "Demo",
        Environment.DEMO,
        LoginMethod.PASSWORD,
        instance_url=emulator.instance_url,
        username="demo@sfloader.example",
    )
    service.orgs.upsert(profile)
    service.login_password(profile, "demo", save=True)
    backend = keyring.get_keyring()
    assert isinstance(backend, MemoryKeyring) and backend.secrets
    dlg = OrgManagerDialog(service)
    qtbot.addWidget(dlg)
    dlg.confirm_remove = lambda parent, p: True
    assert dlg.selected() is not None and dlg.selected().id == profile.id  # type: ignore[union-attr]
    qtbot.mouseClick(dlg.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "removed" in dlg.status.text(), timeout=10_000)
    assert backend.secrets == {}
    assert dlg.org_list.count() == 1 and OrgStore().list() == []  # only the demo org is left
    assert "removed" in dlg.status.text()


def test_ca_bundle_setting_is_checked_and_saved(
    qtbot: QtBot, dialog: OrgManagerDialog, tmp_path: Path
) -> None:
    qtbot.keyClicks(dialog.editor.name, "Acme")
    _choose(dialog.editor.environment, "production")
    page = dialog.editor.pages[LoginMethod.OAUTH]
    assert isinstance(page, OAuthPage)
    qtbot.keyClicks(page.consumer_key, "k")
    dialog.ca_bundle.edit.setText(str(tmp_path / "missing.pem"))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "does not exist" in dialog.status.text() and OrgStore().list() == []
    pem = tmp_path / "corp.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    dialog.ca_bundle.edit.setText(str(pem))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert OrgStore().ca_bundle == str(pem) and len(OrgStore().list()) == 1


def test_browser_login_can_be_cancelled(qtbot: QtBot, emulator: Any) -> None:
    opened: list[str] = []
    service = LoginService(
        OrgStore(), CredentialStore(), open_browser=opened.append
    )  # the user never logs in
    dlg = OrgManagerDialog(service)
    qtbot.addWidget(dlg)
    qtbot.keyClicks(dlg.editor.name, "Demo")
    _choose(dlg.editor.environment, "demo")
    qtbot.keyClicks(dlg.editor.demo_url, emulator.instance_url)
    page = dlg.editor.pages[LoginMethod.OAUTH]
    assert isinstance(page, OAuthPage)
    page.port.setValue(_free_port())
    qtbot.mouseClick(dlg.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(opened), timeout=10_000)
    assert "browser" in dlg.status.text() and not dlg.connect_button.isEnabled()
    dlg.show()
    qtbot.mouseClick(dlg.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "cancelled" in dlg.status.text(), timeout=10_000)
    assert dlg.connect_button.isEnabled() and not dlg.runner.busy
