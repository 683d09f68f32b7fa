"""The org manager / login dialog: list, add, edit, remove and switch orgs, and log in by any method."""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sfloader_gui.core.auth.login import LoginResult, LoginService
from sfloader_gui.core.auth.sfcli import CliOrg
from sfloader_gui.core.logs import redact
from sfloader_gui.core.models import ConfigError
from sfloader_gui.core.orgs import Environment, LoginMethod, OrgProfile
from sfloader_gui.ui.orgs.environment import badge_text, environment_icon
from sfloader_gui.ui.orgs.method_pages import CliPage, OAuthPage, PasswordPage, TokenPage
from sfloader_gui.ui.orgs.network_row import CaBundleRow
from sfloader_gui.ui.orgs.org_editor import OrgEditor
from sfloader_gui.ui.plain import ask, plain_label, tooltip
from sfloader_gui.ui.tasks import BackgroundTasks

_ID_ROLE = Qt.ItemDataRole.UserRole
DEMO_ITEM = "__demo__"  # the built-in demo org: always listed, never a saved profile
_SHORT_METHOD = {
    LoginMethod.OAUTH: "Browser login",
    LoginMethod.CLI: "Salesforce CLI",
    LoginMethod.PASSWORD: "Password (legacy)",
    LoginMethod.TOKEN: "Access token",
}


def _ask_remove(parent: QWidget, profile: OrgProfile) -> bool:
    return ask(  # the org's name is typed by people: plain text
        parent,
        "Remove org",
        f"Remove {profile.label}? Its saved login (refresh token, password) is deleted from the keyring.",
        default_no=False,
    )


