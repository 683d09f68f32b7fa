"""The orgs controller (logins, keyring, production guard); ``ui.app`` makes it and hands it to the window."""

from __future__ import annotations

import logging
from typing import Protocol

from PySide6.QtWidgets import QWidget

from sfloader_gui.core.auth.login import LoginResult, LoginService
from sfloader_gui.core.auth.network import apply_ca_bundle
from sfloader_gui.core.credentials import CredentialError, CredentialStore, ensure_secure_backend
from sfloader_gui.core.orgs import OrgProfile, OrgStore
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.salesforce.errors import AuthError
from sfloader_gui.ui.connection_bar import ConnectionBar
from sfloader_gui.ui.orgs.confirm import ProductionGuard
from sfloader_gui.ui.orgs.environment import bar_environment
from sfloader_gui.ui.orgs.org_manager import OrgManagerDialog
from sfloader_gui.ui.tasks import BackgroundTasks

log = logging.getLogger(__name__)


class ConnectionTarget(Protocol):
    """What the main window offers the orgs work: ``set_connection`` and a line for the status bar."""

    def set_connection(
        self, conn: SalesforceConnection | None, org_label: str, environment: str, username: str = ""
    ) -> None: ...

    def show_notice(self, text: str) -> None: ...


class OrgsController:
    """Made by ``ui.app`` and handed to the main window: the org list, the keyring store, the login service
    and the production guard."""

    def __init__(self, service: LoginService | None = None) -> None:
        self.keyring_problem: str | None = None
        if service is None:
            try:
                ensure_secure_backend()
            except CredentialError as exc:
                self.keyring_problem = str(exc)  # shown in the dialog; the token method still works
            service = LoginService(OrgStore(), CredentialStore())
        self.service = service
        self.guard = ProductionGuard()
        self.connection: SalesforceConnection | None = None  # the one this controller made (and closes)

    def open_dialog(self, parent: QWidget, target: ConnectionTarget) -> OrgManagerDialog:
        """The org manager over ``parent``; a successful login calls ``target.set_connection``."""
        dialog = OrgManagerDialog(self.service, parent)
        if self.keyring_problem:
            dialog.show_error(self.keyring_problem)
        dialog.connected.connect(lambda result: self.use(target, result))
        return dialog

    def reconnect_last(self, target: ConnectionTarget, bar: ConnectionBar, tasks: BackgroundTasks) -> bool:
        """At start: connect ``target`` to the org used last, from the keyring, off the UI thread.

        While it runs the bar says so; when it fails (expired session, keyring locked) the bar says why and
        offers one click to log in again. Returns False when there is no last org to go back to.
        """
        profile = self.service.orgs.active()
        if profile is None:
            return False
        bar.show_reconnecting(profile.label)
        tasks.submit(
            lambda: resume_or_explain(self.service, profile),
            lambda result: self.use(target, result),
            lambda message: bar.show_login_needed(profile.label, message),
        )
        return True

    def make_connection(self, result: LoginResult) -> SalesforceConnection:
        conn = SalesforceConnection(result.instance_url, result.provider, result.profile.api_version)
        if self.service.orgs.ca_bundle:
            apply_ca_bundle(conn.session, self.service.orgs.ca_bundle)
        return conn

    def use(self, window: ConnectionTarget, result: LoginResult) -> None:
        conn = self.make_connection(result)
        profile = result.profile
        # The bar shows the environment as a badge; the name alone is what the production check asks to type.
        window.set_connection(conn, profile.name, bar_environment(profile.environment), profile.username)
        if self.connection is not None and self.connection is not conn:
            self.connection.close()
        self.connection = conn
        self.guard.forget()  # a new login is a new session: the first production load asks again
        if result.notice:  # e.g. no keyring: the login works but was not saved
            log.warning("%s", result.notice)
            window.show_notice(result.notice)


def resume_or_explain(service: LoginService, profile: OrgProfile) -> LoginResult:
    """The saved login of ``profile``, or an ``AuthError`` whose text says what the user can do."""
    try:
        return service.resume(profile)
    except CredentialError as exc:
        raise AuthError(
            f"Your keyring is locked or unavailable, so the saved login cannot be read ({exc}). "
            "Unlock it, then log in again."
        ) from None
    except AuthError as exc:
        if not service.has_saved_login(profile):
            raise AuthError("No saved login for this org: log in to use it.") from None
        raise AuthError(f"The saved login has expired or was revoked: {exc}") from None
