"""Wires the org dialog to the main window: ``open_switch_dialog(window)`` answers ``switch_requested``."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from PySide6.QtWidgets import QWidget

from sfloader_gui.core.auth.login import LoginResult, LoginService
from sfloader_gui.core.auth.network import apply_ca_bundle
from sfloader_gui.core.credentials import CredentialError, CredentialStore, ensure_secure_backend
from sfloader_gui.core.orgs import OrgProfile, OrgStore
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.salesforce.errors import AuthError
from sfloader_gui.ui.orgs.confirm import ProductionGuard
from sfloader_gui.ui.orgs.environment import bar_environment
from sfloader_gui.ui.orgs.org_manager import OrgManagerDialog

log = logging.getLogger(__name__)


class ConnectionTarget(Protocol):
    """What the main window offers (``MainWindow.set_connection``)."""

    def set_connection(self, conn: Any, org_label: str, environment: str, username: str = "") -> None: ...


class OrgsController:
    """One per window: the org list, the keyring store, the login service and the production guard."""

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

    def open_dialog(self, window: QWidget) -> OrgManagerDialog:
        dialog = OrgManagerDialog(self.service, window)
        if self.keyring_problem:
            dialog.show_error(self.keyring_problem)
        dialog.connected.connect(lambda result: self.use(window, result))
        bar = getattr(window, "bar", None)
        if bar is not None:  # the main window's "Try the demo org" does the rest
            dialog.demo_requested.connect(bar.demo_requested)
        return dialog

    def make_connection(self, result: LoginResult) -> SalesforceConnection:
        conn = SalesforceConnection(result.instance_url, result.provider, result.profile.api_version)
        if self.service.orgs.ca_bundle:
            apply_ca_bundle(conn.session, self.service.orgs.ca_bundle)
        return conn

    def use(self, window: Any, result: LoginResult) -> None:
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
            status_bar = getattr(window, "statusBar", None)
            if callable(status_bar):
                status_bar().showMessage(result.notice, 30_000)


def controller_for(window: QWidget) -> OrgsController:
    """The window's controller, made on first use."""
    controller = getattr(window, "_orgs_controller", None)
    if controller is None:
        controller = OrgsController()
        window._orgs_controller = controller  # type: ignore[attr-defined]
    return controller


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


def reconnect_last(window: Any) -> bool:
    """At start: connect to the org used last, from the keyring, off the UI thread.

    While it runs the bar says so; when it fails (expired session, keyring locked) the bar says why and
    offers one click to log in again. Returns False when there is no last org to go back to.
    """
    controller = controller_for(window)
    profile = controller.service.orgs.active()
    if profile is None:
        return False
    bar = window.bar
    bar.show_reconnecting(profile.label)
    window.tasks.submit(
        lambda: resume_or_explain(controller.service, profile),
        lambda result: controller.use(window, result),
        lambda message: bar.show_login_needed(profile.label, message),
    )
    return True


def relogin(window: QWidget) -> OrgManagerDialog:
    """One click from the bar: the org dialog on the last org, its login already started."""
    dialog = open_switch_dialog(window)
    if dialog.selected() is not None:
        dialog.log_in(force=True)
    return dialog


def open_switch_dialog(window: QWidget) -> OrgManagerDialog:
    """Show the org manager over ``window``; a successful login calls ``window.set_connection``."""
    dialog = controller_for(window).open_dialog(window)
    dialog.open()
    return dialog
