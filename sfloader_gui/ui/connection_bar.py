"""The connection bar: which org the app writes to (PRODUCTION / SANDBOX / DEMO badge) and how to switch."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.ui.plain import plain_label
from sfloader_gui.ui.style import icon_button

# Environment -> (badge text, background, foreground). Production is loud on purpose.
_BADGES = {
    "production": ("PRODUCTION", "#b3261e", "#ffffff"),
    "sandbox": ("SANDBOX", "#1f5fa8", "#ffffff"),
    "demo": ("DEMO", "#5b3fa0", "#ffffff"),
    "": ("NOT CONNECTED", "#d9d9d9", "#333333"),
    "connecting": ("CONNECTING…", "#e8e8e8", "#333333"),
}


class ConnectionBar(QFrame):
    """Shows the current org. The orgs dialogs plug in through ``switch_requested`` and ``set_connection``.

    Signals:
        switch_requested(): the user asked to switch org (the orgs dialog answers with ``set_connection``).
        demo_requested(): the user asked for the built-in demo org.
        settings_requested(): the user opened the advanced settings.
        relogin_requested(): the saved login of the last org failed and the user asked to log in again.
    """

    switch_requested = Signal()
    demo_requested = Signal()
    settings_requested = Signal()
    relogin_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectionBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.badge = QLabel()
        self.badge.setObjectName("envBadge")
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.badge.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.org_label = plain_label()  # the org's name and user are typed by people: text, never HTML
        self.org_label.setObjectName("orgName")
        self.details_label = plain_label()
        self.details_label.setObjectName("orgDetails")
        self.details_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        texts = QVBoxLayout()
        texts.setSpacing(0)
        texts.addWidget(self.org_label)
        texts.addWidget(self.details_label)

        pixmap = QStyle.StandardPixmap
        self.demo_button = icon_button(self, pixmap.SP_MediaPlay, "Try the de&mo org")
        self.demo_button.setToolTip("Connect to a built-in practice org on this computer: no account needed.")
        self.switch_button = icon_button(self, pixmap.SP_BrowserReload, "S&witch org…")
        self.settings_button = icon_button(self, pixmap.SP_FileDialogDetailedView, "Setti&ngs…")
        self.relogin_button = icon_button(self, pixmap.SP_DialogYesButton, "Log &in again…")
        self.relogin_button.setObjectName("reloginButton")
        self.relogin_button.hide()
        self.relogin_button.clicked.connect(self.relogin_requested)
        self.demo_button.clicked.connect(self.demo_requested)
        self.switch_button.clicked.connect(self.switch_requested)
        self.settings_button.clicked.connect(self.settings_requested)

        row = QHBoxLayout(self)
        row.setContentsMargins(10, 8, 10, 8)
        row.setSpacing(12)
        row.addWidget(self.badge)
        row.addLayout(texts, 1)
        row.addWidget(self.relogin_button)
        row.addWidget(self.demo_button)
        row.addWidget(self.switch_button)
        row.addWidget(self.settings_button)

        self.connection: SalesforceConnection | None = None
        self.environment = ""
        self.set_connection(None, "", "")

    def _badge(self, key: str) -> None:
        text, bg, fg = _BADGES[key]
        self.badge.setText(text)
        self.badge.setStyleSheet(
            f"QLabel#envBadge {{ background: {bg}; color: {fg}; border-radius: 4px;"
            " padding: 4px 10px; font-weight: bold; }"
        )

    def show_reconnecting(self, org_label: str) -> None:
        """At start: the last org's saved login is being used (no connection yet)."""
        self._badge("connecting")
        self.org_label.setText(org_label)
        self.details_label.setText("Logging in with the saved login…")

    def show_login_needed(self, org_label: str, why: str) -> None:
        """The last org's saved login did not work: say why, offer one click to log in again."""
        self.connection, self.environment = None, ""
        self._badge("")
        self.org_label.setText(f"{org_label}: not connected")
        self.details_label.setText(why)
        self.relogin_button.show()

    def set_connection(
        self, conn: SalesforceConnection | None, org_label: str, environment: str, username: str = ""
    ) -> None:
        """Show ``conn`` (a ``SalesforceConnection`` or None) as the current org.

        ``environment`` is ``production``, ``sandbox`` or ``demo`` (anything else is shown as production,
        the safe assumption).
        """
        env = environment.lower() if conn is not None else ""
        if conn is not None and env not in _BADGES:
            env = "production"
        self.connection, self.environment = conn, env
        self.demo_button.setVisible(env != "demo")
        self.relogin_button.hide()
        self._badge(env)
        if conn is None:
            self.org_label.setText("No org connected")
            self.details_label.setText("Switch org to log in, or try the demo org: it needs no account.")
            return
        self.org_label.setText(org_label or "Salesforce org")
        instance = str(getattr(conn, "instance_url", "") or "")
        self.details_label.setText(" · ".join(p for p in (username, instance) if p))