class OrgManagerDialog(QDialog):
    """Pick or define an org and log in to it; emits ``connected`` with a working login.

    Signals:
        connected(object): a ``LoginResult`` (profile, instance URL, token provider).
        demo_requested(): the user chose the demo org (the window starts it; nothing to log in to).
    """

    connected = Signal(object)
    demo_requested = Signal()

    def __init__(self, service: LoginService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Salesforce orgs")
        self.service = service
        self.confirm_remove: Callable[[QWidget, OrgProfile], bool] = _ask_remove
        self.runner = BackgroundTasks(max_threads=1, parent=self)  # one login at a time
        self._cancel = threading.Event()
        self.login_result: LoginResult | None = None

        self.org_list = QListWidget()
        self.org_list.setMinimumWidth(230)
        self.org_list.setMaximumWidth(280)
        self.org_list.setSpacing(3)
        self.org_list.setWordWrap(True)
        self.org_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.org_list.setAccessibleName("Orgs")
        self.add_button = QPushButton("Add org")
        self.remove_button = QPushButton("Remove")
        self.editor = OrgEditor()
        self.status = plain_label()  # login errors quote what the server or the user sent
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.ca_bundle = CaBundleRow(service.orgs.ca_bundle)
        self.keyring_label = plain_label()
        self.keyring_label.setWordWrap(True)
        self.keyring_label.setStyleSheet("color: palette(placeholder-text);")
        self.save_button = QPushButton("Save")
        self.relogin_button = QPushButton("Log in again")
        self.relogin_button.setToolTip("Ignore the saved login and log in from scratch.")
        self.connect_button = QPushButton("Connect")
        self.connect_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel login")
        self.cancel_button.hide()
        self.close_button = QPushButton("Close")
        self._build_layout()
        self._connect_signals()
        self.reload(select=service.orgs.active_id)
        if self.org_list.currentItem() is None:
            # Nothing chosen yet: start in the new-org form, not in the list (focusing the list would
            # pick its first entry, the demo org).
            self.editor.name.setFocus()
        self._show_keyring()
        if service.orgs.load_problem:
            self.show_error(service.orgs.load_problem)
        self.resize(880, 540)

    # -- layout ----------------------------------------------------------------------------------------

    def _build_layout(self) -> None:
        left = QVBoxLayout()
        left.addWidget(QLabel("<b>Orgs</b>"))
        left.addWidget(self.org_list, 1)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        left.addLayout(row)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.relogin_button)
        buttons.addWidget(self.connect_button)
        buttons.addWidget(self.close_button)
        right = QVBoxLayout()
        right.addWidget(self.editor, 1)
        right.addWidget(self.status)
        right.addWidget(self.ca_bundle)
        right.addWidget(self.keyring_label)
        right.addLayout(buttons)
        main = QHBoxLayout(self)
        main.addLayout(left)
        main.addLayout(right, 1)

    def _connect_signals(self) -> None:
        self.org_list.currentItemChanged.connect(self._selection_changed)
        self.add_button.clicked.connect(self.add_org)
        self.remove_button.clicked.connect(self.remove_org)
        self.save_button.clicked.connect(self.save)
        self.connect_button.clicked.connect(lambda: self.log_in(force=False))
        self.relogin_button.clicked.connect(lambda: self.log_in(force=True))
        self.cancel_button.clicked.connect(self.cancel_login)
        self.close_button.clicked.connect(self.reject)
        cli_page = self.editor.pages[LoginMethod.CLI]
        assert isinstance(cli_page, CliPage)
        cli_page.list_requested.connect(self.read_cli_orgs)

    def _show_keyring(self) -> None:
        name = self.service.store.backend_name()
        self.keyring_label.setText(
            f"Saved logins are kept in your system keyring ({name}), never in files."
            if name
            else "No secure keyring: logins last until the app closes. Nothing is written to files."
        )

    # -- the list --------------------------------------------------------------------------------------

    def reload(self, select: str | None = None, *, refresh_editor: bool = True) -> None:
        self.org_list.blockSignals(True)
        self.org_list.clear()
        demo = QListWidgetItem(
            environment_icon(Environment.DEMO), "Demo org\nDEMO · practice org on this computer"
        )
        demo.setData(_ID_ROLE, DEMO_ITEM)
        demo.setToolTip("A local practice org with sample data: no account, nothing leaves this computer.")
        self.org_list.addItem(demo)
        for profile in self.service.orgs.list():
            detail = f"{badge_text(profile.environment)} · {_SHORT_METHOD[profile.login_method]}"
            item = QListWidgetItem(environment_icon(profile.environment), f"{profile.name}\n{detail}")
            item.setData(_ID_ROLE, profile.id)
            item.setToolTip(tooltip(f"{profile.label}\n{profile.instance_url or profile.login_url}"))
            self.org_list.addItem(item)
            if profile.id == select:
                self.org_list.setCurrentItem(item)
        self.org_list.blockSignals(False)
        if refresh_editor:
            self.editor.load(self.selected())
        self.remove_button.setEnabled(self.selected() is not None)

    def selected(self) -> OrgProfile | None:
        item = self.org_list.currentItem()
        if item is None or item.data(_ID_ROLE) == DEMO_ITEM:
            return None
        return self.service.orgs.get(item.data(_ID_ROLE))

    def demo_selected(self) -> bool:
        item = self.org_list.currentItem()
        return item is not None and item.data(_ID_ROLE) == DEMO_ITEM

    def _selection_changed(self) -> None:
        demo = self.demo_selected()
        self.editor.load(self.selected())
        self.editor.setEnabled(not demo)
        for button in (self.save_button, self.relogin_button):
            button.setEnabled(not demo)
        self.remove_button.setEnabled(self.selected() is not None)
        self.status.clear()
        if demo:
            self.show_info("The demo org runs on this computer with sample data. Connect starts it.")

    def add_org(self) -> None:
        self.org_list.setCurrentRow(-1)
        self.editor.setEnabled(True)
        for button in (self.save_button, self.relogin_button):
            button.setEnabled(True)
        self.editor.load(None)
        self.editor.name.setFocus()
        self.show_info("Fill in the new org, then Save or Connect.")

    def remove_org(self) -> None:
        profile = self.selected()
        if profile is None or self.runner.busy or not self.confirm_remove(self, profile):
            return
        # Off the UI thread: removing revokes the saved login at Salesforce first (a network call).
        self._busy(True, f"Removing {profile.name}…")
        self.runner.submit(
            lambda: self.service.remove(profile), lambda _: self._removed(profile), self._not_removed
        )

    def _removed(self, profile: OrgProfile) -> None:
        self._busy(False)
        self.reload()
        self.show_info(f"{profile.name} and its saved login were removed.")

    def _not_removed(self, message: str) -> None:
        self._busy(False)
        self.show_error(f"{redact(message)} The org was kept so its secrets can be removed later.")

    def save(self) -> OrgProfile | None:
        try:
            profile = self.editor.profile()
            if self.ca_bundle.path() != self.service.orgs.ca_bundle:
                self.service.orgs.set_ca_bundle(self.ca_bundle.path())
            self.service.orgs.upsert(profile)
        except (ConfigError, OSError) as exc:
            self.show_error(str(exc))
            return None
        # Keep the form as typed (secrets included: Connect reads them after saving).
        self.reload(select=profile.id, refresh_editor=False)
        self.editor.set_editing(profile)
        self.show_info(f"Saved {profile.label}.")
        return profile

    # -- logging in ------------------------------------------------------------------------------------

    def log_in(self, force: bool) -> None:
        if self.demo_selected():
            self.demo_requested.emit()
            self.accept()
            return
        profile = self.save()
        if profile is None or self.runner.busy:
            return
        self._cancel = threading.Event()
        job = self._login_job(profile, force)
        if job is None:
            return
        waiting = (
            "Finish the login in your browser… (it opened the Salesforce login page)"
            if profile.login_method is LoginMethod.OAUTH
            else "Logging in…"
        )
        self._busy(True, waiting)
        self.runner.submit(job, self._logged_in, self._task_failed)

    def _login_job(self, profile: OrgProfile, force: bool) -> Callable[[], LoginResult] | None:
        service, method = self.service, profile.login_method
        saved = not force and service.has_saved_login(profile) and bool(profile.instance_url)
        if method is LoginMethod.OAUTH:
            if saved:
                return lambda: service.resume(profile)
            page_o = self.editor.pages[method]
            assert isinstance(page_o, OAuthPage)
            secret, cancel = page_o.client_secret.text(), self._cancel
            return lambda: service.login_oauth(profile, client_secret=secret, cancel=cancel)
        if method is LoginMethod.CLI:
            return lambda: service.login_cli(profile)
        if method is LoginMethod.PASSWORD:
            page_p = self.editor.pages[method]
            assert isinstance(page_p, PasswordPage)
            password = page_p.password.text()
            if not password and saved:
                return lambda: service.resume(profile)
            if not password:
                self.show_error("Enter the password (and the security token if your org needs one).")
                return None
            token, secret = page_p.security_token.text(), page_p.consumer_secret.text()
            save = page_p.save.isChecked()
            return lambda: service.login_password(profile, password, token, secret, save=save)
        page_t = self.editor.pages[LoginMethod.TOKEN]
        assert isinstance(page_t, TokenPage)
        token_text = page_t.token.text()
        if not token_text and saved and profile.save_token:
            return lambda: service.resume(profile)
        if not token_text:
            self.show_error("Paste the access token.")
            return None
        save_token = page_t.save.isChecked()
        return lambda: service.login_token(profile, profile.instance_url, token_text, save=save_token)

    def cancel_login(self) -> None:
        """Stop waiting for the browser (the event of the login running now, not of an earlier one)."""
        self._cancel.set()
        self.show_info("Cancelling…")

    def read_cli_orgs(self) -> None:
        if self.runner.busy:
            return
        self._busy(True, "Asking the Salesforce CLI for its orgs…")
        self.runner.submit(self.service.cli.list_orgs, self._cli_orgs_read, self._task_failed)

    def _cli_orgs_read(self, orgs: list[CliOrg]) -> None:
        self._busy(False)
        page = self.editor.pages[LoginMethod.CLI]
        assert isinstance(page, CliPage)
        page.show_orgs([(o.label, o.target) for o in orgs])
        self.status.clear()

    def _logged_in(self, result: LoginResult) -> None:
        self._busy(False)
        self.login_result = result
        for page in self.editor.pages.values():
            page.clear_secrets()
        self.reload(select=result.profile.id)
        self.show_info(f"Connected to {result.profile.label} at {result.instance_url}.")
        self.connected.emit(result)
        self.accept()

    def _task_failed(self, message: str) -> None:
        self._busy(False)
        self.show_error(redact(message))  # exception texts may quote a server answer: never show a secret

    def _busy(self, busy: bool, message: str = "") -> None:
        for widget in (
            self.connect_button,
            self.relogin_button,
            self.save_button,
            self.add_button,
            self.remove_button,
            self.org_list,
            self.editor,
        ):
            widget.setEnabled(not busy)
        self.cancel_button.setVisible(busy)
        if message:
            self.show_info(message)

    # -- messages --------------------------------------------------------------------------------------

    def show_error(self, text: str) -> None:
        self.status.setStyleSheet("color: #b3261e;")
        self.status.setText(text)

    def show_info(self, text: str) -> None:
        self.status.setStyleSheet("")
        self.status.setText(text)

    def reject(self) -> None:
        self._cancel.set()  # a browser login still waiting stops at once
        self.runner.wait(5_000)
        super().reject()
